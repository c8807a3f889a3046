"""Finding an organisation's SIM, with its seeded past made on first read.

Every capability that acts on a SIM goes through here, so tenancy (403 for another
organisation's SIM, 404 for an unknown one) and the lazily made history are decided once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mockbsc.domain.errors import NotFoundError
from mockbsc.domain.fleet.events import EventLog
from mockbsc.domain.fleet.history import materialize
from mockbsc.domain.fleet.models import Sim
from mockbsc.domain.fleet.registry import SimRegistry
from mockbsc.domain.fleet.usage import UsageLedger


class SimLookup:
    def __init__(self, sims: SimRegistry, events: EventLog, usage: UsageLedger,
                 history_days: int, seeded_at: Callable[[], datetime]) -> None:
        self._sims = sims
        self._events = events
        self._usage = usage
        self.history_days = history_days  # public: a reset may re-read the fixtures
        self._seeded_at = seeded_at

    def sim(self, org_id: int, iccid: str) -> Sim:
        """The organisation's SIM with its seeded history in place (lazily made).

        Raises:
            NotFoundError / ForbiddenError: unknown ICCID, or another organisation's SIM.
        """
        sim = self._sims.get(org_id, iccid)
        if not sim.history_loaded:
            # The history describes the past up to seeding, whenever it is first read, so the
            # same seed tells the same story however far the clock has moved since.
            materialize(sim, self._seeded_at(), self.history_days, self._events, self._usage)
        return sim

    def find(self, iccid: str) -> Sim | None:
        """The SIM as it is, without making its history (None when unknown)."""
        return self._sims.find(iccid)

    def owned(self, org_id: int, iccid: str) -> Sim | None:
        """The organisation's SIM, or None when it is unknown or another organisation's."""
        found = self._sims.find(iccid)
        if found is None or found.org_id != org_id:
            return None
        return self.sim(org_id, iccid)

    def any_org(self, iccid: str) -> Sim:
        """A SIM of whichever organisation (control plane and queued work)."""
        found = self._sims.find(iccid)
        if found is None:
            raise NotFoundError(f"SIM {iccid} not found")
        return self.sim(found.org_id, iccid)
