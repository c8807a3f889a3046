"""Judging exchanges against the contract: the mock's own answers pass, broken ones do not."""

from __future__ import annotations

import httpx
from starlette.testclient import TestClient

from mockbsc.contract.conformance import Conformance, Exchange

API = "/management-api"


def exchange_of(answer: httpx.Response) -> Exchange:
    request = answer.request
    return Exchange(request.method, request.url.path, request.url.query.decode(),
                    dict(request.headers), request.content, answer.status_code,
                    dict(answer.headers), answer.content)


def test_the_mocks_own_answers_keep_the_contract(client: TestClient,
                                                 auth: dict[str, str]) -> None:
    judge = Conformance()
    iccid = client.get(f"{API}/v1/sims", headers=auth).json()[0]["iccid"]
    answers = [
        client.get(f"{API}/v1/sims", params={"page": 2, "pageSize": 5}, headers=auth),
        client.get(f"{API}/v1/sims/{iccid}", headers=auth),
        client.get(f"{API}/v1/sims/{iccid}/status", headers=auth),
        client.get(f"{API}/v1/sims/{iccid}/usage", headers=auth),
        client.get(f"{API}/v1/sims/{iccid}/events", headers=auth),
        client.get(f"{API}/v1/sims/{iccid}/quota/data", headers=auth),
        client.put(f"{API}/v1/sims/{iccid}", json={"label": "x"}, headers=auth),
        client.post(f"{API}/v1/sims/{iccid}/sms", json={"payload": "hi"}, headers=auth),
        client.get(f"{API}/v1/orders", headers=auth),
        client.get(f"{API}/v1/products", headers=auth),
        client.get(f"{API}/v1/sims/1234", headers=auth),  # 404
        client.get(f"{API}/v1/sims", headers={"Authorization": "Bearer nope"}),  # 401
        client.get(f"{API}/api-docs"),
    ]
    for answer in answers:
        operation, issues = judge.check(exchange_of(answer))
        assert issues == [], (operation, answer.status_code, issues)


def test_broken_rules_are_named() -> None:
    judge = Conformance()
    operation, issues = judge.check(Exchange(
        "GET", f"{API}/v1/sims/{'9' * 65}/status", "", {}, b"", 201, {}, b""))  # >64 chars
    assert operation == "getStatusForSimUsingGET"
    assert [(i.side, i.rule) for i in issues] == [("request", "parameter"),
                                                  ("response", "status")]
    _, issues = judge.check(Exchange("GET", f"{API}/v2/things", "", {}, b"", 200, {}, b""))
    assert [(i.side, i.rule) for i in issues] == [("request", "operation")]
    _, issues = judge.check(Exchange(
        "GET", f"{API}/v1/products", "", {}, b"", 200,
        {"Content-Type": "application/json"}, b"{not json"))
    assert [(i.side, i.rule) for i in issues] == [("response", "json")]
