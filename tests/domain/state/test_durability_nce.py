"""Issue 13's new state survives the durable change log: limits, auto top-up flags, transfers,
extensions, pending bank transfers and quota expiry restore to what the server had."""

from __future__ import annotations

from datetime import timedelta

from starlette.testclient import TestClient

from mockbsc.domain.platform import Emulator
from mockbsc.domain.state.changes import ChangeTracker
from mockbsc.domain.state.snapshot import export_state
from tests.conftest import API
from tests.domain.state.test_durability_changes import plain, replayed, tracker

__all__ = ["tracker"]  # the fixture: installed before the test's token is issued


def test_the_1nce_operations_and_clock_rules_restore_from_the_change_log(
        tracker: ChangeTracker, client: TestClient, auth: dict[str, str],
        emulator: Emulator) -> None:
    log = tracker.collect()
    sims = [s["iccid"] for s in client.get(f"{API}/v1/sims", params={"pageSize": 5},
                                           headers=auth).json()]
    calls = [("/v1/sims/limits", {"dataLimitId": 2, "smsMoLimitId": 1}),
             ("/v1/sims/autoTopup", {"enabled": True, "iccids": sims[:2]}),
             ("/v1/sims/extension", {"iccids": [sims[2]]}),
             ("/v1/sims/simTransfer", {"target_organisation": 5678, "iccids": [sims[3]]}),
             ("/v1/sims/topup", [sims[4]])]  # by bank transfer: credited in 2 days
    for path, body in calls:
        assert client.post(f"{API}{path}", json=body, headers=auth).status_code == 201, path
    log += tracker.collect()
    assert replayed(emulator, log) == plain(export_state(emulator))
    first_expiry = min(s.data_quota.expiry for s in emulator.sims.all())
    emulator.set_time(first_expiry + timedelta(seconds=1))  # expiry and the transfer ran
    log += tracker.collect()
    assert replayed(emulator, log) == plain(export_state(emulator))
