"""Products, orders over time, and top-ups (single and bulk) that add 500 MB + 250 SMS."""

from __future__ import annotations

from starlette.testclient import TestClient

from mockbsc.domain.platform import Emulator
from tests.conftest import API


def test_products_come_from_fixtures(client: TestClient, auth: dict[str, str]) -> None:
    products = client.get(f"{API}/v1/products", headers=auth).json()
    assert [p["id"] for p in products] == [1001, 1002]
    assert products[0]["one_time_charges"][0] == {
        "name": "provisionCharge", "amount_net": 10, "currency": "EUR"}


def test_top_up_creates_an_order_and_adds_volume(
    client: TestClient, auth: dict[str, str], iccid: str
) -> None:
    before = client.get(f"{API}/v1/sims/{iccid}/quota/data", headers=auth).json()["volume"]
    response = client.post(f"{API}/v1/sims/{iccid}/topup", headers=auth,
                           params={"payment_method": "creditcard"})
    assert response.status_code == 201
    assert response.content == b""
    location = response.headers["Location"]
    assert location.startswith("http://mockbsc/management-api/v1/orders/")
    order = client.get(location.removeprefix("http://mockbsc"), headers=auth).json()
    assert order["order_type"] == "TOPUP"
    assert [s["iccid"] for s in order["sims"]] == [iccid]
    after = client.get(f"{API}/v1/sims/{iccid}/quota/data", headers=auth).json()
    assert after["volume"] == round(before + 500, 6)
    assert after["last_volume_added"] == 500
    sms = client.get(f"{API}/v1/sims/{iccid}/quota/sms", headers=auth).json()
    assert sms["last_volume_added"] == 250


def test_bulk_top_up_is_one_order(client: TestClient, auth: dict[str, str]) -> None:
    iccids = [s["iccid"] for s in client.get(f"{API}/v1/sims", params={"pageSize": 3},
                                              headers=auth).json()]
    response = client.post(f"{API}/v1/sims/topup", json=iccids, headers=auth,
                           params={"payment_method": "creditcard"})
    assert response.status_code == 201
    number = response.headers["Location"].rsplit("/", 1)[1]
    order = client.get(f"{API}/v1/orders/{number}", headers=auth).json()
    assert order["order_type"] == "BULK_TOPUP"
    assert sorted(s["iccid"] for s in order["sims"]) == sorted(iccids)


def quotas(client: TestClient, auth: dict[str, str], iccid: str) -> tuple[float, float]:
    """(data volume in MB, SMS volume) of the SIM, read over the API."""
    data = client.get(f"{API}/v1/sims/{iccid}/quota/data", headers=auth)
    sms = client.get(f"{API}/v1/sims/{iccid}/quota/sms", headers=auth)
    assert (data.status_code, sms.status_code) == (200, 200)
    return float(data.json()["volume"]), float(sms.json()["volume"])


def test_bulk_top_up_credits_every_sim_500_mb_and_250_sms(
        client: TestClient, auth: dict[str, str]) -> None:
    """Guards: a bulk top-up adds 500 MB and 250 SMS to each of its SIMs, not only the first."""
    listing = client.get(f"{API}/v1/sims", params={"pageSize": 4}, headers=auth)
    assert listing.status_code == 200
    iccids = [s["iccid"] for s in listing.json()]
    before = {iccid: quotas(client, auth, iccid) for iccid in iccids}
    response = client.post(f"{API}/v1/sims/topup", json=iccids, headers=auth,
                           params={"payment_method": "creditcard"})
    assert response.status_code == 201
    after = {iccid: quotas(client, auth, iccid) for iccid in iccids}
    assert after == {iccid: (round(data + 500, 6), round(sms + 250, 6))
                     for iccid, (data, sms) in before.items()}


def test_top_up_raises_a_used_sms_quota_by_250_and_data_by_500(
        client: TestClient, auth: dict[str, str], iccid: str) -> None:
    """Guards: a top-up adds 250 SMS (and 500 MB). The quotas are used first, so a top-up
    that added nothing could not pass by leaving the seeded 500 MB / 250 SMS in place (the
    seeded `last_volume_added` is already 250, so that field alone proves nothing)."""
    assert client.post(f"/_mockbsc/sims/{iccid}/attach").status_code == 200
    consumed = client.post(f"/_mockbsc/sims/{iccid}/consume", json={"data_mb": 120.5})
    assert consumed.status_code == 200, consumed.text
    sent = client.post(f"{API}/v1/sims/{iccid}/sms", headers=auth,
                       json={"payload": "use one SMS", "source_address": "1234567"})
    assert sent.status_code == 201, sent.text
    assert client.post("/_mockbsc/clock/advance", json={"seconds": 5}).status_code == 200
    data_before, sms_before = quotas(client, auth, iccid)
    initial = client.get(f"{API}/v1/sims/{iccid}/quota/sms", headers=auth).json()
    assert initial["volume"] < initial["total_volume"]  # the SMS was charged
    response = client.post(f"{API}/v1/sims/{iccid}/topup", headers=auth,
                           params={"payment_method": "creditcard"})
    assert response.status_code == 201
    assert quotas(client, auth, iccid) == (round(data_before + 500, 6), sms_before + 250)
    sms = client.get(f"{API}/v1/sims/{iccid}/quota/sms", headers=auth).json()
    assert (sms["last_volume_added"], sms["total_volume"]) == (250, sms_before + 250)


def test_bad_payment_method_and_foreign_sim_are_refused(
    client: TestClient, auth: dict[str, str], other_auth: dict[str, str], iccid: str
) -> None:
    bad = client.post(f"{API}/v1/sims/{iccid}/topup", params={"payment_method": "cash"},
                      headers=auth)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["name"] == "payment_method"
    foreign = client.post(f"{API}/v1/sims/topup", json=[iccid], headers=other_auth)
    assert foreign.status_code == 403
    others = client.get(f"{API}/v1/orders", headers=other_auth).json()
    assert [o["order_type"] for o in others] == ["FIRST_ORDER"]  # no top-up order was made


def test_order_moves_through_its_statuses_and_ships_sims(
    client: TestClient, emulator: Emulator, auth: dict[str, str]
) -> None:
    response = client.post(f"{API}/v1/orders", headers=auth, json={
        "products": [{"productId": 1001, "quantity": 3}], "customer_reference": "PO-1"})
    assert response.status_code == 201
    number = response.headers["Location"].rsplit("/", 1)[1]
    statuses = []
    for _ in range(4):
        statuses.append(client.get(f"{API}/v1/orders/{number}", headers=auth)
                        .json()["order_status"])
        emulator.advance(300)
    assert statuses == ["CREATED", "IN_PROGRESS", "SHIPPED", "COMPLETED"]
    order = client.get(f"{API}/v1/orders/{number}", headers=auth).json()
    assert len(order["sims"]) == 3
    assert order["invoice_amount"] == "35.70"
    new = order["sims"][0]["iccid"]
    assert client.get(f"{API}/v1/sims/{new}", headers=auth).json()["status"] == "Disabled"
    total = client.get(f"{API}/v1/sims", headers=auth).headers["X-Total-Count"]
    assert total == "53"


def test_order_rules_are_checked(client: TestClient, auth: dict[str, str]) -> None:
    unknown = client.post(f"{API}/v1/orders", headers=auth,
                          json={"products": [{"productId": 999, "quantity": 1}]})
    assert unknown.status_code == 400
    assert "999" in unknown.json()["message"]
    pack = client.post(f"{API}/v1/orders", headers=auth,
                       json={"products": [{"productId": 1002, "quantity": 15}]})
    assert pack.status_code == 400
    assert "package size" in pack.json()["message"]
    empty = client.post(f"{API}/v1/orders", headers=auth, json={"products": []})
    assert empty.status_code == 400
    assert empty.json()["errors"][0]["name"] == "body.products"


def test_order_list_is_paged_at_most_ten(client: TestClient, auth: dict[str, str],
                                         iccid: str) -> None:
    for _ in range(12):
        client.post(f"{API}/v1/sims/{iccid}/topup", headers=auth)
    response = client.get(f"{API}/v1/orders", headers=auth)
    assert response.headers["X-Total-Count"] == "13"  # plus the fleet's FIRST_ORDER
    assert len(response.json()) == 10
    assert client.get(f"{API}/v1/orders", params={"pageSize": 11},
                      headers=auth).status_code == 400
