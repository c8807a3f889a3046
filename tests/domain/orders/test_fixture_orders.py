"""An order given in the fixtures file reads back whole, shipping address included, and
again after a reset (the platform keeps a copy: the scenario's order is never changed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mockbsc.config import Settings
from tests.conftest import API

FILE = """\
organisations:
  - id: 9
    name: Nine
    sims: 2
    orders:
      - order_number: 2000000042
        order_date: "2026-01-02T03:04:05"
        order_status: SHIPPED
        shipping_address: {name: Depot, city: Bonn}
users: [{username: u, password: p, organisation: 9, user_id: 1}]
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    path = tmp_path / "fleet.yaml"
    path.write_text(FILE)
    return Settings(clock="manual", fixtures=str(path))


def _order(client: TestClient) -> dict[str, object]:
    token = client.post(f"{API}/oauth/token", auth=("u", "p"),
                        data={"grant_type": "client_credentials"}).json()["access_token"]
    response = client.get(f"{API}/v1/orders/2000000042",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_a_fixture_order_keeps_its_shipping_address_across_a_reset(client: TestClient) -> None:
    first = _order(client)
    assert first["shipping_address"] == {"name": "Depot", "city": "Bonn"}
    assert (first["order_status"], first["order_date"]) == ("SHIPPED",
                                                            "2026-01-02T03:04:05.000+0000")
    assert client.post("/_mockbsc/reset").status_code == 200
    assert _order(client) == first
