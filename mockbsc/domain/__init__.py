"""The emulated platform as plain Python state: no HTTP, no framework, one injectable clock."""
