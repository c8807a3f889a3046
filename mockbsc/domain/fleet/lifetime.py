"""A SIM's lifetime: its quotas expire, an expired SIM refuses changes, an extension renews it,
and a transfer moves SIMs to another organisation.

1NCE sells a lifetime flat (500 MB + 250 SMS for ten years, S5). Past the quota's
`expiry_date` no volume is left, and S1 answers 422 "The following SIMs are expired and cannot
be modified via API. Only extensions are permitted" on the SIM operations; `POST
/v1/sims/extension` renews the lifetime and the quota. Expiry is work that falls due: one
`quota_expiry` job at the earliest expiry of the fleet, which expires every SIM due and
queues itself again for the next one.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime

from mockbsc.domain.clock import Clock
from mockbsc.domain.errors import ExpiredSimError, InvalidRequestError, NotFoundError
from mockbsc.domain.fleet import events as ev
from mockbsc.domain.fleet.events import EventLog
from mockbsc.domain.fleet.lookup import SimLookup
from mockbsc.domain.fleet.models import INITIAL_DATA_MB, INITIAL_SMS, Quota, Sim
from mockbsc.domain.fleet.radio import RadioNetwork
from mockbsc.domain.fleet.registry import SimRegistry
from mockbsc.domain.scheduler import Scheduler

EXPIRED = ("The following SIMs are expired and cannot be modified via API. "
           "Only extensions are permitted")
EXPIRY_JOB = "quota_expiry"


class SimLifetime:
    def __init__(self, lock: threading.RLock, clock: Clock, scheduler: Scheduler,
                 lookup: SimLookup,
                 sims: SimRegistry, events: EventLog, radio: RadioNetwork,
                 contract_months: Callable[[int | None], int]) -> None:
        self._lock = lock  # public methods take it: the api calls them directly
        self._clock = clock
        self._scheduler = scheduler
        self._lookup = lookup
        self._sims = sims
        self._events = events
        self._radio = radio
        self._contract_months = contract_months
        # Not state: the fleet's expiries in order, rebuilt when the fleet changed.
        self._index: list[tuple[datetime, str]] = []
        self._indexed = -1
        scheduler.handles(EXPIRY_JOB, self._sweep)

    # ------------------------------------------------------------------ the 422
    def ensure_active(self, org_id: int, iccids: Iterable[str],
                      skip_foreign: bool = False) -> list[Sim]:
        """The organisation's SIMs, none expired; with `skip_foreign`, unknown and foreign
        ICCIDs are left out (a bulk update skips them when it runs).

        Raises:
            NotFoundError / ForbiddenError: an unknown or foreign ICCID (before any 422).
            ExpiredSimError: S1's 422, naming the expired ICCIDs.
        """
        with self._lock:
            unique = dict.fromkeys(iccids)
            sims = [s for i in unique if (s := self._lookup.owned(org_id, i)) is not None] \
                if skip_foreign else [self._lookup.sim(org_id, i) for i in unique]
            now = self._clock.now()
            expired = [s.iccid for s in sims if s.data_quota.expiry <= now]
            if expired:
                raise ExpiredSimError(f"{EXPIRED}: {', '.join(expired)}")
            return sims

    # ------------------------------------------------------------------ expiry over time
    def start(self) -> None:
        """Queue the expiry of the earliest SIM (after seeding, and after a change of it)."""
        self._indexed = -1
        now = self._clock.now()  # the earliest expiry by one pass: no sorting while seeding
        later = min((e for e in self._due() if e > now), default=None)
        if later is not None:
            self._scheduler.schedule(later, EXPIRY_JOB)

    def _due(self) -> Iterator[datetime]:
        """Each made SIM's expiry, and the earliest of each seeded block not all made."""
        yield from (s.data_quota.expiry for s in self._sims.made())
        yield from self._unmade_expiries()

    def _unmade_expiries(self) -> Iterator[datetime]:
        """For each seeded block not all made, the earliest expiry any of its SIMs can have
        (a block's SIMs are made when that is reached)."""
        return (b.earliest_expiry for b in self._sims.blocks() if not b.complete)

    def _queue_next(self, after: datetime) -> None:
        index = self._expiries()
        at = bisect.bisect_right(index, (after, "\uffff"))
        later = [e for e in self._unmade_expiries() if e > after]
        if at < len(index):
            later.append(index[at][0])
        due = min(later, default=None)
        if due is not None:  # called when no expiry job is queued (after a reset, by the job)
            self._scheduler.schedule(due, EXPIRY_JOB)

    def _expiries(self) -> list[tuple[datetime, str]]:
        if self._indexed != len(self._sims):
            self._index = sorted((s.data_quota.expiry, s.iccid) for s in self._sims.made())
            self._indexed = len(self._sims)
        return self._index

    def _sweep(self) -> None:
        """Every SIM whose quota expired by now loses its volume (with the events the
        platform raises when a quota is used up) and its data session."""
        now = self._clock.now()
        for block in self._sims.blocks():
            if not block.complete and block.earliest_expiry <= now:
                self._sims.make_all(block)  # ten years on: the seeded SIMs expire
                self._indexed = -1
        index = self._expiries()
        for expiry, iccid in index[:bisect.bisect_right(index, (now, "\uffff"))]:
            sim = self._lookup.find(iccid)
            if sim is None or sim.data_quota.expiry != expiry:
                continue  # gone, or extended since the index was made
            sim = self._lookup.any_org(iccid)  # noted by the change log; history in place
            self._expire(sim, sim.data_quota, ev.DATA_QUOTA_USED_UP, expiry)
            self._expire(sim, sim.sms_quota, ev.SMS_QUOTA_USED_UP, expiry)
            self._radio.close_session(sim, expiry)
        self._queue_next(now)

    def _expire(self, sim: Sim, quota: Quota, kind: ev.EventKind, at: datetime) -> None:
        if quota.volume <= 0 and quota.exceeded is not None:
            return
        quota.volume = 0.0
        quota.last_status_change = at
        quota.exceeded = at
        quota.threshold_reached = quota.threshold_reached or at
        self._events.record(sim, kind, at, f"{kind.name}: quota expired")

    # ------------------------------------------------------------------ extension
    def extend(self, org_id: int, iccids: Sequence[str], product_id: int | None) -> list[Sim]:
        """Extend each SIM's lifetime by its product's contract duration from its expiry (or
        from now when expired) and renew its quota: 500 MB and 250 SMS again.

        Raises:
            InvalidRequestError: no ICCID, or a product that does not exist (S1 lists 400).
            NotFoundError / ForbiddenError: an unknown or foreign ICCID; nothing extended.
        """
        with self._lock:
            return self._extend(org_id, iccids, product_id)

    def _extend(self, org_id: int, iccids: Sequence[str], product_id: int | None) -> list[Sim]:
        if not iccids:
            raise InvalidRequestError("iccids: at least one ICCID is needed")
        months = self._contract_months(product_id)
        sims = [self._lookup.sim(org_id, iccid) for iccid in dict.fromkeys(iccids)]
        now = self._clock.now()
        for sim in sims:
            start = max(sim.data_quota.expiry, now)
            expiry = _add_months(start, months)
            for quota, volume in ((sim.data_quota, INITIAL_DATA_MB), (sim.sms_quota, INITIAL_SMS)):
                quota.expiry = expiry
                quota.volume = quota.total_volume = quota.last_volume_added = volume
                quota.last_status_change = now
                quota.threshold_reached = quota.exceeded = None
            self._events.record(sim, ev.QUOTA_TOPPED_UP, now, "SIM extension")
        self._indexed = -1
        return sims

    # ------------------------------------------------------------------ transfer
    def transfer(self, org_id: int, target: int | None, ranges: Sequence[tuple[str, str]],
                 iccids: Sequence[str], org_exists: Callable[[int], bool]) -> list[str]:
        """Move the named SIMs and the caller's SIMs within the ranges to `target`.

        Raises:
            InvalidRequestError: no target organisation, or a range whose end precedes its
                start.
            NotFoundError: the target organisation, or a named ICCID, is unknown.
            ForbiddenError / ExpiredSimError: a named SIM is another organisation's, or
                expired. Nothing moves then.
        """
        with self._lock:
            return self._transfer(org_id, target, ranges, iccids, org_exists)

    def _transfer(self, org_id: int, target: int | None, ranges: Sequence[tuple[str, str]],
                  iccids: Sequence[str], org_exists: Callable[[int], bool]) -> list[str]:
        if target is None:
            raise InvalidRequestError("target_organisation: the organisation to move the SIMs "
                                      "to is needed")
        if not org_exists(target):
            raise NotFoundError(f"Organisation {target} not found.")
        chosen = dict.fromkeys(iccids)
        for first, last in ranges:
            if (len(first), first) > (len(last), last):
                continue  # an inverted range names no SIM (nothing documents a refusal)
            for iccid in self._sims.iccids_of(org_id):
                if (len(first), first) <= (len(iccid), iccid) <= (len(last), last):
                    chosen[iccid] = None
        self.ensure_active(org_id, chosen)
        for iccid in chosen:
            self._sims.move(iccid, target)
        return list(chosen)


def _add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus whole months, on the same day, or the month's last when it has fewer."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    for day in range(moment.day, 28, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))
