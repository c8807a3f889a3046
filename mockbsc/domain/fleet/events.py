"""SIM events: every state change and network event, kept for the platform's seven days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from mockbsc.domain.fleet.models import Sim, SimEvent
from mockbsc.domain.paging import Page, paginate, parse_sort

RETENTION = timedelta(days=7)


class Severity(StrEnum):
    INFO = "Info"
    WARNING = "Warning"
    CRITICAL = "Critical"


@dataclass(slots=True, frozen=True)
class EventKind:
    """An entry of the platform's event vocabulary (Data Streamer ids in comments)."""

    name: str
    severity: Severity = Severity.INFO
    alert: bool = False
    description: str = ""  # the event's `description` when the caller gives none (else name)


UPDATE_LOCATION = EventKind("Update location")  # 1
UPDATE_GPRS_LOCATION = EventKind("Update GPRS location")  # 2
CREATE_PDP_CONTEXT = EventKind("Create PDP Context")  # 3
DELETE_PDP_CONTEXT = EventKind("Delete PDP Context")  # 5
# A status change reads as in S1's example event ("Status of SIM changed from 'Issued' to
# 'Activated'", the portal's status names); the Data Streamer's name is its description.
SIM_ACTIVATION = EventKind("Status of SIM changed from 'Deactivated' to 'Activated'",
                           description="SIM activation")  # 8
SIM_SUSPENSION = EventKind("Status of SIM changed from 'Activated' to 'Deactivated'",
                           description="SIM suspension")  # 9
PURGE_LOCATION = EventKind("Purge Location")  # 15, spelled as the Data Streamer spells it
PURGE_GPRS_LOCATION = EventKind("Purge GPRS location")  # 16
DATA_THRESHOLD_REACHED = EventKind("Data Quota Threshold reached", Severity.WARNING, True)  # 18
DATA_QUOTA_USED_UP = EventKind("Data Quota used up", Severity.CRITICAL, True)  # 19
SMS_THRESHOLD_REACHED = EventKind("SMS Quota Threshold reached", Severity.WARNING, True)  # 20
SMS_QUOTA_USED_UP = EventKind("SMS Quota used up", Severity.CRITICAL, True)  # 21
ENDPOINT_DISABLED = EventKind("Endpoint disabled")
ENDPOINT_ENABLED = EventKind("Endpoint enabled")
QUOTA_TOPPED_UP = EventKind("Quota top-up")
CONNECTIVITY_RESET = EventKind("Connectivity reset requested")
LABEL_CHANGED = EventKind("Label changed")
IMEI_LOCK_CHANGED = EventKind("IMEI lock changed")
SMS_FORWARDING_FAILED = EventKind("SMS forwarding failed", Severity.CRITICAL, True)

EVENT_SORT_FIELDS = ("timestamp", "id", "event_type")


class EventLog:
    def __init__(self) -> None:
        self._by_iccid: dict[str, list[SimEvent]] = {}
        self._next_id = 1

    def record(self, sim: Sim, kind: EventKind, at: datetime, description: str = "") -> SimEvent:
        network = sim.device.network if sim.device.attached else None
        event = SimEvent(
            id=self._next_id,
            timestamp=at,
            event_type=kind.name,
            severity=kind.severity.value,
            alert=kind.alert,
            iccid=sim.iccid,
            imsi=sim.imsi,
            imei=sim.imei,
            country=network.country if network else None,
            operator=network.operator if network else None,
            mcc=network.mcc if network else None,
            mnc=network.mnc if network else None,
            description=description or kind.description or kind.name,
        )
        self._next_id += 1
        self._by_iccid.setdefault(sim.iccid, []).append(event)
        return event

    def of(self, iccid: str, now: datetime) -> list[SimEvent]:
        """The SIM's events younger than the retention window, oldest first."""
        events = self._by_iccid.get(iccid, [])
        cutoff = now - RETENTION
        if events and events[0].timestamp < cutoff:
            events[:] = [e for e in events if e.timestamp >= cutoff]
        return list(events)

    def listing(
        self, iccid: str, now: datetime, page: int, page_size: int, sort: str | None
    ) -> Page[SimEvent]:
        keys = parse_sort(sort or "-timestamp,-id", EVENT_SORT_FIELDS)
        events = self.of(iccid, now)
        for name, descending in reversed(keys):
            events.sort(key=lambda e: getattr(e, name), reverse=descending)
        return paginate(events, page, page_size)

    def clear(self) -> None:
        self._by_iccid.clear()
        self._next_id = 1
