"""The emulated clock keeps UTC whatever offset it is given, so every wire timestamp that ends
in `+0000` (or `Z`) names the right instant."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.clock import ManualClock
from tests.conftest import API

pytestmark = pytest.mark.mockbsc(token_ttl=30 * 24 * 3600)


def test_clock_set_with_an_offset_answers_in_utc(
        client: TestClient, auth: dict[str, str]) -> None:
    moved = client.post("/_mockbsc/clock/set", json={"now": "2026-01-05T12:00:00+02:00"})
    assert moved.status_code == 200
    assert moved.json() == {"now": "2026-01-05T10:00:00Z", "mode": "manual",
                            "offset_seconds": 3600.0, "ran": 0}
    sent = client.post(f"{API}/v1/sims/8988280666030217999/sms", headers=auth,
                       json={"payload": "x"})
    assert sent.status_code == 201
    sms = client.get(sent.headers["location"], headers=auth).json()
    assert sms["submit_date"] == "2026-01-05T10:00:00.000+0000"
    assert client.get("/health").json()["clock"] == "2026-01-05T10:00:00Z"


def test_clock_set_forward_runs_what_falls_due_and_never_goes_back(
        client: TestClient, auth: dict[str, str]) -> None:
    assert client.post(f"{API}/v1/sims/8988280666030217999/sms", headers=auth,
                       json={"payload": "x"}).status_code == 201
    moved = client.post("/_mockbsc/clock/set", json={"now": "2026-01-06T09:00:00Z"})
    assert moved.status_code == 200
    assert moved.json() == {"now": "2026-01-06T09:00:00Z", "mode": "manual",
                            "offset_seconds": 86400.0, "ran": 2}
    back = client.post("/_mockbsc/clock/set", json={"now": "2026-01-05T09:00:00Z"})
    assert back.status_code == 409
    assert back.json() == {"error": "Conflict",
                           "message": "cannot move the clock back to 2026-01-05T09:00:00+00:00"}
    bad = client.post("/_mockbsc/clock/set", json={"now": "2026-13-05T09:00:00Z"})
    assert bad.status_code == 400
    assert bad.json() == {"error": "BadRequest",
                          "message": "now: '2026-13-05T09:00:00Z' is not a valid date-time"}
    assert client.get("/_mockbsc/clock").json()["now"] == "2026-01-06T09:00:00Z"


def test_manual_clock_started_with_an_offset_runs_in_utc() -> None:
    clock = ManualClock(datetime(2026, 1, 5, 11, 0, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now().utcoffset() == timedelta(0)
    assert clock.now().hour == 9


def test_state_restored_with_an_offset_clock_runs_in_utc(client: TestClient) -> None:
    document = client.get("/_mockbsc/state").json()
    document["clock"]["now"] = "2026-01-05T13:00:00+02:00"
    assert client.put("/_mockbsc/state", json=document).status_code == 200
    assert client.get("/_mockbsc/clock").json()["now"] == "2026-01-05T11:00:00Z"
