"""Faults on demand: status, latency and dropped connections, by operation, org or SIM."""

from __future__ import annotations

import time

import httpx
import pytest
from starlette.testclient import TestClient

from mockbsc.api.gate import ConnectionDropped
from mockbsc.cli import build_parser, settings_from
from mockbsc.config import Settings, SettingsError
from mockbsc.domain.errors import InvalidRequestError
from mockbsc.domain.faults.rules import CallInfo, FaultBook, parse_specs
from mockbsc.domain.platform import Emulator
from mockbsc.testing.server import MockBSCServer, issue_token
from tests.conftest import API

SIM_RULE = {"method": "GET", "path": "/v1/sims/{iccid}", "status": 503, "times": 2}


def test_status_fault_fires_for_the_next_n_calls_then_stops(
        client: TestClient, auth: dict[str, str], iccid: str) -> None:
    created = client.post("/_mockbsc/faults", json=SIM_RULE)
    assert created.status_code == 201
    assert created.json() == {**SIM_RULE, "id": 1, "hits": 0, "remaining": 2}
    statuses = [client.get(f"{API}/v1/sims/{iccid}", headers=auth) for _ in range(3)]
    assert [r.status_code for r in statuses] == [503, 503, 200]
    assert statuses[0].headers["Retry-After"] == "1"
    body = statuses[0].json()
    assert body["status"] == 503
    assert body["path"] == f"{API}/v1/sims/{iccid}"
    assert "Injected fault" in body["message"]
    assert client.get("/_mockbsc/faults").json()[0]["remaining"] == 0


def test_every_injected_fault_is_marked_in_the_request_journal(
        client: TestClient, auth: dict[str, str], iccid: str) -> None:
    client.post("/_mockbsc/faults", json=SIM_RULE)
    client.get(f"{API}/v1/sims/{iccid}", headers=auth)
    client.get(f"{API}/v1/sims", headers=auth)
    entries = client.get("/_mockbsc/requests").json()
    marked = {e["operation"]: e.get("fault") for e in entries}
    assert marked["getSimUsingGET"] == "rule 1: status 503"
    assert marked["getSimsUsingGET"] is None


def test_fault_matches_by_operation_org_and_iccid(
        client: TestClient, auth: dict[str, str], other_auth: dict[str, str],
        iccid: str) -> None:
    client.post("/_mockbsc/faults", json={"operation": "getSimsUsingGET", "org_id": 5678,
                                          "status": 500})
    client.post("/_mockbsc/faults", json={"iccid": iccid, "status": 502})
    assert client.get(f"{API}/v1/sims", headers=auth).status_code == 200
    assert client.get(f"{API}/v1/sims", headers=other_auth).status_code == 500
    assert client.get(f"{API}/v1/sims/{iccid}/status", headers=auth).status_code == 502
    assert client.get(f"{API}/v1/sims/{iccid}/quota/data", headers=auth).status_code == 502


def test_path_glob_and_full_path_match(client: TestClient, auth: dict[str, str]) -> None:
    client.post("/_mockbsc/faults", json={"path": f"{API}/v1/orders*", "status": 500})
    assert client.get(f"{API}/v1/orders", headers=auth).status_code == 500
    assert client.get(f"{API}/v1/products", headers=auth).status_code == 200


def test_token_endpoint_fault_uses_its_envelope_and_status(client: TestClient) -> None:
    client.post("/_mockbsc/faults", json={"operation": "postAccessTokenPOST", "status": 429,
                                          "retry_after": 30})
    response = client.post(f"{API}/oauth/token", auth=("demo", "demo-password"),
                           data={"grant_type": "client_credentials"})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "30"
    assert response.json()["status"] == 429


def test_probability_draws_from_the_rule_seed_reproducibly() -> None:
    def draws(seed: int) -> list[bool]:
        book = FaultBook()
        book.add({"status": 500, "probability": 0.5, "seed": seed})
        call = CallInfo("GET", "/v1/sims", "/v1/sims", "getSimsUsingGET")
        return [book.pick(call) is not None for _ in range(40)]

    assert draws(7) == draws(7)
    assert draws(7) != draws(8)
    assert 5 < sum(draws(7)) < 35


def test_random_latency_stays_in_its_range_and_repeats_with_the_seed() -> None:
    def latencies() -> list[float]:
        book = FaultBook()
        book.add({"latency_ms": 100, "latency_max_ms": 300, "seed": 3})
        call = CallInfo("GET", "/v1/sims", "/v1/sims", "getSimsUsingGET")
        return [fault.latency for _ in range(20) if (fault := book.pick(call))]

    first = latencies()
    assert first == latencies()
    assert all(0.1 <= s <= 0.3 for s in first)
    assert len(set(first)) > 1


def test_latency_delays_the_answer_in_real_time(client: TestClient,
                                                auth: dict[str, str]) -> None:
    client.post("/_mockbsc/faults", json={"operation": "getProductsUsingGET", "latency_ms": 150})
    started = time.perf_counter()
    response = client.get(f"{API}/v1/products", headers=auth)
    assert response.status_code == 200
    assert time.perf_counter() - started >= 0.15
    journal = client.get("/_mockbsc/requests").json()
    assert journal[-1]["fault"] == "rule 1: latency 150ms"


def test_dropped_connection_in_process_raises_what_httpx_raises(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    client.post("/_mockbsc/faults", json={"operation": "getProductsUsingGET", "drop": True,
                                          "times": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(f"{API}/v1/products", headers=auth)
    assert client.get(f"{API}/v1/products", headers=auth).status_code == 200
    assert emulator.errors == []  # a fault on purpose is no emulator error
    assert issubclass(ConnectionDropped, httpx.TransportError)


def test_dropped_connection_over_the_network_closes_the_socket() -> None:
    with MockBSCServer(Settings(clock="manual")) as server:
        server.emulator.faults.add({"operation": "getProductsUsingGET", "drop": True,
                                    "times": 1})
        headers = issue_token(server.emulator).headers
        with httpx.Client(base_url=server.url) as http:
            with pytest.raises(httpx.RemoteProtocolError):
                http.get(f"{API}/v1/products", headers=headers)
            assert http.get(f"{API}/v1/products", headers=headers).status_code == 200
        deadline = time.monotonic() + 5
        while len(server.emulator.journal) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # the dropped call is journaled once its handler has finished
        marked = {(e.status, e.fault) for e in server.emulator.journal}
        assert marked == {(444, "rule 1: drop"), (200, None)}  # 444: closed without response
        server.check()


def test_rules_are_listed_changed_and_cleared_at_run_time(client: TestClient) -> None:
    client.post("/_mockbsc/faults", json=SIM_RULE)
    client.post("/_mockbsc/faults", json={"operation": "getSimsUsingGET", "latency_ms": 5})
    changed = client.put("/_mockbsc/faults/1", json={"status": 500})
    assert changed.status_code == 200
    assert changed.json() == {"id": 1, "status": 500, "hits": 0}
    assert client.get("/_mockbsc/faults/1").json()["status"] == 500
    assert client.delete("/_mockbsc/faults/2").status_code == 204
    assert client.delete("/_mockbsc/faults/2").status_code == 404
    assert [r["id"] for r in client.get("/_mockbsc/faults").json()] == [1]
    assert client.delete("/_mockbsc/faults").status_code == 204
    assert client.get("/_mockbsc/faults").json() == []


@pytest.mark.parametrize("rule", [
    {"status": 200}, {"status": 503, "drop": True}, {"times": 2}, {"status": 500, "times": 0},
    {"status": 500, "probability": 1.5}, {"latency_ms": 900_000}, {"status": 500, "x": 1},
    {"latency_ms": 200, "latency_max_ms": 100}, {"status": "503"},
], ids=["not-error", "status-and-drop", "no-action", "times-0", "probability", "latency",
        "unknown-field", "latency-range", "status-text"])
def test_bad_rules_get_a_400_naming_the_field(client: TestClient, rule: dict[str, object]) -> None:
    response = client.post("/_mockbsc/faults", json=rule)
    assert response.status_code == 400
    assert response.json()["error"]
    assert client.get("/_mockbsc/faults").json() == []


def test_cli_fault_flags_accept_json_and_compact_rules() -> None:
    args = build_parser().parse_args([
        "serve", "--fault", "GET /v1/sims/{iccid} status=503 times=2",
        "--fault", '{"operation": "getSimsUsingGET", "latency_ms": 250, "latency_max_ms": 900}',
        "--fault", "topUpUsingPOST drop=true probability=0.5 seed=9",
    ])
    settings = settings_from(args, {"MOCKBSC_FAULTS": "getProductsUsingGET status=500"})
    rules = parse_specs(settings.faults or "")
    assert rules == [
        {"operation": "getProductsUsingGET", "status": 500},
        {"method": "GET", "path": "/v1/sims/{iccid}", "status": 503, "times": 2},
        {"operation": "getSimsUsingGET", "latency_ms": 250, "latency_max_ms": 900},
        {"operation": "topUpUsingPOST", "drop": True, "probability": 0.5, "seed": 9},
    ]


@pytest.mark.parametrize("text", ["GET /v1/sims status=abc", "getSims", '{"status": 200}',
                                  "{not json"])
def test_cli_rejects_a_bad_fault(text: str) -> None:
    with pytest.raises(SettingsError):
        settings_from(build_parser().parse_args(["serve", "--fault", text]), {})
    with pytest.raises((SettingsError, InvalidRequestError)):
        Settings().with_text({"faults": text})


@pytest.mark.mockbsc(faults="getProductsUsingGET status=500 times=1")
def test_configured_faults_come_back_after_a_reset(client: TestClient, auth: dict[str, str],
                                                   emulator: Emulator) -> None:
    assert client.get(f"{API}/v1/products", headers=auth).status_code == 500
    assert client.get(f"{API}/v1/products", headers=auth).status_code == 200
    emulator.reset()
    fresh = issue_token(emulator).headers
    assert client.get(f"{API}/v1/products", headers=fresh).status_code == 500


def test_faults_never_touch_the_control_plane(client: TestClient) -> None:
    client.post("/_mockbsc/faults", json={"path": "*", "status": 503})
    assert client.get("/_mockbsc/faults").status_code == 200
    assert client.get("/health").status_code == 200
