"""What each console page shows, read from the emulator: plain dicts for the templates.

Wire forms come from `api/serialize.py` (the one place that knows field names), so the
console shows what the API would answer. Every read holds the emulator's lock, as the
handlers' reads do, and the fleet is paged on the server: a page of a 100k-SIM fleet costs
one slice; a search scans the organisation's SIMs once (run off the event loop).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mockbsc.api import serialize
from mockbsc.domain.fleet.models import THRESHOLD_PERCENTAGE, Quota, Sim
from mockbsc.domain.platform import Emulator
from mockbsc.domain.sms.outbox import DeliveryStatus
from mockbsc.domain.sms.records import SmsStatus

PAGE_SIZES = (25, 50, 100, 200)
ATTACH_STATES = ("online", "attached", "offline")


@dataclass(frozen=True, slots=True)
class FleetQuery:
    """The fleet page's query string, made safe: unknown values fall back to defaults."""

    org_id: int | None = None
    q: str = ""
    status: str = ""
    attach: str = ""
    page: int = 1
    page_size: int = 50

    @classmethod
    def parse(cls, params: dict[str, str]) -> FleetQuery:
        def number(name: str, default: int) -> int:
            text = params.get(name, "")
            return int(text) if text.isdecimal() and len(text) < 10 else default

        size = number("size", 50)
        return cls(org_id=number("org", 0) or None, q=params.get("q", "").strip()[:100],
                   status=params.get("status", "") if params.get("status") in (
                       "Enabled", "Disabled") else "",
                   attach=params.get("attach", "") if params.get("attach") in ATTACH_STATES
                   else "",
                   page=max(number("page", 1), 1), page_size=size if size in PAGE_SIZES else 50)


def attach_state(sim: Sim) -> str:
    device = sim.device
    return "online" if device.online else "attached" if device.attached else "offline"


def gauge(quota: Quota) -> dict[str, Any]:
    """A quota as a `<meter>`: what is left of the total, low below the platform's threshold."""
    total = max(quota.total_volume, 0.0)
    return {"volume": round(quota.volume, 3), "total": round(total, 3),
            "low": round(total * THRESHOLD_PERCENTAGE / 100, 3), "level": quota.level.name}


def _matches(sim: Sim, needle: str, query: FleetQuery) -> bool:
    if query.status and sim.status.value != query.status:
        return False
    if query.attach and attach_state(sim) != query.attach:
        return False
    if not needle:
        return True
    label = (sim.label or "").lower()
    if not needle.isdigit():  # the identities are digits: only a label can match
        return needle in label
    return (needle in sim.iccid_with_luhn or needle in sim.iccid or needle in sim.imsi
            or needle in sim.msisdn or needle in (sim.imei or "") or needle in label)


def _by_iccid(emulator: Emulator, needle: str) -> Sim | None:
    """The SIM whose ICCID (19 digits, or 20 with the Luhn digit) is `needle`."""
    if not needle.isdigit() or len(needle) not in (19, 20):
        return None
    return emulator.sims.find(needle) or emulator.sims.find(needle[:19])


def fleet(emulator: Emulator, query: FleetQuery) -> dict[str, Any]:
    """The organisations side by side and one page of the chosen one's SIMs."""
    with emulator.lock:
        orgs = [{"id": o.id, "name": o.name, "sims": emulator.sims.count(o.id),
                 "forward_url": o.sms_forward_url} for o in emulator.orgs.values()]
        org_id = query.org_id if query.org_id in emulator.orgs else next(iter(emulator.orgs), 0)
        start = (query.page - 1) * query.page_size
        if not (query.q or query.status or query.attach):
            page = emulator.sims.listing(org_id, query.page, query.page_size, None, None)
            sims, total = list(page.items), page.total
        else:
            needle = query.q.lower()
            found: Iterable[Sim] = (s for s in emulator.sims.scan(org_id)
                                    if _matches(s, needle, query))
            exact = _by_iccid(emulator, needle)
            if exact is not None:  # a whole ICCID: no scan
                found = [exact] if exact.org_id == org_id and _matches(exact, needle,
                                                                         query) else []
            chosen: list[Sim] = []
            total = 0
            for total, sim in enumerate(found, 1):
                if start < total <= start + query.page_size:
                    chosen.append(sim)
            sims = chosen
        rows = [{"iccid": s.iccid, "imsi": s.imsi, "msisdn": s.msisdn, "imei": s.imei or "",
                 "label": s.label or "", "status": s.status.value, "attach": attach_state(s),
                 "operator": s.device.network.operator, "data": gauge(s.data_quota),
                 "sms": gauge(s.sms_quota)} for s in sims]
    pages = max((total + query.page_size - 1) // query.page_size, 1)
    return {"orgs": orgs, "org_id": org_id, "rows": rows, "total": total,
            "pages": pages, "query": query, "page_sizes": PAGE_SIZES,
            "attach_states": ATTACH_STATES}


def sim_page(emulator: Emulator, iccid: str) -> dict[str, Any] | None:
    """Everything about one SIM, or None when there is no such SIM on this platform."""
    with emulator.lock:
        sim = emulator.sims.find(iccid)
        if sim is None:
            return None
        now = emulator.now()
        org = sim.org_id
        report = emulator.sim_usage(org, iccid, None, None)
        events = emulator.sim_events(org, iccid, 1, 50, None)
        messages = emulator.sms.listing(iccid, now, 1, 100, None)
        usage = sorted(report.days, key=lambda d: d.day)
        return {
            "sim": serialize.sim(sim), "org_id": org, "attach": attach_state(sim),
            "device": {"operator": sim.device.network.operator,
                       "country": sim.device.network.country,
                       "rat": sim.device.rat, "imei": sim.device.imei},
            "status": serialize.status(sim, now),
            "quotas": [("Data (MB)", gauge(sim.data_quota), serialize.quota(sim.data_quota, True)),
                       ("SMS", gauge(sim.sms_quota), serialize.quota(sim.sms_quota, False))],
            "threshold": THRESHOLD_PERCENTAGE,
            "usage": {"days": [d.day.isoformat() for d in usage],
                      "data_mb": [round(d.data_rx + d.data_tx, 3) for d in usage],
                      "sms": [d.sms_mo + d.sms_mt for d in usage]},
            "usage_total_mb": round(report.total.data_rx + report.total.data_tx, 3),
            "events": [serialize.event(e) for e in events.items],
            "messages": [serialize.sms(m) for m in messages.items],
        }


def sms_centre(emulator: Emulator) -> dict[str, Any]:
    """SMS still waiting (pending, in progress, buffered) and the webhook deliveries, newest
    first, each with its attempts and the next one."""
    waiting = (SmsStatus.PENDING, SmsStatus.IN_PROGRESS, SmsStatus.BUFFERED)
    with emulator.lock:
        messages = [serialize.sms(m) for m in emulator.sms.all() if m.status in waiting]
        deliveries = [serialize.delivery(d) for d in emulator.webhooks.listing()]
        forwarding = {o.id: o.sms_forward_url for o in emulator.orgs.values()}
    deliveries.reverse()
    return {"messages": messages[-500:], "deliveries": deliveries[:200],
            "forwarding": forwarding, "statuses": [s.value for s in DeliveryStatus]}


def requests(emulator: Emulator, limit: int = 200) -> dict[str, Any]:
    """The journal, newest first (the journal keeps the oldest first)."""
    entries = list(emulator.journal)
    total = len(entries)
    newest = [e.to_dict() for e in itertools.islice(reversed(entries), limit)]
    return {"entries": newest, "total": total}


def clock(emulator: Emulator) -> dict[str, Any]:
    with emulator.lock:
        jobs = len(emulator.scheduler)
    return {"now": serialize.iso(emulator.now()), "mode": emulator.clock.mode,
            "offset_seconds": round(getattr(emulator.clock, "offset_seconds", 0.0), 3),
            "jobs": jobs}


def faults(emulator: Emulator) -> dict[str, Any]:
    with emulator.lock:
        return {"rules": [r.to_dict() for r in emulator.faults.rules()]}
