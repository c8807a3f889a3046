"""The one port helper: sockets stay bound until their server takes them over."""

from __future__ import annotations

import socket
import subprocess
import sys

import httpx
import pytest

from mockbsc.testing.ports import listening_socket, port_of, refusing_port, unbound_port_number
from mockbsc.testing.receiver import ReceivedRequest, WebhookReceiver


def test_a_listening_socket_holds_its_port_against_other_binds() -> None:
    with listening_socket() as held, socket.socket() as other:
        assert port_of(held) > 0
        with pytest.raises(OSError, match="in use"):
            other.bind(("127.0.0.1", port_of(held)))


def test_a_refusing_port_refuses_connections_while_held() -> None:
    with refusing_port() as port, socket.socket() as client, \
            pytest.raises(ConnectionRefusedError):
        client.connect(("127.0.0.1", port))


def test_the_racy_port_number_is_free_once_returned() -> None:
    port = unbound_port_number()
    with listening_socket(port=port) as sock:
        assert port_of(sock) == port


def test_serve_takes_over_an_inherited_socket() -> None:
    with listening_socket() as sock:
        port = port_of(sock)
        process = subprocess.Popen(
            [sys.executable, "-m", "mockbsc", "serve", "--fd", str(sock.fileno()),
             "--log-level", "warning"], pass_fds=[sock.fileno()],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            # The socket listens already: this connection waits in its backlog until the
            # child serves it, so no polling for start-up is needed.
            response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=30)
            assert response.status_code == 200
        finally:
            process.terminate()
            _, errors = process.communicate(timeout=15)
    assert f"http://127.0.0.1:{port}/management-api".encode() in errors


def test_a_receiver_that_is_down_refuses_and_keeps_its_port() -> None:
    with WebhookReceiver(path="/hook") as receiver:
        receiver.down()
        with pytest.raises(httpx.ConnectError):
            httpx.post(receiver.url, json={"n": 1})
        with socket.socket() as other, pytest.raises(OSError, match="in use"):
            other.bind(("127.0.0.1", receiver.port))
        receiver.up()
        assert httpx.post(receiver.url, json={"n": 2}).status_code == 200
        assert receiver.bodies() == [{"n": 2}]


def test_a_receiver_runs_its_hook_before_it_answers() -> None:
    seen: list[ReceivedRequest] = []
    with WebhookReceiver(on_request=seen.append) as receiver:
        httpx.patch(receiver.url, json={"n": 1})
        httpx.post(receiver.url, json={"n": 2})
    assert [(r.method, r.path) for r in seen] == [("PATCH", "/webhook"), ("POST", "/webhook")]
    assert receiver.bodies("POST") == [{"n": 2}]
