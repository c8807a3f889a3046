"""The control plane answers `application/json` (no charset parameter), unlike the BSC API's
`application/json;charset=UTF-8`: clients of either may compare the header."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

ONLINE = "8988280666030218002"


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("GET", "/health", None, 200),
    ("GET", "/_mockbsc/clock", None, 200),
    ("GET", "/_mockbsc/orgs", None, 200),
    ("GET", "/_mockbsc/requests", None, 200),
    ("POST", f"/_mockbsc/sims/{ONLINE}/consume", {"data_mb": 1}, 200),
    ("GET", "/_mockbsc/faults", None, 200),
    ("POST", "/_mockbsc/faults", {"status": 500, "operation": "getProductsUsingGET"}, 201),
], ids=["health", "clock", "orgs", "requests", "consume", "faults", "add-fault"])
def test_control_answers_are_plain_application_json(
        client: TestClient, method: str, path: str, body: Any, status: int) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"


def test_one_fault_rule_is_read_and_replaced_as_plain_json(client: TestClient) -> None:
    assert client.post("/_mockbsc/faults", json={"status": 500}).status_code == 201
    read = client.get("/_mockbsc/faults/1")
    assert read.status_code == 200
    assert read.headers["content-type"] == "application/json"
    replaced = client.put("/_mockbsc/faults/1", json={"status": 502})
    assert replaced.status_code == 200
    assert replaced.headers["content-type"] == "application/json"
