"""SMS forwarding through HTTP with a real receiver on a local port: delivery reports (PATCH),
MO SMS (POST), retries on the platform's back-off until a 2xx, per-SIM order, give-up.

Time only moves by `POST /_mockbsc/clock/advance`, which sends every attempt falling due at
its own moment before it answers; nothing here sleeps through a back-off.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.platform import Emulator
from mockbsc.testing.receiver import WebhookReceiver
from tests.conftest import API

# Tokens must outlive the days these tests move the clock through.
pytestmark = pytest.mark.mockbsc(token_ttl=30 * 24 * 3600)

ORG = 4321
GMT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def advance(client: TestClient, seconds: float) -> None:
    response = client.post("/_mockbsc/clock/advance", json={"seconds": seconds})
    assert response.status_code == 200, response.text


def send_mt(client: TestClient, auth: dict[str, str], iccid: str, **body: Any) -> int:
    response = client.post(f"{API}/v1/sims/{iccid}/sms", headers=auth,
                           json={"payload": "hello device", "source_address": "1234567", **body})
    assert response.status_code == 201, response.text
    assert response.content == b""
    return int(response.headers["Location"].rsplit("/", 1)[1])


def send_mo(client: TestClient, iccid: str, payload: str = "temperature=21.5",
            **body: Any) -> list[int]:
    response = client.post(f"/_mockbsc/sims/{iccid}/mo-sms", json={"payload": payload, **body})
    assert response.status_code == 201, response.text
    return [int(i) for i in response.json()["ids"]]


def sms_of(client: TestClient, auth: dict[str, str], iccid: str, sms_id: int) -> dict[str, Any]:
    response = client.get(f"{API}/v1/sims/{iccid}/sms/{sms_id}", headers=auth)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def sms_volume(client: TestClient, auth: dict[str, str], iccid: str) -> float:
    return float(client.get(f"{API}/v1/sims/{iccid}/quota/sms", headers=auth).json()["volume"])


def deliveries(client: TestClient, **params: str) -> list[dict[str, Any]]:
    response = client.get("/_mockbsc/webhooks", params=params)
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


def detached(client: TestClient, iccid: str) -> str:
    assert client.post(f"/_mockbsc/sims/{iccid}/detach").status_code == 200
    return iccid


def attached(client: TestClient, iccid: str) -> str:
    assert client.post(f"/_mockbsc/sims/{iccid}/attach").status_code == 200
    return iccid


# ---- MT and delivery reports ----------------------------------------------------------------


def test_attempts_due_while_time_ran_on_go_out_when_the_server_delivers_them(
        client: TestClient, iccid: str, receiver: WebhookReceiver, emulator: Emulator) -> None:
    """A system clock moves with no call: the server's background loop then sends what fell
    due through `deliver_due`, called here as that loop calls it."""
    attached(client, iccid)
    send_mo(client, iccid, "t=1")
    emulator.clock.advance(5)  # time passes without the emulator being told
    assert emulator.deliveries_due()
    assert emulator.deliver_due() >= 1
    assert not emulator.deliveries_due()
    [request] = receiver.requests
    assert (request.method, request.json()["payload"]) == ("POST", "t=1")


def test_mt_waits_while_detached_then_is_delivered_and_reported_by_patch(
        client: TestClient, auth: dict[str, str], iccid: str, receiver: WebhookReceiver) -> None:
    detached(client, iccid)
    volume = sms_volume(client, auth, iccid)
    sms_id = send_mt(client, auth, iccid)
    advance(client, 3600)
    buffered = sms_of(client, auth, iccid, sms_id)
    assert buffered["status"] == {"id": 3, "description": "BUFFERED"}
    assert buffered["sms_type"] == {"id": 1, "description": "MT"}
    assert receiver.bodies() == []
    attached(client, iccid)
    advance(client, 3)
    delivered = sms_of(client, auth, iccid, sms_id)
    assert delivered["status"] == {"id": 4, "description": "DELIVERED"}
    assert delivered["delivery_date"] == delivered["final_date"]
    assert sms_volume(client, auth, iccid) == volume - 1
    [request] = receiver.requests
    method, body = request.method, request.json()
    assert method == "PATCH"
    assert body["status"] == {"status": "DELIVERED", "id": "4"}
    assert body["endpoint"] == {"id": iccid[-8:], "name": iccid}
    assert body["organisation"] == {"id": str(ORG)}
    assert body["id"] == str(sms_id)
    assert GMT.match(body["submit_date"])
    assert GMT.match(body["final_date"])
    assert body["submit_date"] < body["final_date"]


def test_cancelled_sms_is_never_delivered_nor_charged(
        client: TestClient, auth: dict[str, str], iccid: str, receiver: WebhookReceiver) -> None:
    detached(client, iccid)
    volume = sms_volume(client, auth, iccid)
    sms_id = send_mt(client, auth, iccid)
    response = client.delete(f"{API}/v1/sims/{iccid}/sms/{sms_id}", headers=auth)
    assert response.status_code == 200
    attached(client, iccid)
    advance(client, 3600)
    assert sms_of(client, auth, iccid, sms_id)["status"] == {"id": 7, "description": "CANCELED"}
    assert sms_volume(client, auth, iccid) == volume
    assert receiver.bodies() == []  # no delivery report for a cancel the customer asked for


def test_cancel_of_a_delivered_sms_is_a_conflict_and_changes_nothing(
        client: TestClient, auth: dict[str, str], iccid: str, receiver: WebhookReceiver) -> None:
    attached(client, iccid)
    sms_id = send_mt(client, auth, iccid)
    advance(client, 3)
    before = sms_of(client, auth, iccid, sms_id)
    response = client.delete(f"{API}/v1/sims/{iccid}/sms/{sms_id}", headers=auth)
    assert response.status_code == 409
    assert "DELIVERED" in response.json()["message"]
    assert sms_of(client, auth, iccid, sms_id) == before
    assert len(receiver.bodies("PATCH")) == 1


def test_cancel_of_an_sms_that_failed_at_expiry_is_a_conflict_and_changes_nothing(
        client: TestClient, auth: dict[str, str], iccid: str) -> None:
    """Guards: a FAILED SMS (expired while the device was away) is final, so DELETE refuses
    it like any other final SMS instead of turning it into CANCELED."""
    detached(client, iccid)
    sms_id = send_mt(client, auth, iccid)
    advance(client, 24 * 3600)
    failed = sms_of(client, auth, iccid, sms_id)
    assert failed["status"] == {"id": 5, "description": "FAILED"}
    response = client.delete(f"{API}/v1/sims/{iccid}/sms/{sms_id}", headers=auth)
    assert response.status_code == 409
    assert "FAILED" in response.json()["message"]
    assert sms_of(client, auth, iccid, sms_id) == failed


def test_cancel_of_an_unknown_sms_is_not_found(
        client: TestClient, auth: dict[str, str], iccid: str) -> None:
    response = client.delete(f"{API}/v1/sims/{iccid}/sms/999999999", headers=auth)
    assert response.status_code == 404


def test_unreached_sms_fails_at_expiry_and_is_reported(
        client: TestClient, auth: dict[str, str], iccid: str, receiver: WebhookReceiver) -> None:
    detached(client, iccid)
    volume = sms_volume(client, auth, iccid)
    sms_id = send_mt(client, auth, iccid)
    advance(client, 24 * 3600)
    failed = sms_of(client, auth, iccid, sms_id)
    assert failed["status"] == {"id": 5, "description": "FAILED"}
    assert "delivery_date" not in failed
    assert sms_volume(client, auth, iccid) == volume
    [body] = receiver.bodies("PATCH")
    assert body["status"] == {"status": "FAILED", "id": "5"}


def test_sms_list_sorts_by_any_documented_key(
        client: TestClient, auth: dict[str, str], iccid: str) -> None:
    detached(client, iccid)
    first, second = send_mt(client, auth, iccid), send_mt(client, auth, iccid)
    response = client.get(f"{API}/v1/sims/{iccid}/sms", headers=auth,
                          params={"sort": "delivery_date,id"})
    assert response.status_code == 200
    assert [m["id"] for m in response.json()][:2] == [first, second]
    assert response.headers["X-Total-Count"] == "2"


# ---- MO SMS -------------------------------------------------------------------------------


def test_mo_sms_is_listed_charged_and_forwarded_by_post(
        client: TestClient, auth: dict[str, str], iccid: str, receiver: WebhookReceiver) -> None:
    attached(client, iccid)
    volume = sms_volume(client, auth, iccid)
    [sms_id] = send_mo(client, iccid, "temperature=21.5", dest_address="12345")
    advance(client, 0)
    [request] = receiver.requests
    method, body = request.method, request.json()
    assert method == "POST"
    msisdn = client.get(f"{API}/v1/sims/{iccid}", headers=auth).json()["msisdn"]
    assert body == {
        "multi_part_info": {"partno": 1, "total": 1, "identifier": str(sms_id)},
        "payload": "temperature=21.5", "submit_date": body["submit_date"],
        "dest_address": "12345", "organisation": {"id": str(ORG)}, "pid": "0",
        "id": str(sms_id), "endpoint": {"id": iccid[-8:], "name": iccid},
        "source_address": msisdn, "dcs": "0",
    }
    assert GMT.match(body["submit_date"])
    listed = sms_of(client, auth, iccid, sms_id)
    assert listed["sms_type"] == {"id": 2, "description": "MO"}
    assert listed["status"]["description"] == "DELIVERED"
    assert sms_volume(client, auth, iccid) == volume - 1


def test_long_mo_sms_is_split_into_parts_like_a_device_does(
        client: TestClient, auth: dict[str, str], iccid: str, receiver: WebhookReceiver) -> None:
    attached(client, iccid)
    volume = sms_volume(client, auth, iccid)
    ids = send_mo(client, iccid, "x" * 400)
    advance(client, 0)
    bodies = receiver.bodies("POST")
    assert [b["id"] for b in bodies] == [str(i) for i in ids]
    assert [b["multi_part_info"] for b in bodies] == [
        {"partno": n, "total": 3, "identifier": str(ids[0])} for n in (1, 2, 3)]
    assert [len(b["payload"]) for b in bodies] == [153, 153, 94]
    assert "".join(b["payload"] for b in bodies) == "x" * 400
    assert sms_volume(client, auth, iccid) == volume - 3
    assert sms_of(client, auth, iccid, ids[1])["udh"].startswith("050003")


@pytest.mark.parametrize(("dcs", "payload", "sizes"), [
    (8, "Ü" * 150, [67, 67, 16]),
    (4, "ab" * 300, [268, 268, 64]),
], ids=["ucs2", "binary"])
def test_mo_parts_follow_the_coding(client: TestClient, iccid: str, receiver: WebhookReceiver,
                                    dcs: int, payload: str, sizes: list[int]) -> None:
    attached(client, iccid)
    send_mo(client, iccid, payload, dcs=dcs)
    advance(client, 0)
    assert [len(b["payload"]) for b in receiver.bodies()] == sizes
    assert {b["dcs"] for b in receiver.bodies()} == {str(dcs)}


def test_mo_sms_of_a_detached_device_is_a_conflict(client: TestClient, iccid: str) -> None:
    detached(client, iccid)
    response = client.post(f"/_mockbsc/sims/{iccid}/mo-sms", json={"payload": "hi"})
    assert response.status_code == 409
    assert "attach" in response.json()["message"]


# ---- delivery until acknowledged ----------------------------------------------------------


def test_failing_receiver_is_retried_on_the_schedule_with_the_same_body(
        client: TestClient, auth: dict[str, str], iccid: str, receiver: WebhookReceiver) -> None:
    attached(client, iccid)
    receiver.fail_next(3)
    [sms_id] = send_mo(client, iccid)
    advance(client, 0)
    assert len(receiver.requests) == 1
    advance(client, 299)
    assert len(receiver.requests) == 1  # first retry about 5 minutes later
    advance(client, 1)
    assert len(receiver.requests) == 2
    advance(client, 600)  # the second retry 15 minutes after the message
    assert len(receiver.requests) == 3
    buffered = sms_of(client, auth, iccid, sms_id)
    assert buffered["status"]["description"] == "BUFFERED"
    assert buffered["retry_count"] == "2"
    advance(client, 1200)
    bodies = receiver.bodies()
    assert len(bodies) == 4
    assert all(b == bodies[0] for b in bodies)
    [delivery] = deliveries(client, iccid=iccid)
    assert delivery["status"] == "delivered"
    assert [a["response_status"] for a in delivery["attempts"]] == [500, 500, 500, 200]
    assert [a["at"][11:19] for a in delivery["attempts"]] == [
        "09:00:00", "09:05:00", "09:15:00", "09:35:00"]
    assert delivery["attempts"][0]["next_attempt"] == delivery["attempts"][1]["at"]
    assert delivery["attempts"][0]["body"] == bodies[0]
    assert "next_attempt" not in delivery["attempts"][-1]
    assert sms_of(client, auth, iccid, sms_id)["status"]["description"] == "DELIVERED"


def test_refused_connection_is_retried_until_the_receiver_is_up(
        client: TestClient, iccid: str, receiver: WebhookReceiver) -> None:
    attached(client, iccid)
    receiver.down()
    send_mo(client, iccid)
    advance(client, 0)
    [delivery] = deliveries(client, status="pending")
    assert "response_status" not in delivery["attempts"][0]
    assert delivery["attempts"][0]["error"]
    receiver.up()
    advance(client, 300)
    assert len(receiver.bodies()) == 1
    assert deliveries(client, status="pending") == []


def test_receiver_down_for_an_hour_then_gets_every_message_in_order(
        client: TestClient, auth: dict[str, str], emulator: Emulator,
        receiver: WebhookReceiver) -> None:
    sims = [s["iccid"] for s in client.get(f"{API}/v1/sims", headers=auth,
                                           params={"pageSize": 100}).json()
            if s["status"] == "Enabled"][:2]
    for iccid in sims:
        attached(client, iccid)
    receiver.down()
    produced: dict[str, list[str]] = {iccid: [] for iccid in sims}
    for minute in range(6):
        for iccid in sims:
            produced[iccid] += [str(i) for i in send_mo(client, iccid, f"m{minute}")]
        produced[sims[0]].append(str(send_mt(client, auth, sims[0])))
        advance(client, 600)
    assert receiver.bodies() == []
    receiver.up()
    advance(client, 3 * 3600)
    received: dict[str, list[str]] = {iccid: [] for iccid in sims}
    for body in receiver.bodies():
        received[body["endpoint"]["name"]].append(body["id"])
    assert received == produced  # each once, and in the order each SIM produced them
    assert {d["status"] for d in deliveries(client)} == {"delivered"}


def test_unacknowledged_message_is_given_up_after_24_hours_with_an_error_event(
        client: TestClient, auth: dict[str, str], iccid: str, receiver: WebhookReceiver) -> None:
    attached(client, iccid)
    receiver.fail_next(10_000, status=503)
    [sms_id] = send_mo(client, iccid)
    advance(client, 24 * 3600 - 1)
    assert deliveries(client, status="failed") == []
    advance(client, 1)
    [delivery] = deliveries(client, status="failed")
    tries = len(receiver.requests)
    assert len(delivery["attempts"]) == tries
    assert delivery["attempts"][-1]["at"][:19] == "2026-01-06T09:00:00"
    assert "next_attempt" not in delivery
    advance(client, 24 * 3600)
    assert len(receiver.requests) == tries
    assert sms_of(client, auth, iccid, sms_id)["status"]["description"] == "FAILED"
    events = client.get(f"{API}/v1/sims/{iccid}/events", headers=auth,
                        params={"pageSize": 100}).json()["events"]
    [event] = [e for e in events if e["event_type"] == "SMS forwarding failed"]
    assert event["alert"] is True
    assert "503" in event["description"]


def test_webhook_list_filters_by_status_iccid_and_kind(
        client: TestClient, auth: dict[str, str], iccid: str, receiver: WebhookReceiver) -> None:
    attached(client, iccid)
    send_mo(client, iccid)
    send_mt(client, auth, iccid)
    advance(client, 3)
    assert {d["kind"] for d in deliveries(client, iccid=iccid)} == {"mo", "dlr"}
    [dlr] = deliveries(client, kind="dlr")
    assert dlr["method"] == "PATCH"
    assert dlr["url"] == receiver.url
    assert deliveries(client, status="pending") == []
    assert deliveries(client, iccid="8988228066600000000") == []
    response = client.get("/_mockbsc/webhooks", params={"status": "lost"})
    assert response.status_code == 400


def test_no_forwarding_url_means_no_delivery(client: TestClient, auth: dict[str, str],
                                             iccid: str) -> None:
    attached(client, iccid)
    [sms_id] = send_mo(client, iccid)
    advance(client, 60)
    assert deliveries(client) == []
    assert sms_of(client, auth, iccid, sms_id)["status"]["description"] == "DELIVERED"


def test_pending_messages_follow_a_corrected_url(client: TestClient, iccid: str,
                                                 receiver: WebhookReceiver) -> None:
    attached(client, iccid)
    with WebhookReceiver(path="/bsc/sms") as fixed:
        receiver.down()
        [sms_id] = send_mo(client, iccid)
        advance(client, 0)
        client.put(f"/_mockbsc/orgs/{ORG}/sms-forwarding", json={"url": fixed.url})
        advance(client, 300)
        assert [b["id"] for b in fixed.bodies()] == [str(sms_id)]
        [delivery] = deliveries(client)
        assert [a["url"] for a in delivery["attempts"]] == [receiver.url, fixed.url]


def test_mo_sms_cannot_be_cancelled(client: TestClient, auth: dict[str, str],
                                    iccid: str) -> None:
    attached(client, iccid)
    [sms_id] = send_mo(client, iccid)
    response = client.delete(f"{API}/v1/sims/{iccid}/sms/{sms_id}", headers=auth)
    assert response.status_code == 409
