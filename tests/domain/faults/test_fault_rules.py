"""Fault rules as data: which calls a rule matches, what it answers, how it shows on the wire,
and how configuration text (`--fault`, `MOCKBSC_FAULTS`) is checked."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.errors import InvalidRequestError
from mockbsc.domain.faults.rules import CallInfo, FaultBook, parse_specs
from tests.conftest import API

SIMS = CallInfo("GET", "/v1/sims", "/v1/sims", "getSimsUsingGET", 4321, None)
ONE_SIM = CallInfo("GET", "/v1/sims/{iccid}", "/v1/sims/89", "getSimUsingGET", 4321, "89")


def _fires(rule: dict[str, Any], call: CallInfo) -> bool:
    book = FaultBook("/management-api")
    book.add(rule)
    return book.pick(call) is not None


@pytest.mark.parametrize(("rule", "call", "fires"), [
    ({"method": "get", "status": 500}, SIMS, True),
    ({"method": "POST", "status": 500}, SIMS, False),
    ({"operation": "getSimsUsingGET", "status": 500}, SIMS, True),
    ({"operation": "getSimUsingGET", "status": 500}, SIMS, False),
    ({"org_id": 4321, "status": 500}, SIMS, True),
    ({"org_id": 5678, "status": 500}, SIMS, False),
    ({"iccid": "89", "status": 500}, ONE_SIM, True),
    ({"iccid": "90", "status": 500}, ONE_SIM, False),
    ({"path": "/v1/sims/{iccid}", "status": 500}, ONE_SIM, True),
    ({"path": "/v1/sims/89", "status": 500}, ONE_SIM, True),
    ({"path": "/management-api/v1/sims/89", "status": 500}, ONE_SIM, True),
    ({"path": "/v1/sims/8*", "status": 500}, ONE_SIM, True),
    ({"path": "/v1/sims/9*", "status": 500}, ONE_SIM, False),
    ({"path": "/v1/sims", "status": 500}, ONE_SIM, False),
    ({"status": 500, "probability": 0}, SIMS, False),
    ({"status": 500, "probability": 1}, SIMS, True),
], ids=["method-lower", "method-other", "operation", "operation-other", "org", "org-other",
        "iccid", "iccid-other", "template", "concrete-path", "full-path", "glob", "glob-other",
        "prefix-only", "probability-0", "probability-1"])
def test_rule_matches_only_the_calls_it_names(rule: dict[str, Any], call: CallInfo,
                                              fires: bool) -> None:
    assert _fires(rule, call) is fires


def test_first_matching_rule_wins_and_counts_down() -> None:
    book = FaultBook()
    book.add({"operation": "getSimUsingGET", "status": 502})
    book.add({"status": 503, "times": 2})
    fired = [book.pick(SIMS) for _ in range(3)]
    assert [f.status if f else None for f in fired] == [503, 503, None]
    assert [f.rule_id if f else None for f in fired] == [2, 2, None]
    assert book.rules()[1].to_dict() == {"id": 2, "status": 503, "times": 2, "hits": 2,
                                         "remaining": 0}
    one = book.pick(ONE_SIM)
    assert one is not None
    assert (one.rule_id, one.status) == (1, 502)


@pytest.mark.parametrize(("rule", "retry_after", "message"), [
    ({"status": 503}, 1, "Injected fault (mockbsc rule 1): status 503"),
    ({"status": 429}, 1, "Injected fault (mockbsc rule 1): status 429"),
    ({"status": 500}, None, "Injected fault (mockbsc rule 1): status 500"),
    ({"status": 503, "retry_after": 0}, 0, "Injected fault (mockbsc rule 1): status 503"),
    ({"status": 500, "retry_after": 9, "message": "down"}, 9, "down"),
], ids=["503", "429", "500", "retry-0", "own-message"])
def test_fault_answer_has_its_message_and_retry_after(
        rule: dict[str, Any], retry_after: int | None, message: str) -> None:
    book = FaultBook()
    book.add(rule)
    fault = book.pick(SIMS)
    assert fault is not None
    assert (fault.retry_after, fault.message, fault.latency, fault.drop) == (
        retry_after, message, 0.0, False)


def test_fault_labels_name_rule_latency_drop_and_status() -> None:
    book = FaultBook()
    book.add({"latency_ms": 250, "status": 504, "times": 1})
    book.add({"drop": True, "times": 1})
    book.add({"latency_ms": 1.4, "drop": True})
    labels = []
    for _ in range(3):
        fault = book.pick(SIMS)
        assert fault is not None
        labels.append(fault.label)
    assert labels == ["rule 1: latency 250ms, status 504", "rule 2: drop",
                      "rule 3: latency 1ms, drop"]


def test_rule_wire_form_leaves_out_what_is_unset(client: TestClient) -> None:
    created = client.post("/_mockbsc/faults", json={
        "method": "get", "path": f"{API}/v1/sims", "latency_ms": 0, "drop": True,
        "probability": 1, "seed": 4})
    assert created.status_code == 201
    assert created.headers["location"] == "/_mockbsc/faults/1"
    assert created.json() == {"id": 1, "method": "GET", "path": "/v1/sims", "drop": True,
                              "probability": 1.0, "seed": 4, "hits": 0}
    second = client.post("/_mockbsc/faults", json={"status": 500, "latency_ms": 3,
                                                   "latency_max_ms": 4, "times": 5})
    assert second.status_code == 201
    assert second.json() == {"id": 2, "status": 500, "latency_ms": 3.0, "latency_max_ms": 4.0,
                             "times": 5, "hits": 0, "remaining": 5}
    listed = client.get("/_mockbsc/faults")
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()] == [1, 2]


def test_a_replaced_rule_may_name_the_full_path_like_an_added_one(
        client: TestClient, auth: dict[str, str]) -> None:
    client.post("/_mockbsc/faults", json={"path": "/v1/products", "status": 500})
    replaced = client.put("/_mockbsc/faults/1",
                          json={"path": "/management-api/v1/products", "status": 502})
    assert replaced.json()["path"] == "/v1/products"
    assert client.get(f"{API}/v1/products", headers=auth).status_code == 502


def test_replaced_rule_keeps_its_id_and_starts_counting_again(
        client: TestClient, auth: dict[str, str]) -> None:
    client.post("/_mockbsc/faults", json={"operation": "getProductsUsingGET", "status": 500})
    assert client.get(f"{API}/v1/products", headers=auth).status_code == 500
    assert client.get("/_mockbsc/faults/1").json()["hits"] == 1
    replaced = client.put("/_mockbsc/faults/1",
                          json={"operation": "getProductsUsingGET", "status": 502})
    assert replaced.status_code == 200
    assert replaced.json() == {"id": 1, "operation": "getProductsUsingGET", "status": 502,
                               "hits": 0}
    assert client.get(f"{API}/v1/products", headers=auth).status_code == 502


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_unknown_rule_is_a_404_naming_it(client: TestClient, method: str) -> None:
    kwargs: dict[str, Any] = {"json": {"status": 500}} if method == "put" else {}
    response = client.request(method, "/_mockbsc/faults/7", **kwargs)
    assert response.status_code == 404
    assert response.json() == {"error": "NotFound", "message": "fault rule 7 not found"}


def test_clearing_rules_numbers_new_ones_from_one(client: TestClient) -> None:
    client.post("/_mockbsc/faults", json={"status": 500})
    client.post("/_mockbsc/faults", json={"status": 500})
    assert client.delete("/_mockbsc/faults").status_code == 204
    assert client.post("/_mockbsc/faults", json={"status": 500}).json()["id"] == 1


@pytest.mark.parametrize(("text", "message"), [
    ('{"status": "500"}', "fault.status: must be an integer"),
    ('{"times": 1.5, "status": 500}', "fault.times: must be an integer"),
    ('{"seed": true, "status": 500}', "fault.seed: must be an integer"),
    ('{"latency_ms": "5"}', "fault.latency_ms: must be a number"),
    ('{"latency_ms": true}', "fault.latency_ms: must be a number"),
    ('{"path": 5, "status": 500}', "fault.path: must be a string"),
    ('{"drop": 1}', "fault.drop: must be true or false"),
    ('{"status": 500, "x": 1, "a": 2}', "fault: unknown field(s) a, x"),
    ("[1]", "a fault rule must be a JSON object"),
    ('{"times": 2}', "fault: give at least one of status, latency_ms or drop"),
    ('{"status": 399}', "fault.status: 399 is not an error status (400-599)"),
    ('{"status": 600}', "fault.status: 600 is not an error status (400-599)"),
    ('{"status": 503, "drop": true}',
     "fault: a dropped connection has no status; give one of them"),
    ('{"latency_ms": -1}',
     "fault.latency_ms: must satisfy 0 <= latency_ms <= latency_max_ms <= 600000"),
    ('{"latency_ms": 600001}',
     "fault.latency_ms: must satisfy 0 <= latency_ms <= latency_max_ms <= 600000"),
    ('{"latency_ms": 5, "latency_max_ms": 4}',
     "fault.latency_ms: must satisfy 0 <= latency_ms <= latency_max_ms <= 600000"),
    ('{"latency_max_ms": 600001}',
     "fault.latency_ms: must satisfy 0 <= latency_ms <= latency_max_ms <= 600000"),
    ('{"status": 500, "times": 0}', "fault.times: must be at least 1"),
    ('{"status": 500, "probability": 1.01}', "fault.probability: must be between 0 and 1"),
    ('{"status": 500, "probability": -0.01}', "fault.probability: must be between 0 and 1"),
    ('{"status": 500, "retry_after": -1}',
     "fault.retry_after: must be between 0 and 86400 seconds"),
    ('{"status": 500, "retry_after": 86401}',
     "fault.retry_after: must be between 0 and 86400 seconds"),
    ('{"status": 500, "method": ""}', "fault.method: must be 1-500 printable characters"),
    ('{"status": 500, "iccid": "a\\nb"}', "fault.iccid: must be 1-500 printable characters"),
    ('{"status": 500, "message": "' + "x" * 501 + '"}',
     "fault.message: must be 1-500 printable characters"),
    ("{nope", "fault: malformed JSON (Expecting property name enclosed in double quotes: "
              "line 1 column 2 (char 1))"),
    ("GET /v1/sims status", "fault: 'status' is not key=value"),
    ("GET /v1/sims status=abc", "fault.status: 'abc' is not an integer"),
    ("getSimsUsingGET latency_ms=abc", "fault.latency_ms: 'abc' is not a number"),
], ids=["status-text", "times-fraction", "seed-bool", "latency-text", "latency-bool",
        "path-number", "drop-number", "unknown-fields", "not-an-object", "no-action",
        "status-399", "status-600", "status-and-drop", "latency-negative", "latency-too-long",
        "latency-range", "latency-max-too-long", "times-0", "probability-over",
        "probability-under", "retry-negative", "retry-too-long", "method-empty",
        "iccid-control-char", "message-too-long", "malformed-json", "not-key-value",
        "status-not-int", "latency-not-number"])
def test_bad_configured_rule_is_refused_naming_the_field(text: str, message: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_specs(text)
    assert caught.value.message == message


@pytest.mark.parametrize(("text", "rules"), [
    ("", []),
    ("  ", []),
    ("post /v1/orders status=503 retry_after=2",
     [{"method": "POST", "path": "/v1/orders", "status": 503, "retry_after": 2}]),
    ("getSimsUsingGET drop=yes; topUpUsingPOST drop=on times=1 ;",
     [{"operation": "getSimsUsingGET", "drop": True},
      {"operation": "topUpUsingPOST", "drop": True, "times": 1}]),
    ("getSimsUsingGET latency_ms=5 drop=no", [{"operation": "getSimsUsingGET",
                                               "latency_ms": 5.0, "drop": False}]),
    ("status=500 probability=0.25 message=slow",
     [{"status": 500, "probability": 0.25, "message": "slow"}]),
    ('{"status": 500}', [{"status": 500}]),
    ('[{"status": 500}, {"drop": true}]', [{"status": 500}, {"drop": True}]),
    ("put /v1/sims/* status=409; DELETE /v1/x status=500; Patch /v1/y status=500",
     [{"method": "PUT", "path": "/v1/sims/*", "status": 409},
      {"method": "DELETE", "path": "/v1/x", "status": 500},
      {"method": "PATCH", "path": "/v1/y", "status": 500}]),
    ("status=503 message=a=b", [{"status": 503, "message": "a=b"}]),
], ids=["empty", "blank", "method-path", "two-rules", "drop-no", "matchers-only", "json-object",
        "json-array", "every-method", "equals-in-a-value"])
def test_configured_rules_parse_from_compact_or_json_text(
        text: str, rules: list[dict[str, Any]]) -> None:
    assert parse_specs(text) == rules


def test_compact_drop_values() -> None:
    for word, drop in (("1", True), ("TRUE", True), ("0", False), ("off", False)):
        assert parse_specs(f"getSimsUsingGET drop={word} latency_ms=1") == [
            {"operation": "getSimsUsingGET", "drop": drop, "latency_ms": 1.0}]
