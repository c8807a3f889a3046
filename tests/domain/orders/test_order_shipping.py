"""A completed SIM order ships one new SIM per unit ordered: numbered from the order, not yet
activated, without device, label or IMEI, with fresh volume."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.platform import Emulator
from tests.conftest import API

pytestmark = pytest.mark.mockbsc(token_ttl=30 * 24 * 3600)


def test_completed_order_ships_every_unit_as_a_disabled_sim(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    placed = client.post(f"{API}/v1/orders", headers=auth, json={"products": [
        {"productId": 1001, "quantity": 1}, {"productId": 1002, "quantity": 10}]})
    assert placed.status_code == 201
    emulator.advance(899)
    assert client.get(placed.headers["location"], headers=auth).json()["sims"] == []
    emulator.advance(1)
    order = client.get(placed.headers["location"], headers=auth).json()
    assert order["order_status"] == "COMPLETED"
    assert order["invoice_amount"] == "190.40"
    iccids = [s["iccid"] for s in order["sims"]]
    assert iccids == [f"89882806660000010{n:02d}" for n in range(11)]
    sim = client.get(f"{API}/v1/sims/{iccids[0]}", headers=auth)
    assert sim.status_code == 200
    assert sim.json() == {
        "iccid": "8988280666000001000", "iccid_with_luhn": "89882806660000010001",
        "imsi": "901405800001000", "current_imsi": "901405800001000",
        "msisdn": "882285800001000", "imei_lock": False, "status": "Disabled",
        "activation_date": "2026-01-05T09:15:00.000+0000", "ip_address": "10.210.176.71",
        "current_quota": 500, "quota_status": {"id": 0, "description": "More than 20% available"},
        "current_quota_SMS": 250,
        "quota_status_SMS": {"id": 0, "description": "More than 20% available"},
    }
    status = client.get(f"{API}/v1/sims/{iccids[0]}/status", headers=auth)
    assert status.json() == {"status": "OFFLINE", "services": []}
    usage = client.get(f"{API}/v1/sims/{iccids[0]}/usage", headers=auth,
                       params={"start_dt": "2026-01-04"}).json()["stats"]
    assert [(day["date"], day["data"]["volume"], day["sms"]["volume"]) for day in usage] == [
        ("2026-01-05", "0", "0"), ("2026-01-04", "0", "0"), ("TOTAL", "0", "0")]
    listed = client.get(f"{API}/v1/sims", headers=auth, params={"page": 6, "pageSize": 10})
    assert listed.headers["x-total-count"] == "61"
    assert [s["iccid"] for s in listed.json()] == iccids[:10]
    assert client.get("/_mockbsc/orgs").json()[0]["sims"] == 61


def test_a_completed_order_stays_completed(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    placed = client.post(f"{API}/v1/orders", headers=auth,
                         json={"products": [{"productId": 1001, "quantity": 1}]})
    assert placed.status_code == 201
    emulator.advance(900)
    order = emulator.ordering.get(4321, int(placed.headers["location"].rsplit("/", 1)[1]))
    assert order.status.value == "COMPLETED"
    assert emulator.orders.advance(order).value == "COMPLETED"
    emulator.advance(3600)
    assert client.get(placed.headers["location"], headers=auth).json()["order_status"] == (
        "COMPLETED")
    assert len(order.iccids) == 1
