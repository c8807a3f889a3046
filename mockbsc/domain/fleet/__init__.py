"""SIMs and the fleet: the registry, identities, seeding, quotas, usage, events and the
radio network."""
