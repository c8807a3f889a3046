"""Listing the fleet: sorted by IP address (numerically) or IMEI, SIMs without the sort field
last, filtered by `q`, and paged without losing any."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import API


def _listing(client: TestClient, auth: dict[str, str], **params: Any) -> Any:
    response = client.get(f"{API}/v1/sims", headers=auth, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_ip_addresses_sort_as_numbers(client: TestClient, auth: dict[str, str]) -> None:
    ips = [s["ip_address"] for s in _listing(client, auth, sort="ip_address", pageSize=12)]
    assert ips == [f"10.210.176.{n}" for n in range(1, 13)]
    down = [s["ip_address"] for s in _listing(client, auth, sort="-ip_address", pageSize=3)]
    assert down == ["10.210.176.50", "10.210.176.49", "10.210.176.48"]


def test_imei_sort_puts_sims_without_one_last(client: TestClient, auth: dict[str, str]) -> None:
    every = _listing(client, auth, sort="imei", pageSize=100)
    imeis = [s.get("imei") for s in every]
    present = [i for i in imeis if i is not None]
    assert present == sorted(present)
    assert imeis == present + [None] * (len(imeis) - len(present))
    assert len(present) < len(imeis)
    down = [s.get("imei") for s in _listing(client, auth, sort="-imei", pageSize=100)]
    assert down == sorted(present, reverse=True) + [None] * (len(imeis) - len(present))


def test_filter_by_ip_address_and_imei(client: TestClient, auth: dict[str, str]) -> None:
    found = _listing(client, auth, q="ip_address:10.210.176.5")
    assert [s["iccid"] for s in found] == ["8988280666030218003"]
    imei = found[0]["imei"]
    both = _listing(client, auth, q=f"ip_address:10.210.176.5,imei:{imei}")
    assert [s["iccid"] for s in both] == ["8988280666030218003"]
    assert _listing(client, auth, q="ip_address:10.210.176.5,imei:1") == []
    assert _listing(client, auth, q="imei:") == []


@pytest.mark.parametrize(("params", "pages"), [
    ({"pageSize": 20}, ("20", "3", "50")),
    ({"pageSize": 25}, ("25", "2", "50")),
    ({"pageSize": 7, "sort": "ip_address"}, ("7", "8", "50")),
    ({"pageSize": 10, "q": "imei:none"}, ("10", "1", "0")),  # one empty page
], ids=["rounded-up", "even", "sorted", "empty"])
def test_total_pages_round_up(client: TestClient, auth: dict[str, str],
                              params: dict[str, Any], pages: tuple[str, str, str]) -> None:
    response = client.get(f"{API}/v1/sims", headers=auth, params=params)
    assert response.status_code == 200
    assert (response.headers["x-count-per-page"], response.headers["x-total-pages"],
            response.headers["x-total-count"]) == pages


def test_last_sorted_page_holds_the_rest(client: TestClient, auth: dict[str, str]) -> None:
    last = _listing(client, auth, sort="ip_address", pageSize=7, page=8)
    assert [s["ip_address"] for s in last] == ["10.210.176.50"]
    assert _listing(client, auth, sort="ip_address", pageSize=7, page=9) == []
