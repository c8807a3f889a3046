"""The simulated devices behind the control plane: attach, detach, data use against the quota,
the connectivity reset's timeline, and the answers and events each of them leaves."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.fleet.events import SIM_ACTIVATION, SIM_SUSPENSION
from mockbsc.domain.platform import Emulator
from tests.conftest import API

pytestmark = pytest.mark.mockbsc(token_ttl=30 * 24 * 3600)
ATTACHED = "8988280666030217999"  # T-Mobile Austria, attached without a data session
ONLINE = "8988280666030218002"  # Vodafone Germany, with a data session
DISABLED = "8988280666030218001"

ACTIVATED, SUSPENDED = SIM_ACTIVATION.name, SIM_SUSPENSION.name  # S1's phrasing


def _events(client: TestClient, auth: dict[str, str], iccid: str, n: int) -> list[tuple[str, str]]:
    response = client.get(f"{API}/v1/sims/{iccid}/events", headers=auth, params={"pageSize": n})
    assert response.status_code == 200
    return [(e["timestamp"][11:19], e["event_type"]) for e in response.json()["events"]]


def _status(client: TestClient, auth: dict[str, str], iccid: str) -> Any:
    return client.get(f"{API}/v1/sims/{iccid}/status", headers=auth).json()["status"]


def test_connectivity_reset_drops_the_device_then_it_comes_back(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    response = client.post(f"{API}/v1/sims/{ONLINE}/reset", headers=auth)
    assert response.status_code == 201
    assert response.content == b""
    assert _events(client, auth, ONLINE, 1) == [("09:00:00", "Connectivity reset requested")]
    emulator.advance(seconds=119)
    assert _status(client, auth, ONLINE) == "ONLINE"
    emulator.advance(seconds=1)
    assert _status(client, auth, ONLINE) == "OFFLINE"
    events = client.get(f"{API}/v1/sims/{ONLINE}/events", headers=auth,
                        params={"pageSize": 7}).json()["events"]
    assert [(e["event_type"], e["description"]) for e in events] == [
        (ACTIVATED, "Connectivity reset"), ("Endpoint enabled", "Endpoint enabled"),
        ("Endpoint disabled", "Endpoint disabled"), ("Purge Location", "Purge Location"),
        ("Purge GPRS location", "Purge GPRS location"),
        ("Delete PDP Context", "Delete PDP Context"), (SUSPENDED, "Connectivity reset")]
    emulator.advance(seconds=9)
    assert _status(client, auth, ONLINE) == "OFFLINE"
    emulator.advance(seconds=1)
    assert _status(client, auth, ONLINE) == "ONLINE"
    assert _events(client, auth, ONLINE, 3) == [
        ("09:02:10", "Create PDP Context"), ("09:02:10", "Update GPRS location"),
        ("09:02:10", "Update location")]


def test_reset_of_a_disabled_sim_does_not_bring_it_online(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    assert client.post(f"{API}/v1/sims/{DISABLED}/reset", headers=auth).status_code == 201
    emulator.advance(seconds=200)
    assert _status(client, auth, DISABLED) == "OFFLINE"
    assert [t for _, t in _events(client, auth, DISABLED, 3)] == [
        "Endpoint enabled", "Endpoint disabled", "Connectivity reset requested"]


def test_data_use_charges_the_quota_and_ends_the_session_when_used_up(
        client: TestClient, auth: dict[str, str]) -> None:
    before = client.get(f"{API}/v1/sims/{ONLINE}/quota/data", headers=auth).json()["volume"]
    seeded = client.get(f"{API}/v1/sims/{ONLINE}/usage", headers=auth).json()["stats"][0]
    seeded_rx = float(seeded["data"]["volume_rx"])
    seeded_tx = float(seeded["data"]["volume_tx"])
    used = client.post(f"/_mockbsc/sims/{ONLINE}/consume", json={"data_mb": 100})
    assert used.status_code == 200
    assert used.json() == {"iccid": ONLINE, "volume": round(before - 100, 6), "quota_status": 1}
    assert _events(client, auth, ONLINE, 1) == [("09:00:00", "Data Quota Threshold reached")]
    rest = client.post(f"/_mockbsc/sims/{ONLINE}/consume", json={"data_mb": 400})
    assert rest.status_code == 200
    assert rest.json() == {"iccid": ONLINE, "volume": 0.0, "quota_status": 2}
    assert _events(client, auth, ONLINE, 2) == [
        ("09:00:00", "Delete PDP Context"), ("09:00:00", "Data Quota used up")]
    assert _status(client, auth, ONLINE) == "ATTACHED"
    sim = client.get(f"{API}/v1/sims/{ONLINE}", headers=auth).json()
    assert sim["quota_status"] == {
        "id": 2, "description": "No volume available",
        "threshold_reached_date": "2026-01-05T09:00:00.000+0000",
        "quota_exceeded_date": "2026-01-05T09:00:00.000+0000"}
    quota = client.get(f"{API}/v1/sims/{ONLINE}/quota/data", headers=auth).json()
    assert (quota["volume"], quota["last_status_change_date"]) == (0, "2026-01-05 09:00:00")
    today = client.get(f"{API}/v1/sims/{ONLINE}/usage", headers=auth).json()["stats"][0]
    assert today["date"] == "2026-01-05"
    rx, tx = float(today["data"]["volume_rx"]), float(today["data"]["volume_tx"])
    assert rx - seeded_rx == pytest.approx(0.8 * before, abs=1e-5)
    assert tx - seeded_tx == pytest.approx(0.2 * before, abs=1e-5)


@pytest.mark.parametrize(("iccid", "message"), [
    (ATTACHED, f"SIM {ATTACHED} has no data session (attach it first)"),
    (DISABLED, f"SIM {DISABLED} is disabled"),
], ids=["no-session", "disabled"])
def test_data_use_without_a_session_is_a_conflict(client: TestClient, iccid: str,
                                                  message: str) -> None:
    response = client.post(f"/_mockbsc/sims/{iccid}/consume", json={"data_mb": 1})
    assert response.status_code == 409
    assert response.json() == {"error": "Conflict", "message": message}


def test_attach_to_another_network_moves_the_device(
        client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(f"/_mockbsc/sims/{ATTACHED}/attach",
                           json={"operator": "Vodafone", "country": "DE", "rat": "NB-IoT"})
    assert response.status_code == 200
    assert response.json() == {"iccid": ATTACHED, "attached": True, "online": True,
                               "status": "ONLINE", "operator": "Vodafone", "country": "DE"}
    assert [t for _, t in _events(client, auth, ATTACHED, 5)] == [
        "Create PDP Context", "Update GPRS location", "Update location", "Purge Location",
        "Purge GPRS location"]
    status = client.get(f"{API}/v1/sims/{ATTACHED}/status", headers=auth).json()
    assert status["pdp_context"]["rat_type"] == {"rat_type_id": "8", "description": "NB-IoT"}
    assert status["location"]["operator"]["name"] == "Vodafone"


def test_attach_on_the_same_network_keeps_the_registration(
        client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(f"/_mockbsc/sims/{ATTACHED}/attach", json={})
    assert response.status_code == 200
    assert response.json()["status"] == "ONLINE"
    assert [t for _, t in _events(client, auth, ATTACHED, 2)] == [
        "Create PDP Context", "Update location"]


@pytest.mark.parametrize(("iccid", "body", "status", "message"), [
    (DISABLED, {}, 409, f"SIM {DISABLED} is disabled and cannot attach"),
    (ATTACHED, {"operator": "Nope"}, 404,
     "no simulated network for operator=Nope country=None"),
    ("1234", {}, 404, "SIM 1234 not found"),
], ids=["disabled", "unknown-network", "unknown-sim"])
def test_attach_that_cannot_happen_is_refused(client: TestClient, iccid: str,
                                              body: dict[str, str], status: int,
                                              message: str) -> None:
    response = client.post(f"/_mockbsc/sims/{iccid}/attach", json=body)
    assert response.status_code == status
    assert response.json()["message"] == message


def test_detach_purges_the_registration(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(f"/_mockbsc/sims/{ONLINE}/detach")
    assert response.status_code == 200
    assert response.json() == {"iccid": ONLINE, "attached": False, "online": False,
                               "status": "OFFLINE", "operator": "Vodafone", "country": "DE"}
    assert [t for _, t in _events(client, auth, ONLINE, 3)] == [
        "Purge Location", "Purge GPRS location", "Delete PDP Context"]
    again = client.post(f"/_mockbsc/sims/{ONLINE}/detach")
    assert again.status_code == 200
    assert [t for _, t in _events(client, auth, ONLINE, 1)] == ["Purge Location"]


def test_organisations_list_their_fleet_and_forwarding(client: TestClient) -> None:
    response = client.get("/_mockbsc/orgs")
    assert response.status_code == 200
    assert response.json() == [{"id": 4321, "name": "Muster Logistik GmbH", "sims": 50},
                               {"id": 5678, "name": "Beispiel Energie AG", "sims": 20}]
    forwarding = client.put("/_mockbsc/orgs/4321/sms-forwarding", json={"url": "http://x.test/h"})
    assert forwarding.status_code == 200
    assert forwarding.json() == {"org_id": 4321, "url": "http://x.test/h"}
    assert client.get("/_mockbsc/orgs").json()[0]["sms_forward_url"] == "http://x.test/h"


def test_clock_health_and_reset_answers(client: TestClient, emulator: Emulator) -> None:
    clock = client.get("/_mockbsc/clock")
    assert clock.status_code == 200
    assert clock.json() == {"now": "2026-01-05T09:00:00Z", "mode": "manual",
                            "offset_seconds": 0.0}
    moved = client.post("/_mockbsc/clock/advance", json={"seconds": 1.5})
    assert moved.status_code == 200
    assert moved.json() == {"now": "2026-01-05T09:00:01.500000Z", "mode": "manual",
                            "offset_seconds": 1.5, "ran": 0}
    health = client.get("/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "version": "0.1.0", "sims": 70,
                             "clock": "2026-01-05T09:00:01.500000Z"}
    reset = client.post("/_mockbsc/reset", json={"seed": 3, "sims": 4})
    assert reset.status_code == 200
    assert reset.json() == {"status": "reset", "sims": 24}
    assert len(emulator.sims) == 24


def test_control_contract_is_served_as_json(client: TestClient) -> None:
    response = client.get("/_mockbsc/api-docs")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    assert document["info"]["title"] == "mockbsc control API"
    assert "/_mockbsc/faults" in document["paths"]


def test_reset_changes_only_what_it_is_given(client: TestClient, emulator: Emulator) -> None:
    assert client.post("/_mockbsc/reset", json={"sims": 4}).json() == {"status": "reset",
                                                                      "sims": 24}
    assert emulator.settings.seed == 1
    labels = [s.label for s in emulator.sims.all()]
    assert client.post("/_mockbsc/reset", json={"seed": 7}).json() == {"status": "reset",
                                                                      "sims": 24}
    assert (emulator.settings.seed, emulator.settings.sims) == (7, 4)
    assert [s.label for s in emulator.sims.all()] != labels
    assert client.post("/_mockbsc/reset", json={}).json()["sims"] == 24
