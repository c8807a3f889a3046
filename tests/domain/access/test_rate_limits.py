"""The platform's rate limits (api-facts.md §1), off by default, measured on the emulator clock."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from mockbsc.cli import build_parser, settings_from
from mockbsc.config import SettingsError
from mockbsc.domain.platform import Emulator
from tests.conftest import API, token_for

PLATFORM = pytest.mark.mockbsc(rate_limits="platform")


def test_limits_are_off_by_default(client: TestClient, auth: dict[str, str]) -> None:
    assert {client.get(f"{API}/v1/sims", headers=auth).status_code for _ in range(30)} == {200}


@PLATFORM
def test_sims_allow_ten_requests_per_second_per_organisation(
        client: TestClient, auth: dict[str, str], other_auth: dict[str, str],
        emulator: Emulator, iccid: str) -> None:
    # the `iccid` fixture made one /v1/sims call already
    statuses = [client.get(f"{API}/v1/sims/{iccid}", headers=auth).status_code
                for _ in range(10)]
    assert statuses == [200] * 9 + [429]
    refused = client.get(f"{API}/v1/sims", headers=auth)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["status"] == 429
    assert "10 requests per 1 s per organisation" in refused.json()["message"]
    assert client.get(f"{API}/v1/sims", headers=other_auth).status_code == 200  # other org
    emulator.advance(1)
    assert client.get(f"{API}/v1/sims", headers=auth).status_code == 200


@PLATFORM
def test_orders_and_products_allow_100_requests_per_5_minutes_per_client(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    for n in range(100):
        path = "/v1/products" if n % 2 else "/v1/orders"
        assert client.get(f"{API}{path}", headers=auth).status_code == 200, n
    refused = client.get(f"{API}/v1/orders", headers=auth)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "300"
    emulator.advance(120)
    assert client.get(f"{API}/v1/products", headers=auth).headers["Retry-After"] == "180"
    emulator.advance(180)
    assert client.get(f"{API}/v1/products", headers=auth).status_code == 200


@PLATFORM
def test_token_endpoint_and_control_plane_are_not_limited(client: TestClient) -> None:
    for _ in range(20):
        assert client.post(f"{API}/oauth/token", auth=("demo", "demo-password"),
                           data={"grant_type": "client_credentials"}).status_code == 200
        assert client.get("/_mockbsc/clock").status_code == 200


@PLATFORM
def test_a_reset_through_the_control_api_clears_the_counters(client: TestClient) -> None:
    """Guards: `POST /_mockbsc/reset` empties the rate-limit windows, per organisation and per
    client; the clock does not move, so only the reset can let the calls through again."""
    auth = {"Authorization": f"Bearer {token_for(client)}"}
    for _ in range(10):
        assert client.get(f"{API}/v1/sims", headers=auth).status_code == 200
    for _ in range(100):
        assert client.get(f"{API}/v1/products", headers=auth).status_code == 200
    assert client.get(f"{API}/v1/sims", headers=auth).status_code == 429
    assert client.get(f"{API}/v1/orders", headers=auth).status_code == 429
    now = client.get("/_mockbsc/clock").json()["now"]
    assert client.post("/_mockbsc/reset").status_code == 200
    assert client.get("/_mockbsc/clock").json()["now"] == now
    auth = {"Authorization": f"Bearer {token_for(client)}"}  # the reset dropped the tokens
    assert client.get(f"{API}/v1/sims", headers=auth).status_code == 200
    assert client.get(f"{API}/v1/orders", headers=auth).status_code == 200


def test_cli_switches_the_platform_limits_on() -> None:
    assert settings_from(build_parser().parse_args(["serve", "--rate-limits", "platform"]),
                         {}).rate_limits == "platform"
    assert settings_from(build_parser().parse_args(["serve"]),
                         {"MOCKBSC_RATE_LIMITS": "platform"}).rate_limits == "platform"
    with pytest.raises(SettingsError):
        settings_from(build_parser().parse_args(["serve", "--rate-limits", "strict"]), {})
