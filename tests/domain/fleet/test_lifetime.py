"""Rules that follow the clock: quotas expire, an expired SIM answers S1's 422 until it is
extended, and NB-IoT devices receive no SMS."""

from __future__ import annotations

from datetime import datetime, timedelta

from starlette.testclient import TestClient

from mockbsc.domain.platform import Emulator
from tests.conftest import API, token_for

EXPIRED = ("The following SIMs are expired and cannot be modified via API. "
           "Only extensions are permitted")


def _fresh(client: TestClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(client)}"}


def _expire(client: TestClient, emulator: Emulator, auth: dict[str, str],
            iccid: str) -> dict[str, str]:
    """Move the clock to the SIM's quota expiry; a token valid then."""
    expiry = client.get(f"{API}/v1/sims/{iccid}/quota/data", headers=auth).json()["expiry_date"]
    moment = datetime.fromisoformat(expiry + "+00:00")
    assert moment > emulator.now()
    emulator.set_time(moment - timedelta(seconds=1))
    auth = _fresh(client)
    assert client.get(f"{API}/v1/sims/{iccid}/quota/data", headers=auth).json()["volume"] > 0
    emulator.set_time(moment)
    return _fresh(client)


def test_past_its_expiry_a_quota_has_no_volume_left(
        client: TestClient, auth: dict[str, str], emulator: Emulator, iccid: str) -> None:
    auth = _expire(client, emulator, auth, iccid)
    data = client.get(f"{API}/v1/sims/{iccid}/quota/data", headers=auth).json()
    sms = client.get(f"{API}/v1/sims/{iccid}/quota/sms", headers=auth).json()
    assert (data["volume"], sms["volume"]) == (0, 0)
    sim = client.get(f"{API}/v1/sims/{iccid}", headers=auth).json()
    assert (sim["quota_status"]["id"], sim["quota_status_SMS"]["id"]) == (2, 2)
    events = client.get(f"{API}/v1/sims/{iccid}/events", params={"pageSize": 5},
                        headers=auth).json()["events"]
    kinds = {e["event_type"] for e in events[:2]}
    assert kinds == {"Data Quota used up", "SMS Quota used up"}
    assert client.get(f"{API}/v1/sims/{iccid}/status", headers=auth).json()["status"] != "ONLINE"


def test_an_expired_sim_answers_422_until_extended(
        client: TestClient, auth: dict[str, str], emulator: Emulator, iccid: str) -> None:
    auth = _expire(client, emulator, auth, iccid)
    calls = [("PUT", f"/v1/sims/{iccid}", {"label": "x"}),
             ("POST", "/v1/sims", [{"iccid": iccid, "label": "x"}]),
             ("POST", f"/v1/sims/{iccid}/reset", None),
             ("POST", f"/v1/sims/{iccid}/topup", None),
             ("POST", "/v1/sims/topup", [iccid]),
             ("POST", f"/v1/sims/{iccid}/sms", {"payload": "hi"}),
             ("POST", "/v1/sims/autoTopup", {"enabled": True, "iccids": [iccid]})]
    for method, path, body in calls:
        response = client.request(method, f"{API}{path}", json=body, headers=auth)
        assert response.status_code == 422, (method, path, response.text)
        assert response.json()["message"] == f"{EXPIRED}: {iccid}"
    assert client.get(f"{API}/v1/sims/{iccid}", headers=auth).status_code == 200  # reads work
    extended = client.post(f"{API}/v1/sims/extension", json={"iccids": [iccid]}, headers=auth)
    assert extended.status_code == 201
    assert client.put(f"{API}/v1/sims/{iccid}", json={"label": "x"},
                      headers=auth).status_code == 200
    data = client.get(f"{API}/v1/sims/{iccid}/quota/data", headers=auth).json()
    assert data["volume"] == 500
    now = emulator.now()
    assert data["expiry_date"] == f"{now.year + 10}-{now:%m-%d %H:%M:%S}"


def test_nb_iot_devices_receive_no_sms(client: TestClient, auth: dict[str, str],
                                       emulator: Emulator, iccid: str) -> None:
    client.post(f"/_mockbsc/sims/{iccid}/detach")
    assert client.post(f"/_mockbsc/sims/{iccid}/attach",
                       json={"rat": "NB-IoT"}).status_code == 200
    response = client.post(f"{API}/v1/sims/{iccid}/sms", json={"payload": "hi"}, headers=auth)
    assert response.status_code == 201  # accepted, as for a device that is away
    path = response.headers["Location"].removeprefix("http://mockbsc")
    emulator.advance(60)
    assert client.get(path, headers=auth).json()["status"]["description"] == "BUFFERED"
    emulator.advance(86_400)  # the default expiry of 24 h
    sms = client.get(path, headers=_fresh(client)).json()
    assert sms["status"]["description"] == "FAILED"
    assert "delivery_date" not in sms
