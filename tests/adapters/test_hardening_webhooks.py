"""Issue 12, webhook calls: a total deadline of `--webhook-timeout`, and at most
`MAX_ANSWER_BYTES` of the receiver's answer read."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from mockbsc.adapters.webhook_sender import HttpSender
from mockbsc.domain.sms.outbox import Outgoing

Answer = Callable[[socket.socket], None]


@pytest.fixture
def receiver() -> Iterator[Callable[[Answer], str]]:
    """A raw TCP receiver that reads one request and then runs `answer` on the socket;
    yields a starter giving its URL."""
    servers: list[socket.socket] = []

    def start(answer: Answer) -> str:
        server = socket.create_server(("127.0.0.1", 0))
        servers.append(server)

        def run() -> None:
            conn, _ = server.accept()
            with conn:
                conn.settimeout(10)
                conn.recv(65536)
                with contextlib.suppress(OSError):  # the sender hung up: what we test
                    answer(conn)

        threading.Thread(target=run, daemon=True).start()
        return f"http://127.0.0.1:{server.getsockname()[1]}/sms"

    yield start
    for server in servers:
        server.close()


def _outgoing(url: str) -> Outgoing:
    return Outgoing(1, "POST", url, None, datetime(2026, 1, 5, tzinfo=UTC))  # type: ignore[arg-type]


def _render(sent: Any) -> bytes:
    return b"{}"


def test_a_receiver_dribbling_its_answer_is_cut_off_at_the_total_deadline(
        receiver: Callable[[Answer], str]) -> None:
    def dribble(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):
            conn.sendall(b"x")
            time.sleep(0.2)  # the receiver's pace (real sockets, no emulator clock here)

    url = receiver(dribble)
    started = time.perf_counter()
    [outcome] = HttpSender(_render, timeout=1.0).send([_outgoing(url)])
    elapsed = time.perf_counter() - started
    assert outcome.error == "timeout after 1 s"
    assert elapsed < 3.0  # one total deadline, not one per read (was: 200 s here)


def test_only_the_start_of_a_huge_answer_is_read(
        receiver: Callable[[Answer], str]) -> None:
    total = [0]

    def flood(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 400000000\r\n\r\n")
        chunk = b"x" * 1_000_000
        for _ in range(400):
            conn.sendall(chunk)
            total[0] += len(chunk)

    url = receiver(flood)
    [outcome] = HttpSender(_render, timeout=10.0).send([_outgoing(url)])
    time.sleep(0.2)  # let the receiver notice the closed connection
    assert outcome.status == 200, outcome
    assert total[0] < 50_000_000  # the sender stopped reading (socket buffers take a few MB)


def test_a_sender_called_inside_a_running_loop_still_sends(
        receiver: Callable[[Answer], str]) -> None:
    import asyncio

    def ok(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")

    url = receiver(ok)

    async def inside() -> Any:
        return HttpSender(_render, timeout=5.0).send([_outgoing(url)])

    [outcome] = asyncio.run(inside())
    assert outcome.status == 204, outcome


def test_batches_reuse_one_kept_alive_connection() -> None:
    """A clock move releases retries one moment at a time, often one per batch: the batches
    share a client whose connection stays open, instead of connecting anew each time."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    requests: list[bytes] = []

    def serve() -> None:
        conn, _ = server.accept()
        accepted.append(conn)
        conn.settimeout(10)
        pending = b""
        with contextlib.suppress(OSError):
            while chunk := conn.recv(65536):
                pending += chunk
                # Answer each whole request once: a request may arrive in several chunks.
                while b"\r\n\r\n" in pending:
                    head, _, rest = pending.partition(b"\r\n\r\n")
                    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                                   if line.lower().startswith(b"content-length:")), 0)
                    if len(rest) < length:
                        break
                    requests.append(head + b"\r\n\r\n" + rest[:length])
                    pending = rest[length:]
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}/sms"
    sender = HttpSender(_render, timeout=5.0)
    try:
        outcomes = [sender.send([_outgoing(url)])[0] for _ in range(3)]
        assert [o.status for o in outcomes] == [200, 200, 200]
        assert len(accepted) == 1  # a second connection would wait unaccepted: a timeout
    finally:
        server.close()
        for conn in accepted:
            conn.close()
