"""MT SMS rules a client hits before anything is buffered: length per coding (less with a
UDH), the GSM 7-bit alphabet, hex for 8-bit data, SMS quota; plus where the SMS forwarding
URL comes from and the retry schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.adapters.fixtures_file import load_scenario
from mockbsc.cli import build_parser, settings_from
from mockbsc.config import Settings, SettingsError
from mockbsc.domain.platform import Emulator
from mockbsc.domain.sms.encoding import split_parts
from mockbsc.domain.sms.retry import RetryPolicy
from tests.conftest import API

UDH = "050003CC0201"  # a 6-octet concatenation header


def post_sms(client: TestClient, auth: dict[str, str], iccid: str, **body: Any) -> Any:
    return client.post(f"{API}/v1/sims/{iccid}/sms", headers=auth, json=body)


@pytest.mark.parametrize(("body", "accepted"), [
    ({"payload": "a" * 160}, True),
    ({"payload": "a" * 161}, False),
    ({"payload": "€" * 80}, True),
    ({"payload": "€" * 81}, False),
    ({"payload": "a" * 153, "udh": UDH}, True),
    ({"payload": "a" * 154, "udh": UDH}, False),
    ({"payload": "ab" * 140, "dcs": 4}, True),
    ({"payload": "ab" * 141, "dcs": 4}, False),
    ({"payload": "ab" * 134, "dcs": 4, "udh": UDH}, True),
    ({"payload": "ab" * 135, "dcs": 4, "udh": UDH}, False),
    ({"payload": "Ж" * 70, "dcs": 8}, True),
    ({"payload": "Ж" * 71, "dcs": 8}, False),
    ({"payload": "Ж" * 67, "dcs": 8, "udh": UDH}, True),
    ({"payload": "Ж" * 68, "dcs": 8, "udh": UDH}, False),
], ids=["gsm-160", "gsm-161", "gsm-escaped-80", "gsm-escaped-81", "gsm-udh-153",
        "gsm-udh-154", "bin-140", "bin-141", "bin-udh-134", "bin-udh-135", "ucs2-70",
        "ucs2-71", "ucs2-udh-67", "ucs2-udh-68"])
def test_length_limits_per_coding_and_header(client: TestClient, auth: dict[str, str],
                                             iccid: str, body: dict[str, Any],
                                             accepted: bool) -> None:
    response = post_sms(client, auth, iccid, **body)
    assert response.status_code == (201 if accepted else 400), response.text
    if not accepted:
        assert response.json()["message"].startswith("payload:")
        assert "exceed the limit" in response.json()["message"]


@pytest.mark.parametrize(("body", "field"), [
    ({"payload": "Grüße 😀"}, "payload"),
    ({"payload": "zz", "dcs": 4}, "payload"),
    ({"payload": "abc", "dcs": 4}, "payload"),
    ({"payload": "hi", "udh": "0G"}, "udh"),
    ({"payload": "hi", "dcs": 2}, "dcs"),
], ids=["not-gsm", "bad-hex", "odd-hex", "bad-udh", "unknown-dcs"])
def test_bad_coding_is_a_400_naming_the_field(client: TestClient, auth: dict[str, str],
                                              iccid: str, body: dict[str, Any],
                                              field: str) -> None:
    response = post_sms(client, auth, iccid, **body)
    assert response.status_code == 400
    assert field in response.text


def test_no_sms_volume_left_is_refused(client: TestClient, auth: dict[str, str],
                                       emulator: Emulator, iccid: str) -> None:
    with emulator.lock:
        emulator.sims.get(4321, iccid).sms_quota.volume = 0
    response = post_sms(client, auth, iccid, payload="hello")
    assert response.status_code == 400
    assert "SMS quota" in response.json()["message"]


def test_volume_used_up_while_buffered_fails_the_sms(client: TestClient, auth: dict[str, str],
                                                     emulator: Emulator, iccid: str) -> None:
    client.post(f"/_mockbsc/sims/{iccid}/detach")
    location = post_sms(client, auth, iccid, payload="hello").headers["Location"]
    with emulator.lock:
        emulator.sims.get(4321, iccid).sms_quota.volume = 0
    client.post(f"/_mockbsc/sims/{iccid}/attach")
    client.post("/_mockbsc/clock/advance", json={"seconds": 3})
    sms = client.get(location.replace("http://mockbsc", ""), headers=auth).json()
    assert sms["status"]["description"] == "FAILED"


def test_sms_records_are_kept_seven_days(client: TestClient, auth: dict[str, str],
                                         emulator: Emulator, iccid: str) -> None:
    client.post(f"/_mockbsc/sims/{iccid}/attach")
    post_sms(client, auth, iccid, payload="hello")
    emulator.advance(7 * 24 * 3600)
    fresh = {"Authorization": f"Bearer {emulator.issue_token('demo', 'demo-password')[0].value}"}
    assert len(client.get(f"{API}/v1/sims/{iccid}/sms", headers=fresh).json()) == 1
    emulator.advance(60)
    assert client.get(f"{API}/v1/sims/{iccid}/sms", headers=fresh).json() == []


def test_a_device_splits_long_text_without_breaking_escapes() -> None:
    parts = split_parts("€" * 100, 0)  # each € takes two septets (escape + code)
    assert [2 * len(p) for p in parts] == [152, 48]


def test_retry_schedule_grows_from_five_minutes_and_ends_after_24_hours() -> None:
    policy = RetryPolicy()
    created = last = datetime(2026, 1, 5, tzinfo=UTC)
    offsets = []
    attempts = 1
    while (following := policy.next_attempt(created, last, attempts)) is not None:
        offsets.append(int((following - created).total_seconds() // 60))
        last, attempts = following, attempts + 1
    assert offsets == [5, 15, 35, 75, 155, 315, 555, 795, 1035, 1275, 1440]
    late = created + timedelta(hours=30)  # waited behind an earlier message: one try, then done
    assert policy.next_attempt(created, late, 1) is None


def test_forward_url_comes_from_the_flag_for_the_default_organisation() -> None:
    args = build_parser().parse_args(["serve", "--sms-forward-url", "http://127.0.0.1:9/sms"])
    settings = settings_from(args, {"MOCKBSC_WEBHOOK_FIRST_RETRY": "60"})
    assert settings.sms_forward_url == "http://127.0.0.1:9/sms"
    assert settings.webhook_first_retry == 60
    emulator = Emulator(settings, load_scenario())
    assert emulator.orgs[4321].sms_forward_url == "http://127.0.0.1:9/sms"
    assert emulator.orgs[5678].sms_forward_url is None


def test_forward_url_comes_from_the_fixtures(tmp_path: Path) -> None:
    default = Path(__file__).resolve().parents[3] / "fixtures" / "default.yaml"
    text = default.read_text().replace("sms_forward_url: null",
                                       "sms_forward_url: http://receiver.test/sms", 1)
    (tmp_path / "f.yaml").write_text(text)
    emulator = Emulator(Settings(clock="manual"), load_scenario(str(tmp_path / "f.yaml")))
    assert emulator.orgs[4321].sms_forward_url == "http://receiver.test/sms"


def test_forward_url_setting_must_be_http() -> None:
    with pytest.raises(SettingsError, match="sms_forward_url"):
        Settings().with_text({"sms_forward_url": "ftp://x"})
