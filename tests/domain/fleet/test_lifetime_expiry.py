"""A quota's expiry on the domain API, with SIMs whose quotas a fixtures file gives as they are:
what expiry sets on each quota, that an already used-up quota is left as it was, that a
one-SIM fleet still expires after an extension (the expiry index is rebuilt), and ranges of
one ICCID in a transfer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mockbsc.adapters.fixtures_file import scenario_of
from mockbsc.config import Settings
from mockbsc.domain.fleet.models import Quota
from mockbsc.domain.platform import Emulator
from tests.conftest import DEMO_ORG

ICCID = "8988280666000000011"
EXPIRY = datetime(2027, 1, 1, tzinfo=UTC)
USED_UP = {"volume": 0, "threshold_reached_date": "2026-01-02T00:00:00Z",  # a used-up quota
           "quota_exceeded_date": "2026-01-03T00:00:00Z",
           "last_status_change_date": "2026-01-03T00:00:00Z"}
THRESHOLD = datetime(2026, 1, 2, tzinfo=UTC)
EXCEEDED = datetime(2026, 1, 3, tzinfo=UTC)


def one_sim(data: dict[str, Any], sms: dict[str, Any]) -> Emulator:
    """A platform whose whole fleet is one offline SIM with these quotas (both expiring at
    EXPIRY)."""
    expiry = {"expiry_date": "2027-01-01T00:00:00Z"}
    org = {"id": DEMO_ORG, "name": "One", "sims": [
        {"iccid": ICCID, "connection": "OFFLINE", "data_quota": {**data, **expiry},
         "sms_quota": {**sms, **expiry}}]}
    return Emulator(Settings(clock="manual"), scenario_of({"organisations": [org]}, "test"))


def _dates(quota: Quota) -> tuple[float, datetime | None, datetime | None, datetime | None]:
    return quota.volume, quota.exceeded, quota.threshold_reached, quota.last_status_change


def _descriptions(emulator: Emulator) -> list[tuple[str, str]]:
    return [(e.event_type, e.description) for e in emulator.events.of(ICCID, emulator.now())]


def test_expiry_empties_each_quota_and_dates_it_keeping_an_earlier_threshold() -> None:
    emulator = one_sim(
        {"volume": 0.5, "total_volume": 500, "threshold_reached_date": "2026-01-02T00:00:00Z",
         "quota_exceeded_date": "2026-01-03T00:00:00Z"},
        {"volume": 0, "total_volume": 250})
    before = _descriptions(emulator)
    emulator.set_time(EXPIRY)
    sim = emulator.lookup.any_org(ICCID)
    assert _dates(sim.data_quota) == (0.0, EXPIRY, THRESHOLD, EXPIRY)
    assert _dates(sim.sms_quota) == (0.0, EXPIRY, EXPIRY, EXPIRY)
    assert _descriptions(emulator)[len(before):] == [
        ("Data Quota used up", "Data Quota used up: quota expired"),
        ("SMS Quota used up", "SMS Quota used up: quota expired")]


def test_a_quota_already_used_up_is_left_as_it_was_at_expiry() -> None:
    emulator = one_sim({**USED_UP, "total_volume": 500}, {**USED_UP, "total_volume": 250})
    before = _descriptions(emulator)
    emulator.set_time(EXPIRY)
    sim = emulator.lookup.any_org(ICCID)
    assert _dates(sim.data_quota) == (0.0, EXCEEDED, THRESHOLD, EXCEEDED)
    assert _dates(sim.sms_quota) == (0.0, EXCEEDED, THRESHOLD, EXCEEDED)
    assert _descriptions(emulator) == before


def test_a_one_sim_fleet_extended_expires_at_its_new_expiry() -> None:
    emulator = one_sim({"volume": 500}, {"volume": 250})
    emulator.lifetime.extend(DEMO_ORG, [ICCID], None)
    renewed = datetime(2037, 1, 1, tzinfo=UTC)  # 120 months after the old expiry
    sim = emulator.lookup.any_org(ICCID)
    assert sim.data_quota.expiry == renewed
    emulator.set_time(EXPIRY)
    assert sim.data_quota.volume == 500
    emulator.set_time(renewed)
    assert _dates(sim.data_quota) == (0.0, renewed, renewed, renewed)


def test_a_range_of_one_iccid_moves_that_sim(emulator: Emulator) -> None:
    ordered = sorted(emulator.sims.iccids_of(DEMO_ORG), key=lambda i: (len(i), i))
    one = ordered[3]
    assert emulator.lifetime.transfer(DEMO_ORG, 5678, [(one, one)], [],
                                      lambda org: True) == [one]
    assert emulator.lookup.any_org(one).org_id == 5678


def test_an_inverted_range_is_skipped_and_the_next_range_still_counts(
        emulator: Emulator) -> None:
    ordered = sorted(emulator.sims.iccids_of(DEMO_ORG), key=lambda i: (len(i), i))
    moved = emulator.lifetime.transfer(
        DEMO_ORG, 5678, [(ordered[9], ordered[5]), (ordered[1], ordered[2])], [],
        lambda org: True)
    assert moved == ordered[1:3]
