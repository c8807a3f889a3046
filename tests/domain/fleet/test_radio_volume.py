"""A top-up's effect on each quota field (`RadioNetwork.add_volume`), seen on a one-SIM
platform whose quotas a fixtures file gives as they are, and the end of the data session
when the volume is used up, dated."""

from __future__ import annotations

from datetime import UTC, datetime

from mockbsc.domain.platform import Emulator
from tests.conftest import DEMO_ORG
from tests.domain.fleet.test_lifetime_expiry import ICCID, USED_UP, one_sim

CHANGED = datetime(2026, 1, 2, tzinfo=UTC)
EXCEEDED = datetime(2026, 1, 3, tzinfo=UTC)


def _top_up(emulator: Emulator) -> None:
    emulator.topups.top_up(DEMO_ORG, [ICCID], bulk=False)


def test_a_top_up_of_a_plentiful_quota_keeps_its_status_date_and_names_the_amount() -> None:
    emulator = one_sim({"volume": 400, "total_volume": 500,
                        "last_status_change_date": "2026-01-02T00:00:00Z"},
                       {"volume": 200, "total_volume": 250,
                        "last_status_change_date": "2026-01-02T00:00:00Z"})
    _top_up(emulator)
    quota = emulator.lookup.any_org(ICCID).data_quota
    assert (quota.volume, quota.total_volume, quota.last_volume_added,
            quota.last_status_change, quota.threshold_reached, quota.exceeded) == (
        900, 900, 500, CHANGED, None, None)
    events = [(e.event_type, e.description) for e in emulator.events.of(ICCID, emulator.now())]
    assert events[-2:] == [("Quota top-up", "Quota top-up of 500"),
                           ("Quota top-up", "Quota top-up of 250")]


def test_a_top_up_of_a_used_up_quota_clears_its_threshold_and_exceeded_dates() -> None:
    emulator = one_sim({**USED_UP, "total_volume": 500}, {**USED_UP, "total_volume": 250})
    _top_up(emulator)
    sim = emulator.lookup.any_org(ICCID)
    now = emulator.now()
    for quota, volume in ((sim.data_quota, 500), (sim.sms_quota, 250)):
        assert (quota.volume, quota.last_status_change, quota.threshold_reached,
                quota.exceeded) == (volume, now, None, None)


def test_a_top_up_keeps_volumes_to_six_decimals() -> None:
    emulator = one_sim({"volume": 0.1234567, "total_volume": 500}, {"volume": 250})
    _top_up(emulator)
    assert emulator.lookup.any_org(ICCID).data_quota.volume == 500.123457


def test_using_up_the_volume_ends_the_session_at_that_moment(emulator: Emulator,
                                                             iccid: str) -> None:
    emulator.attach(iccid)
    emulator.consume(iccid, 100_000)
    last = emulator.events.of(iccid, emulator.now())[-1]
    assert (last.event_type, last.timestamp) == ("Delete PDP Context", emulator.now())
