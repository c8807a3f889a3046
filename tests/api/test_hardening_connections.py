"""Issue 12, connections: idle and slow clients are dropped, open connections are capped,
malformed HTTP gets JSON, and `/health` answers while 300 idle and 50 slow clients hold on."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from mockbsc.api import listener
from mockbsc.config import Settings
from mockbsc.testing.server import MockBSCServer

WAIT = 5.0  # how long a test waits for the server to close a connection (a busy box)


@pytest.fixture(autouse=True, params=["httptools", "h11"])
def http_protocol(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every rule holds on both of uvicorn's HTTP protocols: httptools, which mockbsc installs
    and uses, and h11, uvicorn's fallback when httptools is missing."""
    if request.param == "h11":
        from uvicorn.protocols.http.h11_impl import H11Protocol

        monkeypatch.setattr(listener, "base_protocol", lambda: H11Protocol)
    else:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        assert listener.base_protocol() is HttpToolsProtocol  # the default, not a fallback
    return str(request.param)


@contextlib.contextmanager
def serving(**values: str) -> Iterator[MockBSCServer]:
    settings = Settings().with_text({"header_timeout": "0.5", "keep_alive_timeout": "0.5",
                                     **values})
    with MockBSCServer(settings) as live:
        yield live


@pytest.fixture
def server() -> Iterator[MockBSCServer]:
    with serving() as live:
        yield live


def _connect(server: MockBSCServer) -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=WAIT)
    sock.settimeout(WAIT)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (a timeout fails the test)."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _json_body(raw: bytes) -> dict[str, object]:
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower(), raw
    result: dict[str, object] = json.loads(body)
    return result


def test_a_connection_that_sends_nothing_is_closed(server: MockBSCServer) -> None:
    with _connect(server) as sock:
        assert _read_all(sock) == b""


def test_a_client_dribbling_its_headers_gets_408_and_is_dropped(server: MockBSCServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        raw = _dribble_until_answered(sock)
        assert raw.startswith(b"HTTP/1.1 408"), raw
        assert _json_body(raw)["error"] == "RequestTimeout"


def test_an_idle_keep_alive_connection_is_closed(server: MockBSCServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        raw = _read_all(sock)  # the answer, then the close after 0.5 s idle
        assert raw.startswith(b"HTTP/1.1 200"), raw


def _dribble_until_answered(sock: socket.socket) -> bytes:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            sock.sendall(b"X-Slow: 1\r\n")
        except OSError:
            break
        sock.settimeout(0.1)
        try:
            return _read_all(sock)
        except TimeoutError:
            continue
    return b""


def test_the_next_head_on_a_kept_alive_connection_has_its_own_deadline() -> None:
    """The deadline is armed again after each answer: a client that got two answers on one
    connection, then dribbles the third request's head, gets 408 too."""
    with serving(keep_alive_timeout="30") as server, _connect(server) as sock:
        for _ in range(2):
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            head = b""
            while b"\r\n\r\n" not in head:
                head += sock.recv(65536)
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            body = head.partition(b"\r\n\r\n")[2]
            while len(body) < length:
                body += sock.recv(65536)
            assert head.startswith(b"HTTP/1.1 200"), head
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        raw = _dribble_until_answered(sock)
        assert raw.startswith(b"HTTP/1.1 408"), raw
        assert _json_body(raw)["error"] == "RequestTimeout"


def test_connections_over_the_cap_get_a_json_503() -> None:
    with serving(max_connections="5", header_timeout="30") as server:
        _over_the_cap(server)


def _over_the_cap(server: MockBSCServer) -> None:
    held = [_connect(server) for _ in range(5)]
    try:
        time.sleep(0.2)  # let the server accept the five (real sockets: no clock to move)
        with _connect(server) as extra:
            raw = _read_all(extra)
        assert raw.startswith(b"HTTP/1.1 503"), raw
        assert "5 connections" in str(_json_body(raw)["message"])
    finally:
        for sock in held:
            sock.close()


def test_malformed_http_gets_a_json_400(server: MockBSCServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        raw = _read_all(sock)
    assert raw.startswith(b"HTTP/1.1 400"), raw
    assert "Invalid HTTP request" in str(_json_body(raw)["message"])


def test_health_answers_while_300_idle_and_50_slow_clients_hold_on() -> None:
    with serving(header_timeout="10", keep_alive_timeout="5") as server:
        _health_under_load(server)


def _health_under_load(server: MockBSCServer) -> None:
    idle = [_connect(server) for _ in range(300)]
    slow = [_connect(server) for _ in range(50)]
    stop = threading.Event()

    def dribble() -> None:  # slowloris: one header line at a time, never the blank line
        for sock in slow:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        while not stop.wait(0.1):
            for sock in slow:
                with contextlib.suppress(OSError):
                    sock.sendall(b"X-a: b\r\n")

    dribbler = threading.Thread(target=dribble, daemon=True)
    dribbler.start()
    try:
        time.sleep(0.5)  # all of them connected and dribbling
        timings = []
        with httpx.Client(timeout=WAIT) as client:
            for _ in range(3):  # best of three: a busy two-core box may pause any one call
                started = time.perf_counter()
                assert client.get(server.url + "/health").status_code == 200
                timings.append(time.perf_counter() - started)
        assert min(timings) < 0.5, timings
    finally:
        stop.set()
        dribbler.join(WAIT)
        for sock in idle + slow:
            sock.close()


def test_an_endless_request_head_gets_a_json_400(server: MockBSCServer) -> None:
    with _connect(server) as sock:
        # 20 KiB of head, never finished: the server reads it all, so hangs up cleanly.
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 20_480)
        raw = _read_all(sock)
    assert raw.startswith(b"HTTP/1.1 400"), raw
    assert "Invalid HTTP request" in str(_json_body(raw)["message"])


def test_answers_carry_no_server_header_as_recorded(server: MockBSCServer) -> None:
    """S4: the platform's answers name no server; uvicorn's `server: uvicorn` is not sent."""
    answer = httpx.get(f"{server.url}/health", timeout=5)
    assert answer.status_code == 200
    assert "server" not in answer.headers
    assert "date" in answer.headers  # only the server header goes
