"""A sandbox's size limit is inclusive, and the 429 over the maximum names the path it refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from mockbsc.api.app import create_app
from mockbsc.api.handlers.sandboxes import MAX_SIMS
from mockbsc.api.sandboxes import SandboxRegistry
from mockbsc.domain.platform import Emulator


@pytest.fixture
def server(emulator: Emulator) -> Iterator[TestClient]:
    when = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    registry = SandboxRegistry(ttl=3600, max_sandboxes=1, now=lambda: when)
    with TestClient(create_app(emulator, sandboxes=registry),
                    base_url="http://localhost") as client:
        yield client


def _fleet(sims: int) -> dict[str, object]:
    return {"organisations": [{"id": 5, "name": "Five", "sims": sims}],
            "users": [{"username": "u", "password": "p", "organisation": 5, "user_id": 1}]}


def test_a_sandbox_of_exactly_the_maximum_is_made_and_one_more_sim_is_refused(
        server: TestClient) -> None:
    over = server.put("/_mockbsc/sandboxes/big", json={"fixtures": _fleet(MAX_SIMS + 1)})
    assert over.status_code == 400
    assert over.json()["message"] == (f"fixtures: the sandbox would hold {MAX_SIMS + 1} SIMs; "
                                      f"at most {MAX_SIMS} per sandbox")
    made = server.put("/_mockbsc/sandboxes/big", json={"fixtures": _fleet(MAX_SIMS)})
    assert made.status_code == 201, made.text
    assert made.json()["sims"] == MAX_SIMS


def test_the_429_over_the_maximum_names_the_refused_path(server: TestClient) -> None:
    assert server.put("/_mockbsc/sandboxes/first").status_code == 201
    refused = server.put("/_mockbsc/sandboxes/second")
    assert refused.status_code == 429
    body = refused.json()
    assert (body["status"], body["error"], body["path"]) == (
        429, "Too Many Requests", "/_mockbsc/sandboxes/second")


def test_a_boolean_setting_and_several_users_reach_the_sandbox(server: TestClient) -> None:
    body = server.put("/_mockbsc/sandboxes/own", json={
        "fixtures": _fleet(3), "token_reuse": False, "users": ["a:pa:5", "b:pb:5"]}).json()
    assert {(u["username"], u["org_id"]) for u in body["users"]} >= {("a", 5), ("b", 5)}
    tokens = [server.post("/sandboxes/own/management-api/oauth/token", auth=("a", "pa"),
                          data={"grant_type": "client_credentials"}).json()["access_token"]
              for _ in range(2)]
    assert tokens[0] != tokens[1]  # token_reuse false: a new token per request
    assert server.post("/sandboxes/own/management-api/oauth/token", auth=("b", "pb"),
                       data={"grant_type": "client_credentials"}).status_code == 200
