"""`--admin-token` closes the control plane (but `/health`); the server binds 127.0.0.1."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from mockbsc.cli import serve_settings
from mockbsc.config import Settings
from mockbsc.contract.document import CONTROL_CONTRACT, Contract
from tests.conftest import API

TOKEN = "s3cret-admin"
CLOSED = pytest.mark.mockbsc(admin_token=TOKEN)
CONTROL = Contract.load(CONTROL_CONTRACT)
SAMPLE = {"iccid": "8988280666030217999", "org_id": "4321", "fault_id": "1",
          "sandbox_id": "sb-1"}


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE[m.group(1)], path)


@CLOSED
@pytest.mark.parametrize("op", sorted(CONTROL.operations.values(), key=lambda o: o.id),
                         ids=lambda o: o.id)
def test_every_control_operation_needs_the_admin_token(client: TestClient, op: object) -> None:
    operation = CONTROL.operations[op.id]  # type: ignore[attr-defined]
    url = concrete(operation.path)
    open_path = operation.path == "/health"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = client.request(operation.method, url, headers=headers, json={})
        if open_path:
            assert response.status_code == 200
            continue
        assert response.status_code == 401, (headers, response.text)
        body = response.json()
        assert body["error"] == "Unauthorized"
        assert "admin token" in body["message"]
    allowed = client.request(operation.method, url, json={},
                             headers={"Authorization": f"Bearer {TOKEN}"})
    assert allowed.status_code != 401


@CLOSED
def test_the_bsc_api_does_not_need_the_admin_token(client: TestClient,
                                                   auth: dict[str, str]) -> None:
    assert client.get(f"{API}/v1/sims", headers=auth).status_code == 200
    assert client.get(f"{API}/api-docs").status_code == 200


def test_control_plane_is_open_without_an_admin_token(client: TestClient) -> None:
    assert client.get("/_mockbsc/clock").status_code == 200


def test_admin_token_from_flag_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOCKBSC_ADMIN_TOKEN", raising=False)
    assert serve_settings(["--admin-token", TOKEN]).admin_token == TOKEN
    monkeypatch.setenv("MOCKBSC_ADMIN_TOKEN", TOKEN)
    assert serve_settings([]).admin_token == TOKEN


def test_server_binds_loopback_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOCKBSC_HOST", raising=False)
    assert Settings().host == "127.0.0.1"
    assert serve_settings([]).host == "127.0.0.1"
    assert serve_settings(["--host", "0.0.0.0"]).host == "0.0.0.0"
