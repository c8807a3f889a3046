"""The change log's domain side: collected entries, folded and restored, give the same state."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.clock import ManualClock
from mockbsc.domain.platform import Emulator
from mockbsc.domain.state.changes import BASE, ChangeTracker, Entry, fold
from mockbsc.domain.state.restore import restore
from mockbsc.domain.state.snapshot import export_state
from tests.conftest import API
from tests.domain.state.test_state import busy_state

pytestmark = pytest.mark.mockbsc(token_ttl=30 * 24 * 3600)


@pytest.fixture
def tracker(emulator: Emulator) -> ChangeTracker:
    """Installed before the test's token is issued, as a server installs it at start."""
    return ChangeTracker(emulator)


def twin(emulator: Emulator) -> Emulator:
    """A platform built from the same settings, its clock where the original's started."""
    return Emulator(emulator.settings, emulator.scenario, ManualClock(emulator.seeded_at),
                    labels=emulator.labels)


def through_json(entries: list[Entry]) -> list[Entry]:
    return [(k, v) for k, v in json.loads(json.dumps(entries))]


def replayed(emulator: Emulator, log: list[Entry]) -> dict[str, Any]:
    other = twin(emulator)
    restore(other, fold(through_json(log)))
    return plain(export_state(other))


def plain(document: Any) -> Any:
    """An exported state with shared objects written out where they are referenced: entries
    are decoded one by one, so immutable values (a SIM's network) are no longer shared."""
    objects: dict[int, Any] = {}

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(v) for v in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return objects[node["$ref"]]
        out = {k: walk(v) for k, v in node.items() if k != "$id"}
        if "$id" in node:
            objects[node["$id"]] = out
        return out

    return walk(document)


def test_a_busy_state_restores_from_its_changes(
        tracker: ChangeTracker, client: TestClient, auth: dict[str, str], iccid: str,
        emulator: Emulator) -> None:
    log = tracker.collect()
    busy_state(client, auth, iccid)
    client.post("/_mockbsc/faults", json={"operation": "getSimUsingGET", "status": 503})
    log += tracker.collect()
    client.post("/_mockbsc/clock/advance", json={"seconds": 30})
    log += tracker.collect()
    assert replayed(emulator, log) == plain(export_state(emulator))


def test_a_collect_holds_only_what_changed(
        tracker: ChangeTracker, client: TestClient, auth: dict[str, str], iccid: str,
        emulator: Emulator) -> None:
    tracker.collect()
    assert client.put(f"{API}/v1/sims/{iccid}", headers=auth,
                      json={"label": "x"}).status_code == 200
    keys = {key.partition("|")[0] for key, _ in tracker.collect()}
    assert "sims._by_iccid" in keys
    assert keys <= {"sims._by_iccid", "events.event", "usage._by_iccid", "emulator._pending",
                    "emulator._next_change", "scheduler._heap", "scheduler._seq",
                    "events._next_id", "tokens._tokens", "tokens._current"}
    assert tracker.collect() == []


def test_a_reset_starts_a_new_base(tracker: ChangeTracker, client: TestClient,
                                   auth: dict[str, str], iccid: str, emulator: Emulator) -> None:
    log = tracker.collect()
    busy_state(client, auth, iccid)
    log += tracker.collect()
    client.post("/_mockbsc/reset", json={"seed": 7, "sims": 30})
    after = tracker.collect()
    assert after[0][0] == BASE
    # A seeded fleet is rebuilt from its seed on restore: the reset writes a base, not the store.
    assert after[0][1]["seeded"] is True
    assert not any(key.startswith("sims._by_iccid|") for key, _ in after)
    log += after
    assert replayed(emulator, log) == plain(export_state(emulator))


def test_an_imported_state_is_written_whole(client: TestClient, auth: dict[str, str],
                                            iccid: str, emulator: Emulator) -> None:
    busy_state(client, auth, iccid)
    document = client.get("/_mockbsc/state", params={"secrets": "true"}).json()
    client.post("/_mockbsc/reset")
    tracker = ChangeTracker(emulator)
    log = tracker.collect()
    assert client.put("/_mockbsc/state", json=document).status_code == 200
    log += tracker.collect()
    assert replayed(emulator, log) == plain(export_state(emulator)) == plain(document)


def _event_log(emulator: Emulator) -> tuple[list[Entry], int]:
    """A change log whose last entries are events; returns it and the first event's index."""
    tracker = ChangeTracker(emulator)
    log = tracker.collect()
    emulator.attach("8988280666030217999")
    log += tracker.collect()
    first = next(i for i, (key, _) in enumerate(log) if key.startswith("events.event|"))
    return through_json(log), first


@pytest.mark.parametrize(("damage", "message"), [
    (lambda f: f.update(id="7"), "SimEvent.id '7' has the wrong type"),
    (lambda f: f.update(alert="no"), "SimEvent.alert 'no' has the wrong type"),
    (lambda f: f.update(timestamp={"$dt": "2026-01-05T09:00:00"}),
     "an event time without a time zone"),
    (lambda f: f.update(timestamp="2026-01-05T09:00:00Z"),
     "SimEvent.timestamp: '2026-01-05T09:00:00Z' is not"),
    (lambda f: f.pop("imsi"), "SimEvent needs exactly the fields"),
], ids=["id-text", "alert-word", "naive-time", "time-as-text", "field-missing"])
def test_a_damaged_event_in_the_state_file_is_refused_naming_it(
        emulator: Emulator, damage: Any, message: str) -> None:
    from mockbsc.domain.state.snapshot import SnapshotError

    log, first = _event_log(emulator)
    key, data = log[first]
    damage(data["f"])
    iccid = key.split("|")[1].strip('"')
    with pytest.raises(SnapshotError, match=rf'^state file: events\.event\|{iccid}\b.*'
                                            rf'{re.escape(message)}'):
        restore(twin(emulator), fold(log))
