"""A fresh organisation's `GET /v1/orders` shows the order its SIMs came from."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import API


def test_fresh_organisation_lists_the_order_of_its_sims(
        client: TestClient, auth: dict[str, str], other_auth: dict[str, str]) -> None:
    for headers, count in ((auth, 50), (other_auth, 20)):
        orders = client.get(f"{API}/v1/orders", headers=headers).json()
        assert len(orders) == 1
        order = orders[0]
        assert (order["order_type"], order["order_status"]) == ("FIRST_ORDER", "COMPLETED")
        assert order["products"] == [{"product_id": 1001, "quantity": count}]
        sims = client.get(f"{API}/v1/sims", params={"pageSize": 100}, headers=headers).json()
        assert [s["iccid"] for s in order["sims"]] == [s["iccid"] for s in sims]
        first = min(s["activation_date"] for s in sims)
        assert order["order_date"] < first
        one = client.get(f"{API}/v1/orders/{order['order_number']}", headers=headers)
        assert one.json() == order


def test_new_orders_keep_their_numbers(client: TestClient, auth: dict[str, str]) -> None:
    placed = client.post(f"{API}/v1/orders", headers=auth,
                         json={"products": [{"productId": 1001, "quantity": 1}]})
    assert placed.headers["location"].endswith("/v1/orders/2000000001")
    numbers = [o["order_number"] for o in client.get(f"{API}/v1/orders", headers=auth).json()]
    assert numbers[-1] == 2000000001
    assert numbers[0] < 2000000001
