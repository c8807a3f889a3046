"""`WebhookReceiver`: a real local HTTP endpoint that records what mockbsc sends to it.

Stands in for the customer's SMS-forwarding / delivery-report endpoint. It is a plain
stdlib `ThreadingHTTPServer` (no extra dependency, starts in a millisecond) so tests see the
deliveries exactly as they went over the wire, and it can be told to fail the next N of them
to exercise mockbsc's retries.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    """One request the receiver got, and the status it answered with."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """Records every request; answers 200, or `fail_status` for the next `fail_next(n)` ones.

    Args:
        host: address to bind (the port is always a free one).
        path: the path part of `.url`; any path is accepted and recorded.
    """

    def __init__(self, host: str = "127.0.0.1", path: str = "/webhook") -> None:
        self._lock = threading.Lock()
        self._requests: list[ReceivedRequest] = []
        self._failures = 0
        self._fail_status = 500
        self._server = ThreadingHTTPServer((host, 0), _handler_for(self._answer))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        self.host = host
        self.port = int(self._server.server_address[1])
        self.path = path

    @property
    def url(self) -> str:
        """Where to point mockbsc's SMS forwarding, e.g. `http://127.0.0.1:40123/webhook`."""
        return f"http://{self.host}:{self.port}{self.path}"

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Everything received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        """Answer the next `count` requests with `status` (they are still recorded)."""
        with self._lock:
            self._failures = count
            self._fail_status = status

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self._failures = 0

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[ReceivedRequest]:
        """Poll until at least `count` requests arrived; raises TimeoutError with what did."""
        deadline = time.monotonic() + timeout
        while len(received := self.requests) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"expected {count} request(s) at {self.url} within "
                                   f"{timeout}s, got {len(received)}")
            time.sleep(0.01)
        return received

    def _answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            status = 200
            if self._failures > 0:
                self._failures -= 1
                status = self._fail_status
            self._requests.append(ReceivedRequest(method, path, headers, body, status))
        return status

    def start(self) -> WebhookReceiver:
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever,
                                            kwargs={"poll_interval": 0.05},
                                            name=f"webhook:{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


Answer = Callable[[str, str, dict[str, str], bytes], int]


def _handler_for(answer: Answer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status = answer(self.command, self.path, dict(self.headers.items()), body)
            payload = b"{}" if status < 400 else b'{"error":"failing as told"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_POST = do_PATCH = do_PUT = do_GET = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read .requests
            pass

    return Handler
