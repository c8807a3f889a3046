"""Time only moves forward: the manual clock steps when told, the system clock keeps an offset
from real time; both refuse to go back, and the emulator reports what is queued."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.clock import ManualClock, SystemClock
from mockbsc.domain.errors import ClockError
from mockbsc.domain.platform import Emulator
from tests.conftest import API

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_manual_clock_steps_and_reports_its_offset() -> None:
    clock = ManualClock(START)
    assert clock.advance(90) == START + timedelta(seconds=90)
    assert clock.now() == START + timedelta(seconds=90)
    assert clock.set(START + timedelta(hours=1)) == START + timedelta(hours=1)
    assert clock.offset_seconds == 3600.0
    assert clock.set(START + timedelta(hours=1)) == START + timedelta(hours=1)
    with pytest.raises(ClockError, match=r"^cannot move the clock back to 2026-01-05T09:59:59"):
        clock.set(START + timedelta(minutes=59, seconds=59))
    assert ManualClock().now() == START


def test_system_clock_keeps_an_offset_from_real_time() -> None:
    clock = SystemClock()
    assert clock.offset_seconds == 0.0
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 5
    ahead = clock.advance(3600)
    assert abs((ahead - datetime.now(UTC)).total_seconds() - 3600) < 5
    assert clock.offset_seconds == 3600
    target = datetime.now(UTC) + timedelta(days=1)
    moved = clock.set(target)
    assert abs((moved - target).total_seconds()) < 5
    assert 86_390 < clock.offset_seconds < 86_410
    with pytest.raises(ClockError, match=r"^cannot move the clock back to "):
        clock.set(target - timedelta(hours=1))
    assert 86_390 < clock.offset_seconds < 86_410


def test_system_clock_set_to_its_own_now_is_no_move_back() -> None:
    clock = SystemClock()
    clock.advance(60)
    clock.set(datetime.fromtimestamp(time.time() + 60.5, UTC))
    assert clock.offset_seconds >= 60


def test_system_clock_advances_add_up_and_half_a_second_back_is_refused() -> None:
    clock = SystemClock()
    clock.advance(3600)
    clock.advance(60)
    assert clock.offset_seconds == 3660
    with pytest.raises(ClockError, match=r"^cannot move the clock back to "):
        clock.set(clock.now() - timedelta(seconds=0.5))
    assert clock.offset_seconds == 3660


def test_setting_the_manual_clock_to_its_own_now_is_allowed(client: TestClient) -> None:
    now = client.get("/_mockbsc/clock").json()["now"]
    moved = client.post("/_mockbsc/clock/set", json={"now": now})
    assert moved.status_code == 200, moved.text
    assert moved.json()["now"] == now


def test_emulator_describes_its_fleet_queue_and_clock(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    # one job from the start: the fleet's first quota expiry, years ahead
    assert emulator.describe() == {"sims": 70, "jobs": 1, "clock": "manual"}
    iccid = "8988280666030217999"
    assert client.post(f"{API}/v1/sims/{iccid}/sms", headers=auth,
                       json={"payload": "hi"}).status_code == 201
    assert client.post(f"{API}/v1/sims/{iccid}/topup", headers=auth,
                       params={"payment_method": "creditcard"}).status_code == 201
    assert emulator.describe()["jobs"] == 3  # delivery and expiry of the SMS, quota expiry
    assert [j.kind for j in emulator.scheduler.jobs()] == ["sms_deliver", "sms_expire",
                                                           "quota_expiry"]
    assert [s.payload for s in emulator.sms.all()] == ["hi"]
    assert [o.order_type.value for o in emulator.orders.all()] == ["FIRST_ORDER"] * 2 + ["TOPUP"]
