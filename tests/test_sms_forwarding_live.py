"""Webhook sending never blocks the API: on a real uvicorn server, a receiver that calls the
mock back before it answers (as many do: "fetch the SMS the report is about") gets served,
while the clock advance that sends it is still waiting for its answer."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from mockbsc import MockBSCServer, Settings


def test_receiver_calling_the_api_back_while_a_delivery_is_under_way() -> None:
    seen: list[int] = []
    base: dict[str, str] = {}

    class CallsBack(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            # Needs the emulator lock and the event loop: both must be free while we answer.
            seen.append(httpx.get(base["url"] + "/_mockbsc/webhooks", timeout=3).status_code)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), CallsBack)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/sms"
    try:
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
    finally:
        receiver.shutdown()
        receiver.server_close()
