"""A seeded SIM's past: daily usage and recent events, made on first use and never again.

Made lazily because a fleet of 100,000 SIMs must seed in two seconds; made from the SIM's own
seed so that the same fleet seed always tells the same story.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from mockbsc.domain.fleet import events as ev
from mockbsc.domain.fleet.events import EventLog
from mockbsc.domain.fleet.models import INITIAL_DATA_MB as DATA_START
from mockbsc.domain.fleet.models import INITIAL_SMS as SMS_START
from mockbsc.domain.fleet.models import Sim, SimStatus
from mockbsc.domain.fleet.usage import UsageLedger


def materialize(sim: Sim, now: datetime, days: int, events: EventLog, usage: UsageLedger) -> None:
    if sim.history_loaded:
        return
    sim.history_loaded = True
    rng = random.Random(sim.history_seed)
    span = max(1, min(days, (now.date() - sim.activation_date.date()).days + 1))
    _spread(rng, span, now, DATA_START - sim.data_quota.volume, usage, sim.iccid, data=True)
    _spread(rng, span, now, SMS_START - sim.sms_quota.volume, usage, sim.iccid, data=False)
    _recent_events(rng, sim, now, events)


def _spread(
    rng: random.Random, span: int, now: datetime, amount: float, usage: UsageLedger,
    iccid: str, data: bool,
) -> None:
    if amount <= 0:
        return
    weights = [rng.random() for _ in range(span)]
    scale = amount / sum(weights)
    for offset, weight in enumerate(weights):
        day = (now - timedelta(days=offset)).date()
        share = weight * scale
        if data:
            usage.add_data(iccid, day, round(share * 0.8, 6), round(share * 0.2, 6))
        else:
            count = round(share)
            usage.add_sms(iccid, day, mo=count // 2, mt=count - count // 2)


def _recent_events(rng: random.Random, sim: Sim, now: datetime, events: EventLog) -> None:
    """A few sessions in the last days, ending in the device's present state."""
    if sim.status is SimStatus.DISABLED:
        events.record(sim, ev.SIM_SUSPENSION, now - timedelta(days=rng.randint(1, 6)))
        return
    for _ in range(rng.randint(0, 3)):
        start = now - timedelta(days=rng.uniform(1, 6.5))
        events.record(sim, ev.UPDATE_LOCATION, start)
        events.record(sim, ev.CREATE_PDP_CONTEXT, start + timedelta(seconds=2))
        events.record(sim, ev.DELETE_PDP_CONTEXT, start + timedelta(minutes=rng.randint(1, 90)))
    device = sim.device
    if device.attached and device.last_updated is not None:
        events.record(sim, ev.UPDATE_LOCATION, device.last_updated)
        if device.online and device.session_started is not None:
            events.record(sim, ev.CREATE_PDP_CONTEXT, device.session_started)
