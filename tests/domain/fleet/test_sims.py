"""SIM management through HTTP: listing, paging, filters, reads, queued changes, tenancy."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.fleet.identities import luhn_valid
from mockbsc.domain.platform import Emulator
from tests.conftest import API

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")
LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def test_default_page_carries_the_four_headers(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get(f"{API}/v1/sims", headers=auth)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    assert {k: response.headers[k] for k in ("X-Count-Per-Page", "X-Current-Page",
                                             "X-Total-Count", "X-Total-Pages")} == {
        "X-Count-Per-Page": "10", "X-Current-Page": "1", "X-Total-Count": "50",
        "X-Total-Pages": "5"}


def test_page_two_of_five(client: TestClient, auth: dict[str, str]) -> None:
    first = client.get(f"{API}/v1/sims", params={"pageSize": 5}, headers=auth).json()
    second = client.get(f"{API}/v1/sims", params={"page": 2, "pageSize": 5}, headers=auth)
    assert second.headers["X-Current-Page"] == "2"
    assert second.headers["X-Total-Pages"] == "10"
    assert {s["iccid"] for s in first}.isdisjoint(s["iccid"] for s in second.json())


def listing_url(client: TestClient, auth: dict[str, str], iccid: str, listing: str) -> str:
    """The listing's URL, with three items made first where the fleet has none."""
    if listing == "orders":
        for _ in range(3):
            assert client.post(f"{API}/v1/sims/{iccid}/topup", headers=auth).status_code == 201
        return f"{API}/v1/orders"
    if listing == "sms":
        for n in range(3):
            assert client.post(f"{API}/v1/sims/{iccid}/sms", headers=auth,
                               json={"payload": f"n{n}", "source_address": "1234567"}
                               ).status_code == 201
        return f"{API}/v1/sims/{iccid}/sms"
    return f"{API}/v1/sims/{iccid}/events" if listing == "events" else f"{API}/v1/sims"


@pytest.mark.parametrize("listing", ["sims", "orders", "sms", "events"])
def test_total_pages_count_a_partial_last_page(client: TestClient, auth: dict[str, str],
                                               iccid: str, listing: str) -> None:
    """Guards: `X-Total-Pages` rounds up (a partial last page is a page), on every paged
    listing, with page sizes that do not divide the total."""
    url = listing_url(client, auth, iccid, listing)
    total = int(client.get(url, headers=auth).headers["X-Total-Count"])
    page_size = next(n for n in (2, 3, 7, 9, 11) if total % n and n < total)
    first = client.get(url, params={"pageSize": page_size}, headers=auth)
    assert first.status_code == 200
    pages = total // page_size + 1
    assert first.headers["X-Total-Pages"] == str(pages)
    last = client.get(url, params={"page": pages, "pageSize": page_size}, headers=auth)
    assert last.status_code == 200
    items = last.json()["events"] if listing == "events" else last.json()
    assert len(items) == total % page_size
    if listing == "events":
        assert first.json()["totalPages"] == pages


def test_page_past_the_end_is_empty(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get(f"{API}/v1/sims", params={"page": 99}, headers=auth)
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    ("params", "name", "rule"),
    [({"pageSize": 101}, "pageSize", "maximum"), ({"page": 0}, "page", "minimum"),
     ({"pageSize": "ten"}, "pageSize", "type")],
    ids=["pagesize-over-max", "page-zero", "pagesize-text"],
)
def test_bad_list_parameters_name_the_parameter(
    client: TestClient, auth: dict[str, str], params: dict[str, object], name: str, rule: str
) -> None:
    response = client.get(f"{API}/v1/sims", params=params, headers=auth)
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["name"] == name
    assert body["errors"][0]["rule"] == rule
    assert name in body["message"]


def test_sim_fields_have_the_recorded_shapes(client: TestClient, auth: dict[str, str]) -> None:
    for sim in client.get(f"{API}/v1/sims", params={"pageSize": 50}, headers=auth).json():
        assert re.fullmatch(r"8988280666\d{9}", sim["iccid"])
        assert sim["iccid_with_luhn"].startswith(sim["iccid"])
        assert luhn_valid(sim["iccid_with_luhn"])
        assert sim["imsi"].startswith("901405")
        assert sim["msisdn"].startswith("882285")
        assert sim["imsi"][-9:] == sim["msisdn"][-9:]
        assert sim["iccid"][-8:] == sim["imsi"][-8:]
        assert TIMESTAMP.match(sim["activation_date"])
        assert sim["status"] in ("Enabled", "Disabled")
        assert "imei" not in sim or re.fullmatch(r"\d{16}", sim["imei"])  # IMEISV, as S4
        assert None not in sim.values()


def test_filter_by_ip_address_and_sort_by_imei(client: TestClient, auth: dict[str, str]) -> None:
    sims = client.get(f"{API}/v1/sims", params={"pageSize": 100}, headers=auth).json()
    target = sims[7]
    found = client.get(f"{API}/v1/sims", params={"q": f"ip_address:{target['ip_address']}"},
                       headers=auth).json()
    assert [s["iccid"] for s in found] == [target["iccid"]]
    ordered = client.get(f"{API}/v1/sims", params={"sort": "-imei", "pageSize": 100},
                         headers=auth).json()
    imeis = [s["imei"] for s in ordered if "imei" in s]
    assert imeis == sorted(imeis, reverse=True)


def test_unknown_iccid_is_404_by_default(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get(f"{API}/v1/sims/11111222233444", headers=auth)
    assert response.status_code == 404
    assert response.json()["message"] == "SIM not found."


def test_unknown_iccid_can_answer_like_the_2021_wire(auth: dict[str, str]) -> None:
    from mockbsc.adapters.fixtures_file import load_scenario
    from mockbsc.api.app import create_app
    from mockbsc.config import Settings
    from tests.conftest import token_for

    emulator = Emulator(Settings(clock="manual", unknown_sim="empty"), load_scenario())
    with TestClient(create_app(emulator)) as other:
        headers = {"Authorization": f"Bearer {token_for(other)}"}
        response = other.get(f"{API}/v1/sims/11111222233444", headers=headers)
    assert response.status_code == 200
    assert response.content == b""


def test_other_organisations_sim_is_not_yours(
    client: TestClient, auth: dict[str, str], other_auth: dict[str, str]
) -> None:
    theirs = client.get(f"{API}/v1/sims", headers=other_auth).json()[0]["iccid"]
    for path in ("", "/status", "/quota/data", "/usage", "/events", "/sms"):
        response = client.get(f"{API}/v1/sims/{theirs}{path}", headers=auth)
        assert response.status_code == 403, path
        assert response.json()["message"] == "SIM does not belong to user."
        assert theirs[-6:] not in response.text.replace(theirs, "")
    assert client.put(f"{API}/v1/sims/{theirs}", json={"label": "x"},
                      headers=auth).status_code == 403
    mine = {s["iccid"] for s in client.get(f"{API}/v1/sims", params={"pageSize": 100},
                                           headers=auth).json()}
    assert theirs not in mine


def test_put_is_accepted_at_once_and_applied_through_the_queue(
    client: TestClient, emulator: Emulator, auth: dict[str, str], iccid: str
) -> None:
    response = client.put(f"{API}/v1/sims/{iccid}", json={"label": "Pump 7", "status": "Disabled"},
                          headers=auth)
    assert response.status_code == 200
    assert response.content == b""
    assert client.get(f"{API}/v1/sims/{iccid}", headers=auth).json()["status"] == "Enabled"
    emulator.advance(2)
    sim = client.get(f"{API}/v1/sims/{iccid}", headers=auth).json()
    assert (sim["label"], sim["status"]) == ("Pump 7", "Disabled")
    events = client.get(f"{API}/v1/sims/{iccid}/events", headers=auth).json()["events"]
    assert any("'Enabled' to 'Disabled'" in e["description"] for e in events)
    status = client.get(f"{API}/v1/sims/{iccid}/status", headers=auth).json()
    assert status["status"] == "OFFLINE"


def test_recorded_lenient_bodies_are_accepted(
    client: TestClient, auth: dict[str, str], iccid: str
) -> None:
    assert client.put(f"{API}/v1/sims/{iccid}", json={}, headers=auth).status_code == 200
    assert client.post(f"{API}/v1/sims", json=[], headers=auth).status_code == 201
    response = client.post(f"{API}/v1/sims", json=[{"iccid": iccid, "label": "Test Label 1"}],
                           headers={**auth, "Content-Type": "application/json;charset=UTF-8"})
    assert response.status_code == 201
    assert response.content == b""


def test_bulk_post_applies_every_change(
    client: TestClient, emulator: Emulator, auth: dict[str, str]
) -> None:
    sims = client.get(f"{API}/v1/sims", params={"pageSize": 3}, headers=auth).json()
    body = [{"iccid": s["iccid"], "label": f"bulk-{n}", "imei_lock": True}
            for n, s in enumerate(sims)]
    assert client.post(f"{API}/v1/sims", json=body, headers=auth).status_code == 201
    emulator.advance(5)
    after = client.get(f"{API}/v1/sims", params={"pageSize": 3}, headers=auth).json()
    assert [(s["label"], s["imei_lock"]) for s in after] == [
        ("bulk-0", True), ("bulk-1", True), ("bulk-2", True)]


def test_put_with_wrong_types_names_the_field(
    client: TestClient, auth: dict[str, str], iccid: str
) -> None:
    response = client.put(f"{API}/v1/sims/{iccid}", json={"status": "Active", "imei_lock": "yes"},
                          headers=auth)
    assert response.status_code == 400
    names = {e["name"]: e["rule"] for e in response.json()["errors"]}
    assert names == {"body.status": "enum", "body.imei_lock": "type"}


def test_quotas_use_the_recorded_formats(
    client: TestClient, auth: dict[str, str], iccid: str
) -> None:
    data = client.get(f"{API}/v1/sims/{iccid}/quota/data", headers=auth).json()
    sms = client.get(f"{API}/v1/sims/{iccid}/quota/sms", headers=auth).json()
    assert LOCAL.match(data["expiry_date"])
    assert LOCAL.match(data["last_status_change_date"])
    assert data["total_volume"] == 500
    assert data["threshold_percentage"] == 20
    assert data["peak_throughput"] == 128000
    assert sms["total_volume"] == 250
    assert "peak_throughput" not in sms


def test_usage_is_newest_first_with_a_total_row(
    client: TestClient, emulator: Emulator, auth: dict[str, str], iccid: str
) -> None:
    stats = client.get(f"{API}/v1/sims/{iccid}/usage", headers=auth).json()["stats"]
    assert len(stats) == 15
    assert stats[-1]["date"] == "TOTAL"
    days = [row["date"] for row in stats[:-1]]
    assert days == sorted(days, reverse=True)
    assert days[0] == emulator.now().date().isoformat()
    total = sum(float(row["data"]["volume"]) for row in stats[:-1])
    assert float(stats[-1]["data"]["volume"]) == pytest.approx(total, abs=1e-3)
    inverted = client.get(f"{API}/v1/sims/{iccid}/usage",
                          params={"start_dt": "2000", "end_dt": "1998"}, headers=auth).json()
    assert [row["date"] for row in inverted["stats"]] == ["TOTAL"]


def test_events_are_paged_with_totals(client: TestClient, auth: dict[str, str],
                                      iccid: str) -> None:
    response = client.get(f"{API}/v1/sims/{iccid}/events", params={"pageSize": 1}, headers=auth)
    body = response.json()
    assert set(body) == {"events", "totalEvents", "totalPages"}
    assert response.headers["X-Total-Count"] == str(body["totalEvents"])
    assert body["totalPages"] == body["totalEvents"]
    assert TIMESTAMP.match(body["events"][0]["timestamp"])


@pytest.mark.parametrize(("number", "valid"), [
    ("79927398713", True), ("79927398710", False), ("89882806660302179991", True),
    ("89882806660302179992", False), ("0", False), ("00", True), ("7992739871x", False),
    ("", False), ("²9927398713", False),
], ids=["valid", "wrong-digit", "iccid", "iccid-wrong", "one-digit", "zeros", "letter",
        "empty", "superscript-digit"])
def test_luhn_check_of_identities(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid
