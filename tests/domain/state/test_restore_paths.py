"""Restoring from the change log when the platform is not built as the log's base: another
seed, fleet size or seeding instant, a system clock, fault rules with their hits."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.clock import ManualClock, SystemClock
from mockbsc.domain.faults.rules import CallInfo
from mockbsc.domain.platform import Emulator
from mockbsc.domain.state.changes import ChangeTracker, fold
from mockbsc.domain.state.restore import restore
from mockbsc.domain.state.snapshot import SnapshotError, export_state
from tests.domain.state.test_durability_changes import plain, through_json

pytestmark = pytest.mark.mockbsc(token_ttl=30 * 24 * 3600)


def test_a_log_without_its_base_is_refused(emulator: Emulator) -> None:
    folded = fold(through_json(ChangeTracker(emulator).collect()))
    del folded["$base"]
    with pytest.raises(SnapshotError) as caught:
        restore(emulator, folded)
    assert str(caught.value) == "state file: no $base entry"


def test_a_platform_built_with_other_settings_is_reseeded_as_the_log_says(
        emulator: Emulator, client: TestClient) -> None:
    """The log's base names the seed, the fleet size and the seeding instant; a platform
    built otherwise is reset to them before the changes are applied."""
    settings, started = emulator.settings, emulator.seeded_at
    tracker = ChangeTracker(emulator)
    tracker.collect()
    assert client.post("/_mockbsc/clock/advance", json={"seconds": 3600}).status_code == 200
    assert client.post("/_mockbsc/reset", json={"seed": 7, "sims": 30}).status_code == 200
    log = tracker.collect()
    assert emulator.seeded_at != started  # reseeded an hour later

    other = Emulator(settings, emulator.scenario, ManualClock(started), labels=emulator.labels)
    restore(other, fold(through_json(log)))
    assert (other.settings.seed, other.settings.sims, other.seeded_at) == (
        7, 30, emulator.seeded_at)
    assert plain(export_state(other)) == plain(export_state(emulator))


def test_a_platform_built_as_the_base_is_not_reseeded(emulator: Emulator) -> None:
    log = through_json(ChangeTracker(emulator).collect())
    twin = Emulator(emulator.settings, emulator.scenario, ManualClock(emulator.seeded_at),
                    labels=emulator.labels)
    iccid = next(iter(twin.sims._by_iccid))
    twin.sims._by_iccid[iccid].label = "set before the restore"
    restore(twin, fold(log))
    # a reset would have rebuilt the fleet (and dropped the label): the log holds no change
    assert twin.sims._by_iccid[iccid].label == "set before the restore"


def system_clock_platform(emulator: Emulator) -> Emulator:
    return Emulator(emulator.settings, emulator.scenario, SystemClock(), labels=emulator.labels,
                    seeded_at=emulator.seeded_at)


def clock_log(platform: Emulator) -> dict[str, Any]:
    tracker = ChangeTracker(platform)
    log = tracker.collect()
    platform.clock.advance(7200)
    log += tracker.collect()
    return fold(through_json(log))


def test_a_system_clock_keeps_its_saved_offset(emulator: Emulator) -> None:
    saved = system_clock_platform(emulator)
    folded = clock_log(saved)
    assert folded["$clock"] == {"mode": "system", "offset_seconds": 7200.0}
    restored = system_clock_platform(emulator)
    restore(restored, folded)
    assert restored.clock.offset_seconds == 7200.0  # type: ignore[attr-defined]
    assert abs((restored.now() - saved.now()).total_seconds()) < 60


def test_a_system_clocks_offset_does_not_move_a_manual_clock(emulator: Emulator) -> None:
    folded = clock_log(system_clock_platform(emulator))
    manual = Emulator(emulator.settings, emulator.scenario, ManualClock(emulator.seeded_at),
                      labels=emulator.labels)
    now = manual.now()
    restore(manual, folded)
    assert manual.now() == now
    assert manual.clock.offset_seconds == 0.0  # type: ignore[attr-defined]


def test_fault_rules_come_back_with_their_ids_hits_and_next_id(emulator: Emulator) -> None:
    tracker = ChangeTracker(emulator)
    log = tracker.collect()
    first = emulator.faults.add({"operation": "getSimUsingGET", "status": 503, "times": 5,
                                 "path": "/management-api/v1/sims/*"})
    second = emulator.faults.add({"method": "post", "status": 429})
    emulator.faults.remove(first.id)
    third = emulator.faults.add({"operation": "getSimUsingGET", "status": 500, "times": 4})
    call = CallInfo("GET", "/v1/sims/{iccid}", "/v1/sims/1", "getSimUsingGET")
    assert emulator.faults.pick(call) is not None
    log += tracker.collect()

    twin = Emulator(emulator.settings, emulator.scenario, ManualClock(emulator.seeded_at),
                    labels=emulator.labels)
    restore(twin, fold(through_json(log)))
    assert [r.to_dict() for r in twin.faults.rules()] == [
        r.to_dict() for r in emulator.faults.rules()]
    assert [r.to_dict() for r in twin.faults.rules()] == [
        {"id": second.id, "method": "POST", "status": 429, "hits": 0},
        {"id": third.id, "operation": "getSimUsingGET", "status": 500, "times": 4, "hits": 1,
         "remaining": 3}]
    assert twin.faults.add({"status": 418}).id == third.id + 1


def test_a_rules_path_under_the_api_base_is_kept_as_restored(emulator: Emulator) -> None:
    """The saved path is already stripped of the base; restoring strips nothing more."""
    tracker = ChangeTracker(emulator)
    log = tracker.collect()
    rule = emulator.faults.add({"path": "/management-api/management-api/v1/*", "status": 503})
    log += tracker.collect()
    twin = Emulator(emulator.settings, emulator.scenario, ManualClock(emulator.seeded_at),
                    labels=emulator.labels)
    restore(twin, fold(through_json(log)))
    assert twin.faults.rules()[0].path == rule.path == "/management-api/v1/*"


def test_no_fault_entry_leaves_the_rules_alone(emulator: Emulator) -> None:
    folded = fold(through_json(ChangeTracker(emulator).collect()))
    folded.pop("$faults", None)
    emulator.faults.add({"status": 503})
    restore(emulator, folded)
    assert [r.status for r in emulator.faults.rules()] == [503]
