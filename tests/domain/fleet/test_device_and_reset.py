"""The simulated device: attach, detach, data use with quota thresholds, queued resets."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.fleet.events import SIM_ACTIVATION, SIM_SUSPENSION
from mockbsc.domain.platform import Emulator
from tests.conftest import API, token_for

ACTIVATED, SUSPENDED = SIM_ACTIVATION.name, SIM_SUSPENSION.name  # S1's phrasing


def event_types(client: TestClient, auth: dict[str, str], iccid: str) -> list[str]:
    body = client.get(f"{API}/v1/sims/{iccid}/events", params={"pageSize": 1000,
                                                              "sort": "timestamp,id"},
                      headers=auth).json()
    return [e["event_type"] for e in body["events"]]


def test_attach_detach_follow_status_and_connectivity(
    client: TestClient, auth: dict[str, str], iccid: str
) -> None:
    client.post(f"/_mockbsc/sims/{iccid}/detach")
    assert client.get(f"{API}/v1/sims/{iccid}/status", headers=auth).json()["status"] == "OFFLINE"
    info = client.get(f"{API}/v1/sims/{iccid}/connectivity_info", headers=auth).json()
    assert info["subscriber_info"]["state"] == "not_provided_from_vlr"
    attached = client.post(f"/_mockbsc/sims/{iccid}/attach", json={"country": "PL"})
    assert attached.status_code == 200
    assert attached.json()["status"] == "ONLINE"
    status = client.get(f"{API}/v1/sims/{iccid}/status", headers=auth).json()
    assert status["status"] == "ONLINE"
    assert status["location"]["country"]["iso_code"] == "pl"
    assert status["pdp_context"]["ue_ip_address"]
    info = client.get(f"{API}/v1/sims/{iccid}/connectivity_info", params={"ussd": "true"},
                      headers=auth).json()
    assert info["subscriber_info"]["location"]["cell_global_id"]["mcc"] == "260"
    assert "ussd_info" in info
    assert event_types(client, auth, iccid)[-3:] == [
        "Update location", "Update GPRS location", "Create PDP Context"]


def test_data_use_crosses_thresholds_with_events(
    client: TestClient, emulator: Emulator, auth: dict[str, str], iccid: str
) -> None:
    client.post(f"/_mockbsc/sims/{iccid}/attach")
    volume = client.get(f"{API}/v1/sims/{iccid}/quota/data", headers=auth).json()["volume"]
    low = client.post(f"/_mockbsc/sims/{iccid}/consume", json={"data_mb": volume - 50})
    assert low.json()["quota_status"] == 1
    sim = client.get(f"{API}/v1/sims/{iccid}", headers=auth).json()
    assert sim["quota_status"]["description"] == "Less than 20% available"
    almost = client.post(f"/_mockbsc/sims/{iccid}/consume", json={"data_mb": 49.5})
    assert almost.json()["volume"] == 0.5
    # Half a megabyte left is still volume: the session goes on until it is all used.
    assert client.get(f"{API}/v1/sims/{iccid}/status", headers=auth).json()["status"] == "ONLINE"
    empty = client.post(f"/_mockbsc/sims/{iccid}/consume", json={"data_mb": 60})
    assert empty.json() == {"iccid": iccid, "volume": 0, "quota_status": 2}
    types = event_types(client, auth, iccid)
    assert "Data Quota Threshold reached" in types
    assert types[-2:] == [
        "Data Quota used up", "Delete PDP Context"]
    refused = client.post(f"/_mockbsc/sims/{iccid}/consume", json={"data_mb": 1})
    assert refused.status_code == 409
    assert refused.json()["message"] == f"SIM {iccid} has no data session (attach it first)"
    client.post(f"/_mockbsc/sims/{iccid}/attach")  # attached again, but no data session
    assert client.post(f"/_mockbsc/sims/{iccid}/consume",
                       json={"data_mb": 1}).status_code == 409
    today = client.get(f"{API}/v1/sims/{iccid}/usage", headers=auth).json()["stats"][0]
    assert float(today["data"]["volume"]) >= volume - 1e-6


def test_reset_is_queued_then_drops_and_reattaches(
    client: TestClient, emulator: Emulator, auth: dict[str, str], iccid: str
) -> None:
    client.post(f"/_mockbsc/sims/{iccid}/attach")
    response = client.post(f"{API}/v1/sims/{iccid}/reset", headers=auth)
    assert response.status_code == 201
    assert response.content == b""
    assert client.get(f"{API}/v1/sims/{iccid}/status", headers=auth).json()["status"] == "ONLINE"
    emulator.advance(120)
    assert client.get(f"{API}/v1/sims/{iccid}/status", headers=auth).json()["status"] == "OFFLINE"
    emulator.advance(10)
    assert client.get(f"{API}/v1/sims/{iccid}/status", headers=auth).json()["status"] == "ONLINE"
    types = event_types(client, auth, iccid)
    start = types.index("Connectivity reset requested")
    assert types[start:] == [
        "Connectivity reset requested", SUSPENDED, "Delete PDP Context",
        "Purge GPRS location", "Purge Location", "Endpoint disabled", "Endpoint enabled",
        ACTIVATED, "Update location", "Update GPRS location", "Create PDP Context"]


def test_disabled_sim_cannot_attach(client: TestClient, emulator: Emulator,
                                    auth: dict[str, str], iccid: str) -> None:
    client.put(f"{API}/v1/sims/{iccid}", json={"status": "Disabled"}, headers=auth)
    emulator.advance(2)
    response = client.post(f"/_mockbsc/sims/{iccid}/attach")
    assert response.status_code == 409
    assert "disabled" in response.json()["message"]


def test_clock_control_and_reset(client: TestClient, auth: dict[str, str], iccid: str) -> None:
    seeded = client.get(f"{API}/v1/sims/{iccid}", headers=auth).json()["label"]
    clock = client.get("/_mockbsc/clock").json()
    assert clock["mode"] == "manual"
    moved = client.post("/_mockbsc/clock/advance", json={"seconds": 86400}).json()
    assert moved["offset_seconds"] == 86400
    assert client.post("/_mockbsc/clock/advance", json={"seconds": -1}).status_code == 400
    back = client.post("/_mockbsc/clock/set", json={"now": clock["now"]})
    assert back.status_code == 409
    auth = {"Authorization": f"Bearer {token_for(client)}"}  # the first one expired
    assert client.put(f"{API}/v1/sims/{iccid}", json={"label": "changed"},
                      headers=auth).status_code == 200
    assert client.post("/_mockbsc/clock/advance", json={"seconds": 5}).status_code == 200
    assert client.get(f"{API}/v1/sims/{iccid}", headers=auth).json()["label"] == "changed"
    reset = client.post("/_mockbsc/reset")
    assert reset.status_code == 200
    assert reset.json()["status"] == "reset"
    assert client.get(f"{API}/v1/sims", headers=auth).status_code == 401  # tokens are gone
    fresh = {"Authorization": f"Bearer {token_for(client)}"}
    assert client.get("/_mockbsc/clock").json()["offset_seconds"] == 86405  # time stays
    sim = client.get(f"{API}/v1/sims/{iccid}", headers=fresh)
    assert sim.status_code == 200
    assert sim.json()["label"] == seeded != "changed"  # the label change was undone


def test_same_seed_same_fleet_other_seed_other_fleet() -> None:
    from mockbsc.adapters.fixtures_file import load_scenario
    from mockbsc.config import Settings

    def fleet(seed: int) -> list[tuple[str, str, float, str]]:
        emulator = Emulator(Settings(clock="manual", seed=seed), load_scenario())
        return [(s.iccid, s.status.value, s.data_quota.volume, s.imei or "")
                for s in emulator.sims.all()]

    assert fleet(7) == fleet(7)
    assert fleet(7) != fleet(8)


def test_the_fleet_is_the_same_with_or_without_the_label_cache() -> None:
    """A server takes its label pool from the cache; a plain Emulator makes it from Faker."""
    from mockbsc.adapters.fixtures_file import load_scenario
    from mockbsc.config import Settings
    from mockbsc.domain.fleet.seeding import faker_pool

    made = Emulator(Settings(clock="manual", seed=7), load_scenario())
    cached = Emulator(Settings(clock="manual", seed=7), load_scenario(),
                      labels=lambda seed: list(faker_pool(seed)))
    labels = [s.label for s in made.sims.all()]
    assert labels == [s.label for s in cached.sims.all()]
    assert any(labels)


def test_put_changes_are_recorded_as_events_only_when_they_change_something(
    client: TestClient, emulator: Emulator, auth: dict[str, str], iccid: str
) -> None:
    def events() -> list[dict[str, str]]:
        body = client.get(f"{API}/v1/sims/{iccid}/events", headers=auth,
                          params={"pageSize": 1000, "sort": "timestamp,id"}).json()
        return list(body["events"])

    before = len(events())
    client.put(f"{API}/v1/sims/{iccid}", json={"label": "Pump 7", "imei_lock": True},
               headers=auth)
    emulator.advance(2)
    changed = events()[before:]
    assert [e["description"] for e in changed] == [
        "Label changed to 'Pump 7'", "IMEI lock enabled"]
    now = client.get("/_mockbsc/clock").json()["now"]
    assert {e["timestamp"][:16] for e in changed} == {now[:16]}
    client.put(f"{API}/v1/sims/{iccid}", json={"label": "Pump 7", "imei_lock": True},
               headers=auth)
    emulator.advance(2)
    assert events()[before + 2:] == []  # nothing changed, nothing recorded
    client.put(f"{API}/v1/sims/{iccid}", json={"imei_lock": False}, headers=auth)
    emulator.advance(2)
    assert [e["description"] for e in events()[before + 2:]] == ["IMEI lock disabled"]


def test_seeded_history_does_not_depend_on_when_it_is_first_read() -> None:
    from mockbsc.adapters.fixtures_file import load_scenario
    from mockbsc.config import Settings

    def history(skip_days: int) -> list[tuple[str, float, int]]:
        emulator = Emulator(Settings(clock="manual"), load_scenario())
        emulator.advance(skip_days * 86400)
        sim = next(s for s in emulator.sims.all() if s.data_quota.volume < 450)
        report = emulator.sim_usage(sim.org_id, sim.iccid, "2025-12-20", "2026-01-05")
        return [(d.day.isoformat(), round(d.data_rx, 6), d.sms_mt) for d in report.days]

    assert history(0) == history(3)
    assert any(volume > 0 for _, volume, _ in history(0))


def test_re_enabling_a_sim_records_its_activation_and_the_device_attaches_again(
    client: TestClient, emulator: Emulator, auth: dict[str, str], iccid: str
) -> None:
    client.put(f"{API}/v1/sims/{iccid}", json={"status": "Disabled"}, headers=auth)
    emulator.advance(2)
    assert client.get(f"{API}/v1/sims/{iccid}/status", headers=auth).json()["status"] == "OFFLINE"
    client.put(f"{API}/v1/sims/{iccid}", json={"status": "Enabled"}, headers=auth)
    emulator.advance(2)
    applied_at = client.get("/_mockbsc/clock").json()["now"]
    events = client.get(f"{API}/v1/sims/{iccid}/events",
                        params={"pageSize": 1000, "sort": "timestamp,id"}, headers=auth).json()
    activation = events["events"][-1]
    assert (activation["event_type"], activation["iccid"]) == ("SIM activation", iccid)
    assert activation["description"] == "Status of SIM changed from 'Disabled' to 'Enabled'"
    assert activation["timestamp"][:16] == applied_at[:16]
    # The device comes back only after the re-attach delay (10 s by default), on its own.
    emulator.advance(9)
    assert client.get(f"{API}/v1/sims/{iccid}/status", headers=auth).json()["status"] == "OFFLINE"
    emulator.advance(2)
    assert client.get(f"{API}/v1/sims/{iccid}/status", headers=auth).json()["status"] == "ONLINE"
    assert event_types(client, auth, iccid)[-3:] == [
        "Update location", "Update GPRS location", "Create PDP Context"]


@pytest.mark.parametrize(("rat", "retrieved"), [("2G", True), ("3G", True), ("4G", False)])
def test_only_2g_and_3g_report_a_freshly_retrieved_location(
    client: TestClient, auth: dict[str, str], iccid: str, rat: str, retrieved: bool
) -> None:
    assert client.post(f"/_mockbsc/sims/{iccid}/attach", json={"rat": rat}).status_code == 200
    info = client.get(f"{API}/v1/sims/{iccid}/connectivity_info", headers=auth).json()
    assert info["subscriber_info"]["location"]["current_location_retrieved"] is retrieved


def test_a_sim_disabled_while_its_reset_runs_does_not_attach_again(
    client: TestClient, emulator: Emulator, auth: dict[str, str], iccid: str
) -> None:
    client.post(f"{API}/v1/sims/{iccid}/reset", headers=auth)
    emulator.advance(emulator.settings.reset_delay + 1)  # dropped; re-attach 10 s away
    assert client.get(f"{API}/v1/sims/{iccid}/status", headers=auth).json()["status"] == "OFFLINE"
    client.put(f"{API}/v1/sims/{iccid}", json={"status": "Disabled"}, headers=auth)
    emulator.advance(30)
    assert client.get(f"{API}/v1/sims/{iccid}", headers=auth).json()["status"] == "Disabled"
    assert client.get(f"{API}/v1/sims/{iccid}/status", headers=auth).json()["status"] == "OFFLINE"
