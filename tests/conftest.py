"""Shared fixtures for mockbsc's own tests, built on the mockbsc pytest plugin's fixtures.

The short names (`settings`, `emulator`, `client`, `auth`) are the plugin's fixtures under
the names the core tests use; a module may still override `settings` to change the emulator.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from mockbsc.config import Settings
from mockbsc.domain.platform import Emulator
from mockbsc.testing.plugin import settings_for
from mockbsc.testing.ports import listening_socket
from mockbsc.testing.receiver import WebhookReceiver
from mockbsc.testing.server import issue_token

pytest_plugins = ["pytester"]

API = "/management-api"
DEMO = ("demo", "demo-password")
OTHER = ("energie", "energie-password")
DEMO_ORG = 4321


@pytest.fixture
def settings(request: pytest.FixtureRequest) -> Settings:
    """Manual clock plus whatever the test's `@pytest.mark.mockbsc(...)` asks for."""
    return settings_for(request)


@pytest.fixture
def mockbsc_settings(settings: Settings) -> Settings:
    """The plugin's settings fixture, routed through `settings` so modules can override it."""
    return settings


@pytest.fixture
def emulator(mockbsc: Emulator) -> Emulator:
    return mockbsc


@pytest.fixture
def client(mockbsc_client: TestClient) -> TestClient:
    """In-process client; its teardown re-raises any server-side error (plugin behaviour)."""
    return mockbsc_client


def token_for(client: TestClient, credentials: tuple[str, str] = DEMO) -> str:
    response = client.post(f"{API}/oauth/token", auth=credentials,
                           data={"grant_type": "client_credentials"})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
def auth(client: TestClient) -> dict[str, str]:
    """Bearer headers of the demo user (organisation 4321), obtained over the token endpoint."""
    return {"Authorization": f"Bearer {token_for(client)}"}


@pytest.fixture
def other_auth(emulator: Emulator) -> dict[str, str]:
    """Bearer headers of a user of another organisation (5678)."""
    return issue_token(emulator, *OTHER).headers


@pytest.fixture
def iccid(client: TestClient, auth: dict[str, str]) -> str:
    """An enabled, attached SIM of the demo organisation."""
    sims = client.get(f"{API}/v1/sims", params={"pageSize": 100}, headers=auth).json()
    return next(s["iccid"] for s in sims if s["status"] == "Enabled")


@pytest.fixture
def receiver(client: TestClient, mockbsc_webhook_receiver: WebhookReceiver) -> WebhookReceiver:
    """The plugin's webhook receiver, with the demo organisation's SMS forwarding at it."""
    response = client.put(f"/_mockbsc/orgs/{DEMO_ORG}/sms-forwarding",
                          json={"url": mockbsc_webhook_receiver.url})
    assert response.status_code == 200
    return mockbsc_webhook_receiver


@pytest.fixture
def new_socket() -> Iterator[Callable[[], socket.socket]]:
    """Listening loopback sockets for the servers a test starts (closed at teardown): a
    server takes one over (`mockbsc serve --fd`), so no port is ever released and re-bound."""
    with contextlib.ExitStack() as stack:
        yield lambda: stack.enter_context(listening_socket())


@pytest.fixture
def sock(new_socket: Callable[[], socket.socket]) -> socket.socket:
    """One listening loopback socket, kept across a server's kill and restart."""
    return new_socket()
