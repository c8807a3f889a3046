"""Shared fixtures for mockbsc's own tests: an in-process app on a manual clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from mockbsc.api.app import create_app
from mockbsc.config import Settings
from mockbsc.domain.emulator import Emulator
from mockbsc.seed import load_scenario

API = "/management-api"
DEMO = ("demo", "demo-password")
OTHER = ("energie", "energie-password")


@pytest.fixture
def settings() -> Settings:
    return Settings(clock="manual")


@pytest.fixture
def emulator(settings: Settings) -> Emulator:
    return Emulator(settings, load_scenario(settings.fixtures))


@pytest.fixture
def client(emulator: Emulator) -> Iterator[TestClient]:
    with TestClient(create_app(emulator), base_url="http://mockbsc") as test_client:
        yield test_client
    emulator.check()


def token_for(client: TestClient, credentials: tuple[str, str] = DEMO) -> str:
    response = client.post(f"{API}/oauth/token", auth=credentials,
                           data={"grant_type": "client_credentials"})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
def auth(client: TestClient) -> dict[str, str]:
    """Bearer headers of the demo user (organisation 4321)."""
    return {"Authorization": f"Bearer {token_for(client)}"}


@pytest.fixture
def other_auth(client: TestClient) -> dict[str, str]:
    """Bearer headers of a user of another organisation (5678)."""
    return {"Authorization": f"Bearer {token_for(client, OTHER)}"}


@pytest.fixture
def iccid(client: TestClient, auth: dict[str, str]) -> str:
    """An enabled, attached SIM of the demo organisation."""
    sims = client.get(f"{API}/v1/sims", params={"pageSize": 100}, headers=auth).json()
    return next(s["iccid"] for s in sims if s["status"] == "Enabled")
