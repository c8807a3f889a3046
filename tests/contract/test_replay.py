"""`mockbsc contract replay`: the public live recordings replayed against the mock."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mockbsc.adapters.cassettes import Recording, load
from mockbsc.api.app import build_emulator, create_app
from mockbsc.config import Settings
from mockbsc.contract.kit.replay import Outcome, replay_all

CASSETTES = Path(__file__).parent / "cassettes"
LIVE = CASSETTES / "1nce-live-recordings-2021-2023_ince-api-vcr.json"
FLEET = CASSETTES / "recorded-fleet.yaml"


def replayed(recordings: list[Recording], **settings: object) -> dict[str, Outcome]:
    emulator = build_emulator(Settings(clock="manual", fixtures=str(FLEET)).replace(**settings))
    with TestClient(create_app(emulator)) as client:
        outcomes = replay_all(recordings, "http://testserver/management-api", "demo",
                              "demo-password", client)
    return {o.source: o for o in outcomes}


def test_the_live_recordings_replay_against_the_mock_with_its_fidelity_switches() -> None:
    """docs/fidelity.md: `--unknown-sim empty` gives the 2021 wire's empty 200; the token's
    `userId` is an integer on purpose (BSC shape), the one difference left."""
    recordings = load([LIVE])
    assert len(recordings) == 21
    outcomes = replayed(recordings, unknown_sim="empty")
    differing = {s: o.problems for s, o in outcomes.items() if not o.matches}
    assert differing == {"valid_credentials.yml": ["body.userId: recorded string, got number"]}


def test_without_the_switch_the_unknown_iccid_differs() -> None:
    outcomes = replayed([r for r in load([LIVE]) if r.source == "get_sim_wrong_iccid.yml"])
    assert outcomes["get_sim_wrong_iccid.yml"].problems == [
        "status: recorded 200, got 404", "body: recorded empty, got one"]


def test_recorded_iccids_the_target_lacks_are_mapped_to_its_own_sims() -> None:
    recordings = [r for r in load([LIVE]) if r.source == "get_sim_connectivity.yml"]
    assert "/v1/sims/123456789/" in recordings[0].uri
    outcome = replayed(recordings)["get_sim_connectivity.yml"]
    assert outcome.matches
    assert "123456789" not in outcome.path


def test_a_vcrpy_yaml_cassette_replays_and_a_difference_fails(tmp_path: Path) -> None:
    cassette = tmp_path / "vcrpy.yaml"
    cassette.write_text("""\
interactions:
- request:
    body: null
    headers: {Accept: [application/json]}
    method: GET
    uri: https://example.test/management-api/v1/products
  response:
    body: {string: '[{"id": 1, "product": "x", "extra": {"nested": true}}]'}
    headers: {Content-Type: [application/json]}
    status: {code: 200, message: OK}
version: 1
""")
    outcome = replayed(load([cassette]), fixtures=None)["vcrpy.yaml#0"]  # with products
    assert outcome.problems == ["body[0]: keys missing: extra"]


def test_a_file_that_is_no_cassette_is_refused_by_name(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from mockbsc.cli import main

    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": 1}')
    assert main(["contract", "replay", str(bad), "--base-url", "http://127.0.0.1:9",
                 "--user", "u", "--password", "p"]) == 2
    assert "notes.json: no 'interactions'" in capsys.readouterr().err
