"""The 1NCE platform's operations that generated SDKs call: self-set limits, SIM transfer,
SIM extension (auto top-up: tests/domain/orders/test_topup_payment.py)."""

from __future__ import annotations

from starlette.testclient import TestClient

from mockbsc.domain.platform import Emulator
from tests.conftest import API, DEMO_ORG


def _online(client: TestClient, auth: dict[str, str]) -> str:
    """An enabled SIM of the demo organisation with a data session and plenty of volume."""
    sims = client.get(f"{API}/v1/sims", params={"pageSize": 100}, headers=auth).json()
    for sim in sims:
        if sim["status"] == "Enabled" and sim["quota_status"]["id"] == 0:
            client.post(f"/_mockbsc/sims/{sim['iccid']}/attach", json={"rat": "4G"})
            return str(sim["iccid"])
    raise AssertionError("no enabled SIM with volume")


def test_limits_route_is_not_an_iccid(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get(f"{API}/v1/sims/limits", headers=auth)
    assert response.status_code == 200
    assert response.json() == {}  # no limit set: every service absent (Jackson NON_NULL)
    assert client.put(f"{API}/v1/sims/limits", json={}, headers=auth).status_code == 405


def test_set_limits_then_read_them_back(client: TestClient, auth: dict[str, str],
                                        other_auth: dict[str, str]) -> None:
    response = client.post(f"{API}/v1/sims/limits", headers=auth,
                           json={"dataLimitId": 1, "smsMtLimitId": 2})
    assert response.status_code == 201
    assert response.content == b""
    assert client.get(f"{API}/v1/sims/limits", headers=auth).json() == {
        "data": {"id": 1, "limit": "16", "unit": "MB"},
        "smsMt": {"id": 2, "limit": "25", "unit": "SMS"}}
    assert client.get(f"{API}/v1/sims/data/limits", headers=auth).json() == {
        "data": {"id": 1, "limit": "16", "unit": "MB"}}
    assert client.get(f"{API}/v1/sims/smsMO/limits", headers=auth).json() == {
        "smsMo": {"id": 1, "limit": "10", "unit": "SMS"}}  # none set: the first option
    assert client.get(f"{API}/v1/sims/limits", headers=other_auth).json() == {}


def test_unknown_limit_id_is_refused_and_nothing_changes(client: TestClient,
                                                         auth: dict[str, str]) -> None:
    response = client.post(f"{API}/v1/sims/limits", headers=auth,
                           json={"dataLimitId": 2, "smsMoLimitId": 99})
    assert response.status_code == 400
    assert [e["name"] for e in response.json()["errors"]] == ["body.smsMoLimitId"]
    assert client.get(f"{API}/v1/sims/limits", headers=auth).json() == {}
    assert client.get(f"{API}/v1/sims/voice/limits", headers=auth).status_code == 400


def test_device_consumption_respects_the_monthly_data_limit(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    iccid = _online(client, auth)
    client.post(f"{API}/v1/sims/limits", headers=auth, json={"dataLimitId": 1})  # 16 MB
    used = emulator.usage.month(iccid, emulator.now().date())
    left = max(0.0, 16 - used.data_rx - used.data_tx)
    before = client.get(f"{API}/v1/sims/{iccid}/quota/data", headers=auth).json()["volume"]
    client.post(f"/_mockbsc/sims/{iccid}/consume", json={"data_mb": 100})
    after = client.get(f"{API}/v1/sims/{iccid}/quota/data", headers=auth).json()["volume"]
    assert round(before - after, 6) == round(left, 6)  # only what the limit left was carried
    refused = client.post(f"/_mockbsc/sims/{iccid}/consume", json={"data_mb": 1})
    assert refused.status_code == 409
    assert refused.json() == {"error": "Conflict", "message": (
        f"SIM {iccid}: Traffic limit of 16 MB per month exceeded")}
    last = emulator.events.of(iccid, emulator.now())[-1]  # the limit ended the data session
    assert (last.event_type, last.timestamp) == ("Delete PDP Context", emulator.now())


def test_mt_sms_beyond_the_monthly_limit_is_refused(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    iccid = _online(client, auth)
    client.post(f"{API}/v1/sims/limits", headers=auth, json={"smsMtLimitId": 1})  # 10 SMS
    sent = emulator.usage.month(iccid, emulator.now().date()).sms_mt
    for _ in range(max(0, 10 - sent)):
        assert client.post(f"{API}/v1/sims/{iccid}/sms", json={"payload": "x"},
                           headers=auth).status_code == 201
        emulator.advance(5)  # delivered and counted
    refused = client.post(f"{API}/v1/sims/{iccid}/sms", json={"payload": "x"}, headers=auth)
    assert refused.status_code == 400
    assert refused.json()["message"] == "Traffic limit of 10 SMS per month exceeded"


def test_transfer_moves_sims_between_organisations(
        client: TestClient, auth: dict[str, str], other_auth: dict[str, str]) -> None:
    mine = [s["iccid"] for s in client.get(f"{API}/v1/sims", params={"pageSize": 100},
                                           headers=auth).json()]
    ordered = sorted(mine, key=lambda i: (len(i), i))
    single, first, last = ordered[0], ordered[10], ordered[12]
    response = client.post(f"{API}/v1/sims/simTransfer", headers=auth, json={
        "target_organisation": 5678, "iccids": [single],
        "iccid_ranges": [{"from": first, "to": last}]})
    assert response.status_code == 201
    moved = {single, *ordered[10:13]}
    left = {s["iccid"] for s in client.get(f"{API}/v1/sims", params={"pageSize": 100},
                                           headers=auth).json()}
    theirs = {s["iccid"] for s in client.get(f"{API}/v1/sims", params={"pageSize": 100},
                                             headers=other_auth).json()}
    assert left == set(mine) - moved
    assert moved <= theirs
    assert client.get(f"{API}/v1/sims/{single}", headers=auth).status_code == 403
    assert client.get(f"{API}/v1/sims/{single}", headers=other_auth).status_code == 200


def test_transfer_refusals_move_nothing(client: TestClient, auth: dict[str, str],
                                        other_auth: dict[str, str], iccid: str) -> None:
    theirs = client.get(f"{API}/v1/sims", params={"pageSize": 1},
                        headers=other_auth).json()[0]["iccid"]
    cases = [({"target_organisation": 9999, "iccids": [iccid]}, 404),
             ({"iccids": [iccid]}, 400),
             ({"target_organisation": 5678, "iccids": [iccid, theirs]}, 403),
             ({"target_organisation": 5678, "iccids": ["8988280666999999999"]}, 404)]
    for body, status in cases:
        assert client.post(f"{API}/v1/sims/simTransfer", headers=auth,
                           json=body).status_code == status, body
    assert client.get(f"{API}/v1/sims/{iccid}", headers=auth).status_code == 200


def test_extension_renews_lifetime_and_quota(client: TestClient, auth: dict[str, str],
                                             iccid: str) -> None:
    before = client.get(f"{API}/v1/sims/{iccid}/quota/data", headers=auth).json()
    response = client.post(f"{API}/v1/sims/extension", headers=auth,
                           json={"iccids": [iccid], "productId": 1001})
    assert response.status_code == 201
    data = client.get(f"{API}/v1/sims/{iccid}/quota/data", headers=auth).json()
    sms = client.get(f"{API}/v1/sims/{iccid}/quota/sms", headers=auth).json()
    year = int(before["expiry_date"][:4])
    assert data["expiry_date"] == f"{year + 10}{before['expiry_date'][4:]}"  # 120 months on
    assert sms["expiry_date"] == data["expiry_date"]
    assert (data["volume"], data["total_volume"], sms["volume"]) == (500, 500, 250)
    assert client.post(f"{API}/v1/sims/extension", headers=auth,
                       json={"iccids": [iccid], "productId": 4242}).status_code == 400
    assert client.post(f"{API}/v1/sims/extension", headers=auth,
                       json={"iccids": []}).status_code == 400


def test_limits_and_transfers_survive_export_and_import(
        client: TestClient, auth: dict[str, str], emulator: Emulator, iccid: str) -> None:
    client.post(f"{API}/v1/sims/limits", headers=auth, json={"dataLimitId": 3})
    client.post(f"{API}/v1/sims/simTransfer", headers=auth,
                json={"target_organisation": 5678, "iccids": [iccid]})
    state = client.get("/_mockbsc/state").json()
    client.post("/_mockbsc/reset")
    assert emulator.orgs[DEMO_ORG].data_limit_id is None
    assert client.put("/_mockbsc/state", json=state).status_code == 200
    assert emulator.orgs[DEMO_ORG].data_limit_id == 3
    assert emulator.sims.find(iccid).org_id == 5678  # type: ignore[union-attr]


def test_mo_sms_beyond_the_monthly_limit_is_not_sent(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    iccid = _online(client, auth)
    client.post(f"{API}/v1/sims/limits", headers=auth, json={"smsMoLimitId": 1})  # 10 SMS
    sent = emulator.usage.month(iccid, emulator.now().date()).sms_mo
    for _ in range(max(0, 10 - sent)):
        assert client.post(f"/_mockbsc/sims/{iccid}/mo-sms",
                           json={"payload": "x"}).status_code == 201
    refused = client.post(f"/_mockbsc/sims/{iccid}/mo-sms", json={"payload": "x"})
    assert refused.status_code == 409
    assert "Traffic limit of 10 MO SMS per month exceeded" in refused.json()["message"]
