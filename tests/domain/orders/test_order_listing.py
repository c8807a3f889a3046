"""The organisation's orders: listed by number unless sorted otherwise, paged, read one by
one with every field, and closed to other organisations."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.platform import Emulator
from tests.conftest import API

FIRST = "8988280666030217999"


@pytest.fixture
def three_orders(client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    """Besides the seeded fleet's COMPLETED FIRST_ORDER 2000000000 (shown as 0): 2000000001
    IN_PROGRESS at 09:00, 2000000002 COMPLETED top-up and 2000000003 CREATED at 09:05."""
    client.post(f"{API}/v1/orders", headers=auth, json={
        "products": [{"productId": 1001, "quantity": 2}],
        "delivery_address": {"name": "A", "city": "B"}})
    emulator.advance(300)
    client.post(f"{API}/v1/sims/{FIRST}/topup", headers=auth,
                params={"payment_method": "creditcard"})
    client.post(f"{API}/v1/orders", headers=auth,
                json={"products": [{"productId": 1002, "quantity": 10}]})


def _numbers(client: TestClient, auth: dict[str, str], **params: Any) -> list[int]:
    response = client.get(f"{API}/v1/orders", headers=auth, params=params)
    assert response.status_code == 200
    return [o["order_number"] - 2000000000 for o in response.json()]


@pytest.mark.parametrize(("params", "numbers"), [
    ({}, [0, 1, 2, 3]),
    ({"sort": "-order_number"}, [3, 2, 1, 0]),
    ({"sort": "order_status,-order_number"}, [2, 0, 3, 1]),
    ({"sort": "-order_date"}, [2, 3, 1, 0]),
    ({"sort": "order_date,-order_number"}, [0, 1, 3, 2]),
    ({"pageSize": 2, "page": 2}, [2, 3]),
], ids=["default", "number-down", "status", "date-down", "date-then-number", "page-2"])
def test_orders_are_listed_in_the_asked_order(
        client: TestClient, auth: dict[str, str], three_orders: None,
        params: dict[str, Any], numbers: list[int]) -> None:
    assert _numbers(client, auth, **params) == numbers


def test_order_list_headers_and_other_organisations(
        client: TestClient, auth: dict[str, str], other_auth: dict[str, str],
        three_orders: None) -> None:
    response = client.get(f"{API}/v1/orders", headers=auth, params={"pageSize": 2})
    assert (response.headers["x-total-count"], response.headers["x-total-pages"]) == ("4", "2")
    others = client.get(f"{API}/v1/orders", headers=other_auth).json()
    assert [o["order_type"] for o in others] == ["FIRST_ORDER"]  # only its own fleet's order


def test_order_reads_back_with_its_shipping_address(
        client: TestClient, auth: dict[str, str], three_orders: None) -> None:
    response = client.get(f"{API}/v1/orders/2000000001", headers=auth)
    assert response.status_code == 200
    assert response.json() == {
        "order_number": 2000000001, "order_type": "ADDITIONAL_ORDER",
        "order_date": "2026-01-05T09:00:00.000+0000", "order_status": "IN_PROGRESS",
        "invoice_number": "20000001", "invoice_amount": "23.80", "currency": "EUR",
        "shipping_address": {"name": "A", "city": "B"}, "sims": [],
        "products": [{"product_id": 1001, "quantity": 2}]}


@pytest.mark.parametrize(("number", "who", "status", "message"), [
    (2000000001, "other", 403, "Order does not belong to user."),
    (2999999999, "demo", 404, "Order not found."),
], ids=["other-organisation", "unknown"])
def test_order_of_another_organisation_or_unknown_is_refused(
        client: TestClient, auth: dict[str, str], other_auth: dict[str, str],
        three_orders: None, number: int, who: str, status: int, message: str) -> None:
    headers = other_auth if who == "other" else auth
    response = client.get(f"{API}/v1/orders/{number}", headers=headers)
    assert response.status_code == status
    assert response.json()["message"] == message


@pytest.mark.mockbsc(rate_limits="platform")
def test_rate_limit_message_names_the_limit(client: TestClient, auth: dict[str, str]) -> None:
    for _ in range(100):
        assert client.get(f"{API}/v1/products", headers=auth).status_code == 200
    response = client.get(f"{API}/v1/products", headers=auth)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "300"
    assert response.json()["message"] == (
        "Rate limit exceeded: at most 100 requests per 300 s per client on /v1/orders, "
        "/v1/products")
