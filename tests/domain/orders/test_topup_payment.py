"""Top-ups follow the payment: credit card at once, bank transfer after the documented 2-3
days (configurable); the order's status follows. Auto top-up tops up a SIM below 20 %."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.platform import Emulator
from tests.conftest import API, token_for

DAY = 86_400


def _fresh(client: TestClient) -> dict[str, str]:
    """A token issued now: the clock moves past the hour a token lives."""
    return {"Authorization": f"Bearer {token_for(client)}"}


def _volume(client: TestClient, auth: dict[str, str], iccid: str) -> float:
    response = client.get(f"{API}/v1/sims/{iccid}/quota/data", headers=_fresh(client))
    return float(response.json()["volume"])


def _order(client: TestClient, auth: dict[str, str], location: str) -> dict[str, object]:
    path = location.removeprefix("http://mockbsc")
    return dict(client.get(path, headers=_fresh(client)).json())


@pytest.mark.parametrize("method", ["banktransfer", None, "boleto"])
def test_bank_transfer_is_credited_after_two_days(
        client: TestClient, auth: dict[str, str], emulator: Emulator, iccid: str,
        method: str | None) -> None:
    before = _volume(client, auth, iccid)
    params = {"payment_method": method} if method else {}
    response = client.post(f"{API}/v1/sims/{iccid}/topup", headers=auth, params=params)
    assert response.status_code == 201
    location = response.headers["Location"]
    assert _order(client, auth, location)["order_status"] == "IN_PROGRESS"
    assert _volume(client, auth, iccid) == before
    emulator.advance(2 * DAY - 1)
    assert _volume(client, auth, iccid) == before
    emulator.advance(1)
    assert _volume(client, auth, iccid) == round(before + 500, 6)
    assert _order(client, auth, location)["order_status"] == "COMPLETED"


@pytest.mark.parametrize("method", ["creditcard", "monthlyinvoice"])
def test_card_and_invoice_are_credited_at_once(client: TestClient, auth: dict[str, str],
                                               iccid: str, method: str) -> None:
    before = _volume(client, auth, iccid)
    response = client.post(f"{API}/v1/sims/{iccid}/topup", headers=auth,
                           params={"payment_method": method})
    assert _order(client, auth, response.headers["Location"])["order_status"] == "COMPLETED"
    assert _volume(client, auth, iccid) == round(before + 500, 6)


@pytest.mark.mockbsc(bank_transfer_delay=3 * DAY)
def test_bank_transfer_delay_is_configurable(client: TestClient, auth: dict[str, str],
                                             emulator: Emulator, iccid: str) -> None:
    before = _volume(client, auth, iccid)
    client.post(f"{API}/v1/sims/topup", headers=auth, json=[iccid])
    emulator.advance(2 * DAY)
    assert _volume(client, auth, iccid) == before
    emulator.advance(DAY)
    assert _volume(client, auth, iccid) == round(before + 500, 6)


def _plenty(client: TestClient, auth: dict[str, str]) -> str:
    sims = client.get(f"{API}/v1/sims", params={"pageSize": 100}, headers=auth).json()
    return next(s["iccid"] for s in sims if s["status"] == "Enabled"
                and s["quota_status"]["id"] == 0 and s["quota_status_SMS"]["id"] == 0)


def test_auto_top_up_tops_up_when_the_quota_runs_low(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    iccid = _plenty(client, auth)
    response = client.post(f"{API}/v1/sims/autoTopup", headers=auth,
                           json={"enabled": True, "iccids": [iccid]})
    assert response.status_code == 201
    client.post(f"/_mockbsc/sims/{iccid}/attach", json={"rat": "4G"})
    volume = _volume(client, auth, iccid)
    client.post(f"/_mockbsc/sims/{iccid}/consume", json={"data_mb": volume - 50})  # < 20 %
    assert client.get(f"{API}/v1/sims/{iccid}", headers=auth).json()["quota_status"]["id"] == 1
    orders = client.get(f"{API}/v1/orders", headers=auth).json()
    emulator.advance(4 * 3600)  # the next 4-hourly round has passed
    auth = _fresh(client)
    data = client.get(f"{API}/v1/sims/{iccid}/quota/data", headers=auth).json()
    assert data["volume"] == 550
    assert data["last_volume_added"] == 500
    after = client.get(f"{API}/v1/orders", headers=auth).json()
    assert [o["order_type"] for o in after[len(orders):]] == ["TOPUP"]


def test_auto_top_up_off_does_nothing(client: TestClient, auth: dict[str, str],
                                      emulator: Emulator) -> None:
    iccid = _plenty(client, auth)
    client.post(f"{API}/v1/sims/autoTopup", headers=auth, json={"enabled": True,
                                                                "iccids": [iccid]})
    client.post(f"{API}/v1/sims/autoTopup", headers=auth, json={"iccids": [iccid]})  # off
    client.post(f"/_mockbsc/sims/{iccid}/attach", json={"rat": "4G"})
    volume = _volume(client, auth, iccid)
    client.post(f"/_mockbsc/sims/{iccid}/consume", json={"data_mb": volume - 50})
    emulator.advance(8 * 3600)
    assert _volume(client, auth, iccid) == 50


def test_auto_top_up_survives_export_and_import(client: TestClient, auth: dict[str, str],
                                                emulator: Emulator) -> None:
    iccid = _plenty(client, auth)
    client.post(f"{API}/v1/sims/autoTopup", headers=auth, json={"enabled": True,
                                                                "iccids": [iccid]})
    state = client.get("/_mockbsc/state").json()
    client.post("/_mockbsc/reset")
    assert client.put("/_mockbsc/state", json=state).status_code == 200
    assert emulator.sims.find(iccid).auto_topup is True  # type: ignore[union-attr]
