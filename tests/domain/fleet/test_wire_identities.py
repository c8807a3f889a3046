"""IMEIs as the live wire shows them (16-digit IMEISV), `q=imei:` matching, and radio access
types from 1NCE's enum with their 3GPP ids."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from tests.conftest import API


def _with_imei(client: TestClient, auth: dict[str, str]) -> dict[str, str]:
    sims = client.get(f"{API}/v1/sims", params={"pageSize": 50}, headers=auth).json()
    return next(s for s in sims if "imei" in s)


def test_imeis_are_16_digit_imeisv(client: TestClient, auth: dict[str, str]) -> None:
    sims = client.get(f"{API}/v1/sims", params={"pageSize": 100}, headers=auth).json()
    imeis = [s["imei"] for s in sims if "imei" in s]
    assert imeis
    assert all(re.fullmatch(r"\d{16}", i) for i in imeis)


def test_q_imei_matches_the_imeisv_and_the_devices_15_digit_imei(
        client: TestClient, auth: dict[str, str]) -> None:
    sim = _with_imei(client, auth)
    imeisv = sim["imei"]
    for value in (imeisv, imeisv[:14] + "7"):  # the IMEISV, or the IMEI (any check digit)
        found = client.get(f"{API}/v1/sims", params={"q": f"imei:{value}"}, headers=auth).json()
        assert [s["iccid"] for s in found] == [sim["iccid"]]
    other = imeisv[:13] + str((int(imeisv[13]) + 1) % 10) + "7"  # another device
    assert client.get(f"{API}/v1/sims", params={"q": f"imei:{other}"}, headers=auth).json() == []
    assert client.get(f"{API}/v1/sims", params={"q": f"imei:{imeisv[:8]}"},
                      headers=auth).json() == []


@pytest.mark.parametrize(("rat", "wire"), [
    ("2G", {"rat_type_id": "2", "description": "2G"}),
    ("3G", {"rat_type_id": "1", "description": "3G"}),
    ("4G", {"rat_type_id": "6", "description": "4G"}),
    ("5G", {"rat_type_id": "10", "description": "5G"}),
    ("NB-IoT", {"rat_type_id": "8", "description": "NB-IoT"}),
    ("LTE-M", {"rat_type_id": "6", "description": "4G"}),
])
def test_rat_types_are_1nce_values_with_3gpp_ids(client: TestClient, auth: dict[str, str],
                                                 iccid: str, rat: str,
                                                 wire: dict[str, str]) -> None:
    client.post(f"/_mockbsc/sims/{iccid}/detach")
    assert client.post(f"/_mockbsc/sims/{iccid}/attach", json={"rat": rat}).status_code == 200
    status = client.get(f"{API}/v1/sims/{iccid}/status", headers=auth).json()
    assert status["pdp_context"]["rat_type"] == wire


def test_seeded_fleet_reports_only_1nce_rat_values(client: TestClient,
                                                   auth: dict[str, str]) -> None:
    sims = client.get(f"{API}/v1/sims", params={"pageSize": 50}, headers=auth).json()
    seen = set()
    for sim in sims:
        status = client.get(f"{API}/v1/sims/{sim['iccid']}/status", headers=auth).json()
        if "pdp_context" in status:
            seen.add(status["pdp_context"]["rat_type"]["description"])
    assert seen
    assert seen <= {"2G", "3G", "4G", "5G", "NB-IoT"}


def test_fleet_mixes_sms_quota_states_as_data_quota_states(
        client: TestClient, auth: dict[str, str]) -> None:
    sims = []
    for page in (1, 2, 3):
        sims += client.get(f"{API}/v1/sims", params={"pageSize": 100, "page": page},
                           headers=auth).json()
    states = {s["quota_status_SMS"]["id"] for s in sims}
    assert states == {0, 1, 2}, states
    low = next(s for s in sims if s["quota_status_SMS"]["id"] == 1)
    quota = client.get(f"{API}/v1/sims/{low['iccid']}/quota/sms", headers=auth).json()
    assert 0 < quota["volume"] < 250 * 0.2
    assert "threshold_reached_date" in low["quota_status_SMS"]
