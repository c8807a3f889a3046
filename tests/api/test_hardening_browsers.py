"""Issue 12, the control plane against browsers: DNS rebinding (Host check), cross-origin
state changes (Origin, JSON only), `Location` never from an unchecked Host, and no passwords
in an exported state unless asked for."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from mockbsc.domain.platform import Emulator
from mockbsc.testing.server import MockBSCServer
from tests.conftest import API, token_for


@pytest.fixture
def loopback(mockbsc_app: Starlette) -> Iterator[TestClient]:
    """An in-process client whose requests arrive on 127.0.0.1, as on a loopback-bound server."""
    with TestClient(mockbsc_app, base_url="http://127.0.0.1:8080") as client:
        yield client


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "192.168.1.5:8080"])
def test_a_rebinding_host_is_refused_on_loopback(loopback: TestClient, host: str) -> None:
    response = loopback.get("/_mockbsc/state", headers={"Host": host})
    assert response.status_code == 400, response.text
    assert "DNS rebinding" in response.json()["message"]
    assert response.json()["error"] == "BadRequest"


@pytest.mark.parametrize("host", ["localhost:8080", "127.0.0.1:8080", "[::1]:8080",
                                  "app.localhost", "LOCALHOST"])
def test_loopback_names_are_answered_on_loopback(loopback: TestClient, host: str) -> None:
    assert loopback.get("/health", headers={"Host": host}).status_code == 200


def test_the_bsc_api_is_guarded_too(loopback: TestClient) -> None:
    response = loopback.get(f"{API}/v1/products", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert response.json()["status"] == 400  # the API's own envelope


def test_a_sidecar_answers_its_service_name(mockbsc_app: Starlette) -> None:
    with TestClient(mockbsc_app, base_url="http://mockbsc:8080") as client:
        assert client.get("/health").status_code == 200


@pytest.mark.mockbsc(allowed_hosts="mockbsc,*.internal")
def test_allowed_hosts_sets_the_list(mockbsc_app: Starlette) -> None:
    with TestClient(mockbsc_app, base_url="http://mockbsc:8080") as client:
        assert client.get("/health").status_code == 200
        assert client.get("/health", headers={"Host": "a.internal"}).status_code == 200
        assert client.get("/health", headers={"Host": "other"}).status_code == 400


def test_a_live_loopback_server_refuses_a_foreign_host() -> None:
    with MockBSCServer() as server:
        refused = httpx.get(server.url + "/_mockbsc/state", headers={"Host": "evil.example"})
        assert refused.status_code == 400
        assert httpx.get(server.url + "/health").status_code == 200


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"}, {"Origin": "null"},
    {"Origin": "http://mockbsc:9999"}, {"Sec-Fetch-Site": "cross-site"},
], ids=["other-origin", "null-origin", "other-port", "fetch-metadata"])
def test_a_cross_origin_control_change_is_refused(client: TestClient, emulator: Emulator,
                                                  headers: dict[str, str]) -> None:
    before = emulator.now()
    response = client.post("/_mockbsc/clock/advance", json={"seconds": 60}, headers=headers)
    assert response.status_code == 403, response.text
    assert "cross-origin" in response.json()["message"]
    assert emulator.now() == before


def test_a_same_origin_control_change_is_answered(client: TestClient) -> None:
    response = client.post("/_mockbsc/clock/advance", json={"seconds": 1},
                           headers={"Origin": str(client.base_url).rstrip("/")})
    assert response.status_code == 200, response.text


def test_a_cross_origin_read_is_not_refused_by_origin(client: TestClient) -> None:
    assert client.get("/_mockbsc/clock", headers={"Origin": "http://x"}).status_code == 200


@pytest.mark.parametrize("media", ["text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", None])
def test_a_control_change_with_a_non_json_body_is_415(client: TestClient, iccid: str,
                                                      media: str | None) -> None:
    headers = {"Content-Type": media} if media else {}
    response = client.post(f"/_mockbsc/sims/{iccid}/detach", content=b"a=b", headers=headers)
    assert response.status_code == 415, response.text


def test_location_is_not_built_from_an_unchecked_host(client: TestClient,
                                                      auth: dict[str, str],
                                                      iccid: str) -> None:
    response = client.post(f"{API}/v1/sims/{iccid}/topup", headers={**auth,
                                                                    "Host": "evil.example"})
    assert response.status_code == 201, response.text
    own = str(client.base_url).rstrip("/")  # the server's own name (no Host check in process)
    assert response.headers["Location"].startswith(f"{own}/management-api/")


def test_the_exported_state_has_no_passwords_unless_asked(client: TestClient) -> None:
    plain = client.get("/_mockbsc/state")
    assert plain.status_code == 200
    assert "demo-password" not in plain.text
    assert '"password"' not in plain.text
    assert "demo-password" in client.get("/_mockbsc/state?secrets=true").text


def test_a_state_without_passwords_loads_and_users_keep_theirs(client: TestClient) -> None:
    document = client.get("/_mockbsc/state").json()
    response = client.put("/_mockbsc/state", json=document)
    assert response.status_code == 200, response.text
    assert token_for(client)  # demo / demo-password still logs in
