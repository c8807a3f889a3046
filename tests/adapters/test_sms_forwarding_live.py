"""Webhook sending over real sockets: it never blocks the API (a receiver may call the mock
back before it answers, as many do: "fetch the SMS the report is about"), each call has a
timeout, and no more than the configured number of calls are in flight at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
from starlette.testclient import TestClient

from mockbsc import MockBSCServer, Settings
from mockbsc.adapters.fixtures_file import load_scenario
from mockbsc.adapters.webhook_sender import HttpSender
from mockbsc.api.webhooks import render
from mockbsc.domain.platform import Emulator
from mockbsc.testing.ports import listening_socket
from mockbsc.testing.receiver import ReceivedRequest, WebhookReceiver


def test_receiver_calling_the_api_back_while_a_delivery_is_under_way() -> None:
    seen: list[int] = []
    base: dict[str, str] = {}

    def calls_back(request: ReceivedRequest) -> None:
        # Needs the emulator lock and the event loop: both must be free while we answer.
        seen.append(httpx.get(base["url"] + "/_mockbsc/webhooks", timeout=3).status_code)

    with WebhookReceiver(path="/sms", on_request=calls_back) as receiver:
        url = receiver.url
        settings = Settings(clock="manual", sms_forward_url=url, webhook_timeout=5)
        with MockBSCServer(settings) as server:
            base["url"] = server.url
            iccid = next(s.iccid for s in server.emulator.sims.all()
                         if s.org_id == 4321 and s.status.value == "Enabled")
            assert httpx.post(f"{server.url}/_mockbsc/sims/{iccid}/attach").status_code == 200
            response = httpx.post(f"{server.url}/_mockbsc/sims/{iccid}/mo-sms",
                                  json={"payload": "ping"})
            assert response.status_code == 201
            advanced = httpx.post(f"{server.url}/_mockbsc/clock/advance", json={"seconds": 0},
                                  timeout=10)
            assert advanced.status_code == 200
            deliveries = httpx.get(f"{server.url}/_mockbsc/webhooks").json()
            assert seen == [200]
            assert [d["status"] for d in deliveries] == ["delivered"]
            assert deliveries[0]["attempts"][0]["duration_ms"] < 4000


def test_a_receiver_that_never_answers_times_out_and_is_retried() -> None:
    with listening_socket() as silent:  # accepts connections (backlog) but never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/sms"
        settings = Settings(clock="manual", sms_forward_url=url, webhook_timeout=0.2)
        emulator = Emulator(settings, load_scenario(),
                            sender=HttpSender.from_settings(settings, render))
        sim = next(s for s in emulator.sims.all() if s.org_id == 4321 and s.device.attached)
        emulator.forwarder.send_mo(sim.iccid, "ping")
        emulator.advance(0)
        [delivery] = emulator.webhooks.listing()
        [attempt] = delivery.attempts
        assert attempt.error == "timeout after 0.2 s"
        assert attempt.next_attempt is not None
        assert attempt.next_attempt - attempt.at == timedelta(minutes=5)


def test_sender_keeps_at_most_its_concurrency_in_flight() -> None:
    lock = threading.Lock()
    current, peak = [0], [0]

    def slow(request: ReceivedRequest) -> None:
        with lock:
            current[0] += 1
            peak[0] = max(peak[0], current[0])
        threading.Event().wait(0.1)  # a slow receiver, not a back-off
        with lock:
            current[0] -= 1

    with WebhookReceiver(path="/sms", on_request=slow) as receiver:
        url = receiver.url
        emulator = Emulator(Settings(clock="manual"), load_scenario())
        sims = [s for s in emulator.sims.all() if s.device.attached][:6]
        for sim in sims:
            emulator.orgs[sim.org_id].sms_forward_url = url
            emulator.forwarder.send_mo(sim.iccid, "ping")
        emulator.sender = HttpSender(render, timeout=5, concurrency=2)
        emulator.advance(0)
        statuses = [d.status.value for d in emulator.webhooks.listing()]
        assert statuses == ["delivered"] * 6
        assert peak[0] == 2


def test_the_plugins_webhook_receiver_gets_reports_and_retries(
        client: TestClient, auth: dict[str, str], iccid: str,
        mockbsc_webhook_receiver: WebhookReceiver) -> None:
    receiver = mockbsc_webhook_receiver
    client.put("/_mockbsc/orgs/4321/sms-forwarding", json={"url": receiver.url})
    client.post(f"/_mockbsc/sims/{iccid}/attach")
    receiver.fail_next(1)
    response = client.post(f"/management-api/v1/sims/{iccid}/sms", headers=auth,
                           json={"payload": "hello"})
    assert response.status_code == 201
    client.post("/_mockbsc/clock/advance", json={"seconds": 3 + 300})
    first, retry = receiver.requests
    assert (first.method, first.status, retry.status) == ("PATCH", 500, 200)
    assert first.body == retry.body
    assert retry.json()["status"] == {"status": "DELIVERED", "id": "4"}


def test_under_the_system_clock_the_pump_delivers_without_any_clock_call() -> None:
    with WebhookReceiver() as receiver, MockBSCServer(
            Settings(clock="system", sms_forward_url=receiver.url, tick_interval=0.05)) as server:
        iccid = next(s.iccid for s in server.emulator.sims.all()
                     if s.org_id == 4321 and s.status.value == "Enabled")
        httpx.post(f"{server.url}/_mockbsc/sims/{iccid}/attach")
        receiver.fail_next(1)
        response = httpx.post(f"{server.url}/_mockbsc/sims/{iccid}/mo-sms",
                              json={"payload": "ping"})
        assert response.status_code == 201
        [first] = receiver.wait_for(1, timeout=5)
        assert (first.method, first.status) == ("POST", 500)
        # The retry is 5 minutes away in emulator time: skip there, the pump does the rest.
        httpx.post(f"{server.url}/_mockbsc/clock/advance", json={"seconds": 300})
        _, retry = receiver.wait_for(2, timeout=5)
        assert retry.status == 200
        assert retry.body == first.body


def test_a_delivery_is_json_from_mockbsc_and_a_refused_one_names_the_failure(
        client: TestClient, iccid: str, mockbsc_webhook_receiver: WebhookReceiver) -> None:
    receiver = mockbsc_webhook_receiver
    client.put("/_mockbsc/orgs/4321/sms-forwarding", json={"url": receiver.url})
    client.post(f"/_mockbsc/sims/{iccid}/attach")
    receiver.down()
    assert client.post(f"/_mockbsc/sims/{iccid}/mo-sms", json={"payload": "hi"}).status_code == 201
    client.post("/_mockbsc/clock/advance", json={"seconds": 0})
    [delivery] = client.get("/_mockbsc/webhooks").json()
    [refused] = delivery["attempts"]
    assert "status" not in refused
    assert "connect" in refused["error"].lower(), refused
    receiver.up()
    client.post("/_mockbsc/clock/advance", json={"seconds": 300})
    [request] = receiver.requests
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert request.method == "POST"
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"].startswith("mockbsc/")
    assert request.json()["payload"] == "hi"
    assert client.get("/_mockbsc/webhooks").json()[0]["status"] == "delivered"
