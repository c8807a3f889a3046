"""What happens to a SIM over time: queued updates, status changes, connectivity resets, and
the device attaching and detaching.

The platform accepts `PUT`/`POST /v1/sims` at once and applies the change a moment later; a
connectivity reset is queued, then suspends and re-enables the SIM so the device drops and
re-attaches. All of it runs as scheduled jobs on the platform's clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from mockbsc.domain import clock as clocks
from mockbsc.domain.errors import ConflictError, NotFoundError
from mockbsc.domain.fleet import events as ev
from mockbsc.domain.fleet.events import EventLog
from mockbsc.domain.fleet.lookup import SimLookup
from mockbsc.domain.fleet.models import Sim, SimStatus
from mockbsc.domain.fleet.operators import network_by
from mockbsc.domain.fleet.radio import RadioNetwork
from mockbsc.domain.scheduler import Scheduler


@dataclass(frozen=True, slots=True)
class SimChanges:
    """A queued `PUT`/`POST /v1/sims` change; None means "leave as it is"."""

    iccid: str
    label: str | None = None
    imei_lock: bool | None = None
    status: SimStatus | None = None


@dataclass(frozen=True, slots=True)
class Delays:
    """Seconds until queued work runs (the platform's queue, its reset, a device's re-attach)."""

    update: float
    reset: float
    reattach: float


class SimLifecycle:
    def __init__(self, clock: clocks.Clock, scheduler: Scheduler, lookup: SimLookup,
                 events: EventLog, radio: RadioNetwork, delays: Delays) -> None:
        self._clock = clock
        self._scheduler = scheduler
        self._lookup = lookup
        self._events = events
        self._radio = radio
        self._delays = delays
        self._pending: dict[int, SimChanges] = {}
        self._next_change = 1
        self.on_attach: list[Callable[[Sim], None]] = []
        scheduler.handles("apply_changes", self._apply_changes)
        scheduler.handles("reset_drop", self._reset_drop)
        scheduler.handles("reset_restore", self._reset_restore)

    def clear(self) -> None:
        self._pending.clear()

    def queue_changes(self, org_id: int, changes: Sequence[SimChanges]) -> None:
        """Accept SIM changes now and apply them later, as the platform's queue does.

        SIMs of other organisations or unknown ICCIDs in a bulk request are skipped when the
        queue runs (the platform accepts the request as a whole).
        """
        for change in changes:
            number = self._next_change
            self._next_change += 1
            self._pending[number] = change
            self._scheduler.after(self._delays.update, "apply_changes", org_id, number)

    def _apply_changes(self, org_id: int, number: int) -> None:
        change = self._pending.pop(number)
        sim = self._lookup.owned(org_id, change.iccid)
        if sim is None:
            return
        now = self._clock.now()
        if change.label is not None and change.label != sim.label:
            sim.label = change.label
            self._events.record(sim, ev.LABEL_CHANGED, now, f"Label changed to '{change.label}'")
        if change.imei_lock is not None and change.imei_lock != sim.imei_lock:
            sim.imei_lock = change.imei_lock
            self._events.record(sim, ev.IMEI_LOCK_CHANGED, now,
                                f"IMEI lock {'enabled' if change.imei_lock else 'disabled'}")
        if change.status is not None and change.status is not sim.status:
            self._change_status(sim, change.status, now)

    def _change_status(self, sim: Sim, status: SimStatus, now: datetime) -> None:
        before = sim.status
        sim.status = status
        description = f"Status of SIM changed from '{before.value}' to '{status.value}'"
        if status is SimStatus.DISABLED:
            self._radio.detach(sim, now)  # deactivation purges the attachment at once
            self._events.record(sim, ev.SIM_SUSPENSION, now, description)
        else:
            self._events.record(sim, ev.SIM_ACTIVATION, now, description)
            self._scheduler.after(self._delays.reattach, "reset_restore", sim.iccid)

    def request_reset(self, org_id: int, iccid: str) -> None:
        sim = self._lookup.sim(org_id, iccid)
        self._events.record(sim, ev.CONNECTIVITY_RESET, self._clock.now())
        self._scheduler.after(self._delays.reset, "reset_drop", iccid)

    def _reset_drop(self, iccid: str) -> None:
        """The queued reset runs: the SIM is suspended and re-enabled, the device detaches."""
        sim = self._lookup.any_org(iccid)
        now = self._clock.now()
        if sim.status is SimStatus.ENABLED:
            self._events.record(sim, ev.SIM_SUSPENSION, now, "Connectivity reset")
        self._radio.detach(sim, now)
        self._events.record(sim, ev.ENDPOINT_DISABLED, now)
        self._events.record(sim, ev.ENDPOINT_ENABLED, now)
        if sim.status is SimStatus.ENABLED:
            self._events.record(sim, ev.SIM_ACTIVATION, now, "Connectivity reset")
            self._scheduler.after(self._delays.reattach, "reset_restore", iccid)

    def _reset_restore(self, iccid: str) -> None:
        sim = self._lookup.any_org(iccid)
        if sim.status is SimStatus.ENABLED and not sim.device.attached:
            self.attach_device(sim)

    def attach_device(self, sim: Sim, with_session: bool = True) -> None:
        self._radio.attach(sim, self._clock.now(), with_session)
        for listener in self.on_attach:
            listener(sim)

    def attach(self, iccid: str, operator: str | None = None, country: str | None = None,
               rat: str | None = None) -> Sim:
        """The device attaches (control plane), optionally to another network or RAT.

        Raises:
            ConflictError: the SIM is disabled.
            NotFoundError: unknown SIM, or no simulated network matches.
        """
        sim = self._lookup.any_org(iccid)
        if sim.status is not SimStatus.ENABLED:
            raise ConflictError(f"SIM {iccid} is disabled and cannot attach")
        network = network_by(operator, country)
        if (operator or country) and network is None:
            raise NotFoundError(f"no simulated network for operator={operator} country={country}")
        if network is not None and network != sim.device.network:
            self._radio.detach(sim, self._clock.now())
            sim.device.network = network
        if rat:
            sim.device.rat = rat
        self.attach_device(sim)
        return sim

    def detach(self, iccid: str) -> Sim:
        sim = self._lookup.any_org(iccid)
        self._radio.detach(sim, self._clock.now())
        return sim

    def consume(self, iccid: str, megabytes: float) -> Sim:
        sim = self._lookup.any_org(iccid)
        self._radio.consume_data(sim, megabytes, self._clock.now())
        return sim
