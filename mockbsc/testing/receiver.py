"""`WebhookReceiver`: a real local HTTP endpoint that records what mockbsc sends to it.

Stands in for the customer's SMS-forwarding / delivery-report endpoint. It is a plain
stdlib `ThreadingHTTPServer` (no extra dependency, starts in a millisecond) so tests see the
deliveries exactly as they went over the wire, and it can be told to fail the next N of them
to exercise mockbsc's retries, to go down (connections refused, the port kept) and up again,
or to run a hook before it answers (a slow receiver, one that calls the API back).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from mockbsc.testing.ports import listening_socket, port_of


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
        host: address to bind.
        port: port to bind; 0 (default) takes a free one.
        path: the path part of `.url`; any path is accepted and recorded.
        on_request: called with each request (already recorded) before it is answered, in
            the thread serving it: make the receiver slow, or call the API back first.
    """

    def __init__(self, host: str = "127.0.0.1", path: str = "/webhook",
                 on_request: Callable[[ReceivedRequest], None] | None = None,
                 port: int = 0) -> None:
        self._lock = threading.Lock()
        self._requests: list[ReceivedRequest] = []
        self._failures = 0
        self._fail_status = 500
        self._on_request = on_request
        # `_holder` (bound with SO_REUSEPORT, never listening) keeps the port for the
        # receiver's whole life: `down()` closes only the listener, so connections are
        # refused, and `up()` binds a new listener to the same port; nobody else can take it.
        self._holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        self._holder.bind((host, port))
        self.host = host
        self.port = port_of(self._holder)
        self.path = path
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

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

    def bodies(self, method: str | None = None) -> list[Any]:
        """The JSON bodies received so far (of `method` requests only, if given)."""
        return [r.json() for r in self.requests if method in (None, r.method)]

    def _answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            status = 200
            if self._failures > 0:
                self._failures -= 1
                status = self._fail_status
            request = ReceivedRequest(method, path, headers, body, status)
            self._requests.append(request)
        if self._on_request is not None:
            self._on_request(request)
        return status

    def start(self) -> WebhookReceiver:
        """Serve in a daemon thread (the port was bound at construction). Idempotent."""
        return self.up()

    def up(self) -> WebhookReceiver:
        """Accept connections again on the same port (after `down()`)."""
        if self._thread is None:
            listener = listening_socket(self.host, self.port, reuse_port=True)
            server = ThreadingHTTPServer((self.host, self.port), _handler_for(self._answer),
                                         bind_and_activate=False)
            server.socket.close()
            server.socket = listener
            server.daemon_threads = True
            self._server = server
            self._thread = threading.Thread(target=server.serve_forever,
                                            kwargs={"poll_interval": 0.05},
                                            name=f"webhook:{self.port}", daemon=True)
            self._thread.start()
        return self

    def down(self) -> None:
        """Stop answering: connections are refused (not timed out) until `up()`."""
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._server.server_close()
        self._server = self._thread = None

    def stop(self) -> None:
        """Stop serving and release the port. Safe to call twice."""
        self.down()
        self._holder.close()

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
