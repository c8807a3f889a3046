"""The simulated radio side: attach, detach, data sessions, and quota charged by traffic.

Every change here is also a SIM event, because the platform's event log is how customers
diagnose devices; thresholds follow the platform (20 % left, nothing left).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mockbsc.domain.errors import ConflictError
from mockbsc.domain.fleet import events as ev
from mockbsc.domain.fleet.events import EventLog
from mockbsc.domain.fleet.limits import DATA, SelfSetLimits
from mockbsc.domain.fleet.models import Quota, QuotaLevel, Sim, SimStatus
from mockbsc.domain.fleet.usage import UsageLedger

RX_SHARE = 0.8  # devices mostly download; the split only matters for usage rows


class RadioNetwork:
    def __init__(self, event_log: EventLog, usage: UsageLedger,
                 limits: SelfSetLimits | None = None) -> None:
        self.events = event_log
        self.usage = usage
        self.limits = limits
        # Told when a quota falls below the threshold or runs out (auto top-up listens).
        self.on_low: list[Callable[[Sim, datetime], None]] = []

    def attach(self, sim: Sim, at: datetime, with_session: bool = True) -> None:
        """Register the device (Update location) and, for data devices, open a PDP context."""
        if sim.status is not SimStatus.ENABLED:
            raise ConflictError(f"SIM {sim.iccid} is disabled and cannot attach")
        device = sim.device
        if not device.attached:
            device.attached = True
            device.last_updated = at
            device.last_updated_gprs = at
            if sim.imei is None:
                sim.imei = device.imei
            self.events.record(sim, ev.UPDATE_LOCATION, at)
            self.events.record(sim, ev.UPDATE_GPRS_LOCATION, at)
        if with_session and not device.online and sim.data_quota.level is not QuotaLevel.EMPTY:
            device.online = True
            device.session_started = at
            self.events.record(sim, ev.CREATE_PDP_CONTEXT, at)

    def detach(self, sim: Sim, at: datetime) -> None:
        """Close the data session and purge the registration, as a deactivation does."""
        device = sim.device
        self.close_session(sim, at)
        if device.attached:
            self.events.record(sim, ev.PURGE_GPRS_LOCATION, at)
            self.events.record(sim, ev.PURGE_LOCATION, at)
            device.attached = False
            device.last_updated = at

    def close_session(self, sim: Sim, at: datetime) -> None:
        if sim.device.online:
            self.events.record(sim, ev.DELETE_PDP_CONTEXT, at)
            sim.device.online = False
            sim.device.session_started = None

    def consume_data(self, sim: Sim, megabytes: float, at: datetime) -> float:
        """Charge `megabytes` of traffic; returns what was actually charged.

        Raises:
            ConflictError: the SIM is disabled, has no data session, or no volume left.
        """
        if sim.status is not SimStatus.ENABLED:
            raise ConflictError(f"SIM {sim.iccid} is disabled")
        if not sim.device.online:
            raise ConflictError(f"SIM {sim.iccid} has no data session (attach it first)")
        quota = sim.data_quota
        if quota.level is QuotaLevel.EMPTY:
            raise ConflictError(f"SIM {sim.iccid} has no data volume left")
        allowed = quota.volume
        if self.limits is not None:  # the organisation's self-set monthly data limit
            left = self.limits.remaining(sim.org_id, sim.iccid, DATA, at.date())
            if left is not None and left <= 0:
                self.close_session(sim, at)
                raise ConflictError(f"SIM {sim.iccid}: "
                                    f"{self.limits.exceeded_message(sim.org_id, DATA)}")
            allowed = min(allowed, left) if left is not None else allowed
        charged = min(megabytes, allowed)
        self.usage.add_data(sim.iccid, at.date(), charged * RX_SHARE, charged * (1 - RX_SHARE))
        self._charge(sim, quota, charged, at, data=True)
        if quota.volume <= 0:
            # The platform blocks data when the volume is used up: the session ends.
            self.close_session(sim, at)
        return charged

    def charge_sms(self, sim: Sim, at: datetime, mo: int = 0, mt: int = 0) -> None:
        """Count delivered MT and sent MO SMS against the SMS quota (retries and DLRs are free)."""
        self.usage.add_sms(sim.iccid, at.date(), mo=mo, mt=mt)
        self._charge(sim, sim.sms_quota, mo + mt, at, data=False)

    def add_volume(self, sim: Sim, quota: Quota, amount: float, at: datetime) -> None:
        """A top-up: more volume, status recomputed, and the session may resume."""
        before = quota.level
        quota.volume = round(quota.volume + amount, 6)
        # The new volume is the new baseline that the 20 % threshold is measured against.
        quota.total_volume = quota.volume
        quota.last_volume_added = amount
        if quota.level is not before:
            quota.last_status_change = at
            if quota.level is QuotaLevel.PLENTY:
                quota.threshold_reached = None
            quota.exceeded = None
        self.events.record(sim, ev.QUOTA_TOPPED_UP, at, f"Quota top-up of {amount:g}")

    def _charge(self, sim: Sim, quota: Quota, amount: float, at: datetime, data: bool) -> None:
        before = quota.level
        quota.volume = max(0.0, round(quota.volume - amount, 6))
        after = quota.level
        if after is before:
            return
        quota.last_status_change = at
        if after is QuotaLevel.LOW:
            quota.threshold_reached = at
            self.events.record(
                sim, ev.DATA_THRESHOLD_REACHED if data else ev.SMS_THRESHOLD_REACHED, at
            )
        elif after is QuotaLevel.EMPTY:
            quota.exceeded = at
            if quota.threshold_reached is None:
                quota.threshold_reached = at
            self.events.record(sim, ev.DATA_QUOTA_USED_UP if data else ev.SMS_QUOTA_USED_UP, at)
        for listener in self.on_low:
            listener(sim, at)
