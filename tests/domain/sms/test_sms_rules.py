"""MT SMS rules: what one SMS may carry, when it is delivered, fails or may be cancelled, how
long it is kept, and how the listing is ordered; each refusal with its exact message."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.platform import Emulator
from tests.conftest import API

pytestmark = pytest.mark.mockbsc(token_ttl=30 * 24 * 3600)
FIRST = "8988280666030217999"  # enabled and attached: an SMS is delivered 3 s after it is sent


def _url(iccid: str = FIRST) -> str:
    return f"{API}/v1/sims/{iccid}/sms"


def _send(client: TestClient, auth: dict[str, str], iccid: str = FIRST, **body: Any) -> int:
    response = client.post(_url(iccid), headers=auth, json={"payload": "hi", **body})
    assert response.status_code == 201, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def _sms(client: TestClient, auth: dict[str, str], sms_id: int,
         iccid: str = FIRST) -> Any:
    response = client.get(f"{_url(iccid)}/{sms_id}", headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(("body", "message"), [
    ({"payload": "x" * 161}, "payload: 161 GSM 7-bit characters exceed the limit of 160"),
    ({"payload": "€" * 81}, "payload: 162 GSM 7-bit characters exceed the limit of 160"),
    ({"payload": "x" * 154, "udh": "050003CC0201"},
     "payload: 154 GSM 7-bit characters exceed the limit of 153 with this udh"),
    ({"payload": "x" * 154, "udh": "0003CC0201"},
     "payload: 154 GSM 7-bit characters exceed the limit of 153 with this udh"),
    ({"payload": "x" * 147, "udh": "0B0003CC02010003CC0201"},
     "payload: 147 GSM 7-bit characters exceed the limit of 146 with this udh"),
    ({"payload": "й" * 71, "dcs": 8}, "payload: 71 UCS-2 characters exceed the limit of 70"),
    ({"payload": "й" * 68, "dcs": 8, "udh": "050003CC0201"},
     "payload: 68 UCS-2 characters exceed the limit of 67 with this udh"),
    ({"payload": "ab" * 141, "dcs": 4}, "payload: 141 bytes exceed the limit of 140"),
    ({"payload": "ab" * 135, "dcs": 4, "udh": "050003CC0201"},
     "payload: 135 bytes exceed the limit of 134 with this udh"),
    ({"payload": "x", "udh": "00" * 140}, "udh: a header of 140 octets leaves no room"),
    ({"payload": "жx"},
     "payload: characters 'ж' are not in the GSM 7-bit alphabet (use dcs 8 for UCS-2)"),
], ids=["gsm-161", "gsm-extension", "udh", "udh-without-length", "udh-11-octets", "ucs2-71",
        "ucs2-udh", "bytes-141", "bytes-udh", "udh-fills-all", "outside-gsm"])
def test_sms_that_cannot_be_sent_is_refused_naming_why(
        client: TestClient, auth: dict[str, str], body: dict[str, Any], message: str) -> None:
    response = client.post(_url(), headers=auth, json=body)
    assert response.status_code == 400
    assert response.json()["message"] == message
    assert client.get(_url(), headers=auth).json() == []


@pytest.mark.parametrize("body", [
    {"payload": "x" * 160}, {"payload": "€" * 80}, {"payload": "x" * 153, "udh": "050003CC0201"},
    {"payload": "x" * 153, "udh": "0003CC0201"}, {"payload": "й" * 70, "dcs": 8},
    {"payload": "😀" * 35, "dcs": 8}, {"payload": "ab" * 140, "dcs": 4},
    {"payload": "ab" * 134, "dcs": 4, "udh": "050003CC0201"},
    {"payload": "@£$¥èéùìòÇ\nØø\rÅå{}[]~|^\\"},
], ids=["gsm-160", "extension-80", "udh-153", "udh-without-length-153", "ucs2-70",
        "surrogates-35", "bytes-140", "bytes-udh-134", "alphabet"])
def test_sms_at_its_limit_is_accepted(client: TestClient, auth: dict[str, str],
                                     body: dict[str, Any]) -> None:
    assert client.post(_url(), headers=auth, json=body).status_code == 201


@pytest.mark.parametrize(("expiry", "expected"), [
    ("2026-01-05T09:00:00Z", "2026-01-05T09:00:00.000+0000"),
    ("2026-01-05T08:00:00+00:00", "2026-01-05T08:00:00.000+0000"),
    ("0000-01-01T00:00Z", "1970-01-01T00:00:00.000+0000"),
], ids=["now", "past", "year-0"])
def test_an_expiry_already_past_is_taken_and_the_sms_expires_at_once(
        client: TestClient, auth: dict[str, str], emulator: Emulator, expiry: str,
        expected: str) -> None:
    """Nothing documents a refusal (issue 13): the platform takes it; it cannot deliver."""
    sms_id = _send(client, auth, payload="x", expiry_date=expiry)
    emulator.advance(seconds=0)
    sms = _sms(client, auth, sms_id)
    assert sms["expiry_date"] == expected
    assert sms["status"]["description"] in ("EXPIRED", "FAILED")


@pytest.mark.parametrize(("expiry", "expected"), [
    ("2026-01-06T09:00:00", "2026-01-06T09:00:00.000+0000"),
    ("2026-02-30T10:00+01:00", "2026-03-02T09:00:00.000+0000"),
    ("2026-01-06T09:00:00.5-0130", "2026-01-06T10:30:00.500+0000"),
], ids=["no-zone-is-utc", "day-rolls-over", "fraction-and-offset"])
def test_an_expiry_is_read_as_leniently_as_the_platform(
        client: TestClient, auth: dict[str, str], expiry: str, expected: str) -> None:
    sms_id = _send(client, auth, payload="x", expiry_date=expiry)
    assert _sms(client, auth, sms_id)["expiry_date"] == expected


def test_surrogate_pairs_count_twice_in_ucs2(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(_url(), headers=auth, json={"payload": "😀" * 36, "dcs": 8})
    assert response.status_code == 400
    assert response.json()["message"] == "payload: 72 UCS-2 characters exceed the limit of 70"


def test_delivered_sms_is_charged_to_the_sms_quota(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    before = client.get(f"{API}/v1/sims/{FIRST}/quota/sms", headers=auth).json()["volume"]
    sms_id = _send(client, auth)
    emulator.advance(seconds=2)
    assert _sms(client, auth, sms_id)["status"]["description"] == "DELIVERY ATTEMPT PENDING"
    assert client.get(f"{API}/v1/sims/{FIRST}/quota/sms", headers=auth).json()["volume"] == before
    emulator.advance(seconds=1)
    assert _sms(client, auth, sms_id)["status"]["description"] == "DELIVERED"
    after = client.get(f"{API}/v1/sims/{FIRST}/quota/sms", headers=auth).json()["volume"]
    assert after == before - 1


def test_sms_to_a_detached_device_waits_then_is_delivered_after_attach(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    assert client.post(f"/_mockbsc/sims/{FIRST}/detach").status_code == 200
    sms_id = _send(client, auth)
    emulator.advance(seconds=60)
    buffered = _sms(client, auth, sms_id)
    assert buffered["status"] == {"id": 3, "description": "BUFFERED"}
    assert "last_delivery_attempt" not in buffered
    assert client.post(f"/_mockbsc/sims/{FIRST}/attach", json={}).status_code == 200
    assert _sms(client, auth, sms_id)["status"]["description"] == "DELIVERY ATTEMPT PENDING"
    emulator.advance(seconds=3)
    delivered = _sms(client, auth, sms_id)
    assert delivered["status"]["description"] == "DELIVERED"
    assert delivered["delivery_date"] == "2026-01-05T09:01:03.000+0000"
    assert delivered["retry_count"] == "0"


def test_device_gone_at_the_attempt_puts_the_sms_back_in_the_buffer(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    sms_id = _send(client, auth)
    assert client.post(f"/_mockbsc/sims/{FIRST}/detach").status_code == 200
    emulator.advance(seconds=3)
    sms = _sms(client, auth, sms_id)
    assert sms["status"]["description"] == "BUFFERED"
    assert sms["retry_count"] == "1"
    assert sms["last_delivery_attempt"] == "2026-01-05T09:00:03.000+0000"
    assert "final_date" not in sms


def test_sms_to_a_disabled_sim_waits_in_the_buffer(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    disabled = "8988280666030218001"
    sms_id = _send(client, auth, disabled)
    emulator.advance(seconds=10)
    assert _sms(client, auth, sms_id, disabled)["status"]["description"] == "BUFFERED"


def test_undelivered_sms_fails_at_its_expiry(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    assert client.post(f"/_mockbsc/sims/{FIRST}/detach").status_code == 200
    sms_id = _send(client, auth, expiry_date="2026-01-05T10:00:00Z")
    emulator.advance(seconds=3599)
    assert _sms(client, auth, sms_id)["status"]["description"] == "BUFFERED"
    emulator.advance(seconds=1)
    failed = _sms(client, auth, sms_id)
    assert failed["status"] == {"id": 5, "description": "FAILED"}
    assert failed["final_date"] == "2026-01-05T10:00:00.000+0000"
    client.post(f"/_mockbsc/sims/{FIRST}/attach", json={})
    emulator.advance(seconds=10)
    assert _sms(client, auth, sms_id)["status"]["description"] == "FAILED"


def test_default_expiry_is_a_day(client: TestClient, auth: dict[str, str]) -> None:
    sms_id = _send(client, auth)
    sms = _sms(client, auth, sms_id)
    assert sms["expiry_date"] == "2026-01-06T09:00:00.000+0000"
    assert sms["source_address_type"] == {"id": 161, "description": "National"}
    assert (sms["source_address"], sms["udh"], sms["dcs"]) == ("", "", 0)


def test_buffered_and_pending_sms_can_be_cancelled_once(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    pending = _send(client, auth)
    response = client.delete(f"{_url()}/{pending}", headers=auth)
    assert response.status_code == 200
    assert response.content == b""
    cancelled = _sms(client, auth, pending)
    assert cancelled["status"] == {"id": 7, "description": "CANCELED"}
    assert cancelled["final_date"] == "2026-01-05T09:00:00.000+0000"
    emulator.advance(seconds=10)
    assert _sms(client, auth, pending)["status"]["description"] == "CANCELED"
    again = client.delete(f"{_url()}/{pending}", headers=auth)
    assert again.status_code == 409
    assert again.json()["message"] == (
        f"SMS {pending} is CANCELED and can no longer be cancelled")


def test_delivered_sms_cannot_be_cancelled(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    sms_id = _send(client, auth)
    emulator.advance(seconds=3)
    response = client.delete(f"{_url()}/{sms_id}", headers=auth)
    assert response.status_code == 409
    assert response.json()["message"] == (
        f"SMS {sms_id} is DELIVERED and can no longer be cancelled")


def test_mo_sms_cannot_be_cancelled(client: TestClient, auth: dict[str, str]) -> None:
    sent = client.post(f"/_mockbsc/sims/{FIRST}/mo-sms", json={"payload": "from device"})
    assert sent.status_code == 201
    mo_id = int(sent.json()["ids"][0])
    assert _sms(client, auth, mo_id)["sms_type"] == {"id": 2, "description": "MO"}
    response = client.delete(f"{_url()}/{mo_id}", headers=auth)
    assert response.status_code == 409
    assert "can no longer be cancelled" in response.json()["message"]


def test_sms_of_another_sim_or_unknown_is_not_found(
        client: TestClient, auth: dict[str, str]) -> None:
    sms_id = _send(client, auth)
    other = "8988280666030218000"
    for url in (f"{_url(other)}/{sms_id}", f"{_url()}/{sms_id + 100}"):
        for method in ("GET", "DELETE"):
            response = client.request(method, url, headers=auth)
            assert response.status_code == 404
            assert response.json()["message"] == "SMS not found."


def test_final_sms_is_kept_for_seven_days_exactly(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    sms_id = _send(client, auth)
    emulator.advance(seconds=3 + 7 * 24 * 3600)
    assert _sms(client, auth, sms_id)["status"]["description"] == "DELIVERED"
    emulator.advance(seconds=1)
    assert client.get(f"{_url()}/{sms_id}", headers=auth).status_code == 404
    assert client.get(_url(), headers=auth).json() == []


def test_waiting_sms_is_kept_past_seven_days(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    assert client.post(f"/_mockbsc/sims/{FIRST}/detach").status_code == 200
    sms_id = _send(client, auth, expiry_date="2026-01-20T09:00:00Z")
    emulator.advance(seconds=8 * 24 * 3600)
    assert _sms(client, auth, sms_id)["status"]["description"] == "BUFFERED"


def test_listing_is_newest_first_and_sorts_on_request(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    first = _send(client, auth)
    emulator.advance(seconds=60)
    assert client.post(f"/_mockbsc/sims/{FIRST}/detach").status_code == 200
    second = _send(client, auth)
    third = _send(client, auth)
    listed = client.get(_url(), headers=auth)
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()] == [third, second, first]
    by_delivery = client.get(_url(), headers=auth, params={"sort": "delivery_date,id"}).json()
    assert [s["id"] for s in by_delivery] == [first, second, third]
    by_status = client.get(_url(), headers=auth, params={"sort": "-status,-id"}).json()
    assert [s["id"] for s in by_status] == [first, third, second]
    page = client.get(_url(), headers=auth, params={"page": 2, "pageSize": 2})
    assert [s["id"] for s in page.json()] == [first]
    assert (page.headers["x-total-count"], page.headers["x-total-pages"]) == ("3", "2")
