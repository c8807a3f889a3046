"""`MockBSCServer` for code that is not pytest: a real uvicorn on a free port."""

from __future__ import annotations

import httpx
import pytest

from mockbsc import MockBSCServer, Settings


def test_context_manager_serves_on_a_free_port_and_stops() -> None:
    with MockBSCServer(Settings(clock="manual")) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.port != 0
        response = httpx.get(server.url + "/health")
        assert response.status_code == 200
        token = httpx.post(server.api_url + "/oauth/token", auth=("demo", "demo-password"),
                           data={"grant_type": "client_credentials"})
        assert token.status_code == 200
    assert not server.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/health")


def test_reset_swaps_settings_without_a_restart() -> None:
    with MockBSCServer(Settings(clock="manual")) as server:
        port = server.port
        before = server.emulator
        server.reset(Settings(clock="manual", sims=2))
        assert server.emulator is not before
        assert server.port == port
        sims = httpx.get(server.api_url + "/v1/sims", headers=server.token().headers).json()
        assert len(sims) == 2


def test_check_reraises_what_failed_inside_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object) -> None:
        raise KeyError("broken inside")

    with MockBSCServer(Settings(clock="manual")) as server:
        monkeypatch.setattr(server.emulator, "list_sims", explode)
        response = httpx.get(server.api_url + "/v1/sims", headers=server.token().headers)
        assert response.status_code == 500
        with pytest.raises(KeyError, match="broken inside"):
            server.check()


def test_import_mockbsc_stays_cheap() -> None:
    import subprocess
    import sys

    code = "import sys, mockbsc; print('uvicorn' in sys.modules, 'starlette' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_assertion_helpers_show_requests_sms_and_deliveries() -> None:
    from mockbsc.testing.receiver import WebhookReceiver

    with WebhookReceiver() as receiver, MockBSCServer(
        Settings(clock="manual", sms_forward_url=receiver.url)
    ) as server:
        iccid = next(s.iccid for s in server.emulator.sims.all() if s.device.attached
                     and s.org_id == 4321 and s.status.value == "Enabled")
        headers = server.token().headers
        sent = httpx.post(f"{server.api_url}/v1/sims/{iccid}/sms", headers=headers,
                          json={"payload": "ping"})
        assert sent.status_code == 201
        assert [r["status"] for r in server.requests("sendSmsToSimUsingPOST")] == [201]
        assert [m["payload"] for m in server.sms(iccid)] == ["ping"]
        assert server.deliveries(iccid=iccid) == []  # not delivered yet: nothing to report
        httpx.post(server.url + "/_mockbsc/clock/advance", json={"seconds": 5})
        reports = server.deliveries(iccid=iccid)
        assert [(d["kind"], d["status"]) for d in reports] == [("dlr", "delivered")]
        assert receiver.requests[0].method == "PATCH"
