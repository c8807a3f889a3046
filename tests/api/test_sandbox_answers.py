"""The sandbox control answers as whole values: the media type, every field of a sandbox's
description (its clock's offset included), the 404 and fixture messages, the expiry field's
ttl bounds, and a fixtures file read again once it changed (`api/handlers/sandboxes.py`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.api.app import create_app
from mockbsc.api.handlers.sandboxes import MAX_FIXTURES_BYTES
from mockbsc.api.sandboxes import SandboxRegistry
from mockbsc.domain.clock import ManualClock
from mockbsc.domain.platform import Emulator

CREATED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _serve(emulator: Emulator, ttl: float) -> Iterator[TestClient]:
    registry = SandboxRegistry(ttl=ttl, max_sandboxes=3, now=ManualClock(CREATED).now)
    with TestClient(create_app(emulator, sandboxes=registry),
                    base_url="http://localhost") as client:
        yield client


@pytest.fixture
def server(emulator: Emulator) -> Iterator[TestClient]:
    yield from _serve(emulator, 3600)


def _create(client: TestClient, sandbox_id: str, **body: Any) -> dict[str, Any]:
    response = client.put(f"/_mockbsc/sandboxes/{sandbox_id}", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


FIXTURES = """\
organisations:
  - {id: 600, name: Filed, sims: 2}
users:
  - {username: %s, password: pw, organisation: 600, user_id: 1}
"""


def test_list_and_get_answer_plain_application_json(server: TestClient) -> None:
    _create(server, "typed", sims=2)
    assert server.get("/_mockbsc/sandboxes").headers["content-type"] == "application/json"
    assert server.get("/_mockbsc/sandboxes/typed").headers["content-type"] == \
        "application/json"


def test_get_describes_the_sandbox_whole_with_its_clock_offset(server: TestClient) -> None:
    _create(server, "clocked", sims=2, clock="manual", start="2026-03-01T12:00:00Z")
    moved = server.post("/sandboxes/clocked/_mockbsc/clock/advance",
                        json={"seconds": 90.12345})
    assert moved.status_code == 200, moved.text
    assert server.get("/_mockbsc/sandboxes/clocked").json() == {
        "id": "clocked",
        "url": "http://localhost/sandboxes/clocked",
        "created": "2026-03-01T12:00:00Z",
        "last_used": "2026-03-01T12:00:00Z",
        "expires": "2026-03-01T13:00:00Z",
        "sims": 22,
        "api_url": "http://localhost/sandboxes/clocked/management-api",
        "control_url": "http://localhost/sandboxes/clocked/_mockbsc",
        "clock": {"now": "2026-03-01T12:01:30.123450Z", "mode": "manual",
                  "offset_seconds": 90.123},
        "users": [{"username": "demo", "password": "demo-password", "org_id": 4321},
                  {"username": "energie", "password": "energie-password", "org_id": 5678}],
    }


def test_deleting_an_unknown_sandbox_names_it(server: TestClient) -> None:
    response = server.delete("/_mockbsc/sandboxes/nope")
    assert response.status_code == 404
    assert response.json() == {"error": "NotFound", "message": "No sandbox 'nope'"}


def test_inline_fixtures_missing_a_field_are_refused_naming_fixtures(
        server: TestClient) -> None:
    response = server.put("/_mockbsc/sandboxes/bad",
                          json={"fixtures": {"users": []}})
    assert response.status_code == 400
    assert response.json() == {"error": "BadRequest",
                               "message": "fixtures: bad or missing field 'organisations'"}


def test_a_fixtures_file_is_read_and_read_again_once_it_changed(
        server: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "own.yaml"
    path.write_text(FIXTURES % "alpha")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    first = _create(server, "first", fixtures=str(path))
    assert first["users"] == [{"username": "alpha", "password": "pw", "org_id": 600}]
    path.write_text(FIXTURES % "beta")
    os.utime(path, (1_700_000_100, 1_700_000_100))
    second = _create(server, "second", fixtures=str(path))
    assert second["users"] == [{"username": "beta", "password": "pw", "org_id": 600}]


def test_a_fixtures_file_of_exactly_the_limit_is_read(server: TestClient,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"\xff" + b"#" * (MAX_FIXTURES_BYTES - 1))
    response = server.put("/_mockbsc/sandboxes/big", json={"fixtures": str(path)})
    assert response.status_code == 400
    assert response.json()["message"] == (
        f"fixtures {path}: 'utf-8' codec can't decode byte 0xff in position 0: "
        "invalid start byte")


@pytest.mark.parametrize("kind", ["one byte too big", "a directory"])
def test_a_fixtures_path_that_is_too_big_or_no_file_is_not_read(
        server: TestClient, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "fixtures"
    if kind == "a directory":
        path.mkdir()
    else:
        path.write_bytes(b"\xff" + b"#" * MAX_FIXTURES_BYTES)
    response = server.put("/_mockbsc/sandboxes/big", json={"fixtures": str(path)})
    assert response.status_code == 400
    assert response.json() == {
        "error": "BadRequest",
        "message": f"fixtures {path}: not a regular file of at most 4194304 bytes"}


@pytest.mark.parametrize(("ttl", "expires"), [(0, None), (1, "2026-03-01T12:00:01Z")])
def test_expires_is_listed_only_with_a_ttl_and_is_last_use_plus_the_ttl(
        emulator: Emulator, ttl: float, expires: str | None) -> None:
    for client in _serve(emulator, ttl):
        _create(client, "timed", sims=1)
        listed = client.get("/_mockbsc/sandboxes").json()
        expected: dict[str, Any] = {"id": "timed", "url": "http://localhost/sandboxes/timed",
                                    "created": "2026-03-01T12:00:00Z",
                                    "last_used": "2026-03-01T12:00:00Z"}
        if expires is not None:
            expected["expires"] = expires
        assert listed == [{**expected, "sims": 21}]
