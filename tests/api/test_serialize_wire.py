"""The wire shapes, field by field: what a client of the platform parses.

Each test reads one resource of the default seeded fleet (manual clock at 2026-01-05T09:00Z)
and compares the whole JSON body, so a renamed, dropped, retyped or reformatted field fails
here before the serialisation is rewritten.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.platform import Emulator
from tests.conftest import API

FIRST = "8988280666030217999"  # enabled, attached (not online), labelled
ONLINE = "8988280666030218002"
DISABLED = "8988280666030218001"  # neither attached nor online

SECURITY_HEADERS = {
    "cache-control": "no-cache, no-store, max-age=0, must-revalidate",
    "pragma": "no-cache",
    "expires": "0",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "x-xss-protection": "1; mode=block",
}
AUSTRIA_LOCATION: dict[str, Any] = {
    "iccid": FIRST,
    "imsi": "901405130217999",
    "last_updated": "2026-01-04 22:19:40",
    "last_updated_gprs": "2026-01-04 22:19:40",
    "sgsn_number": "43676000222",
    "sgsn_number_np": "1",
    "operator_id": "40",
    "operator": {"id": 40, "name": "T-Mobile",
                 "country": {"id": 13, "name": "Austria", "iso_code": "at"}},
    "country": {"country_id": "13", "name": "Austria", "country_code": "43", "mcc": "232",
                "iso_code": "at", "latitude": "47.333333", "longitude": "13.333333"},
    "sgsn_ip_address": "213.162.64.7",
}


def _get(client: TestClient, auth: dict[str, str], path: str, **params: Any) -> Any:
    response = client.get(f"{API}{path}", headers=auth, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_sim_has_every_field_in_the_platform_format(
        client: TestClient, auth: dict[str, str]) -> None:
    response = client.get(f"{API}/v1/sims/{FIRST}", headers=auth)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    assert {k: response.headers[k] for k in SECURITY_HEADERS} == SECURITY_HEADERS
    assert response.json() == {
        "iccid": FIRST,
        "iccid_with_luhn": "89882806660302179991",
        "imsi": "901405130217999",
        "current_imsi": "901405130217999",
        "msisdn": "882285130217999",
        "imei": "8682390548064812",
        "imei_lock": False,
        "status": "Enabled",
        "activation_date": "2024-03-20T15:11:41.000+0000",
        "ip_address": "10.210.176.1",
        "current_quota": 500,
        "quota_status": {"id": 0, "description": "More than 20% available"},
        "current_quota_SMS": 250,
        "quota_status_SMS": {"id": 0, "description": "More than 20% available"},
        "label": "Port Frankfurt pump",
    }


def test_sim_listing_pages_carry_the_four_headers(
        client: TestClient, auth: dict[str, str]) -> None:
    response = client.get(f"{API}/v1/sims", headers=auth, params={"page": 2, "pageSize": 20})
    assert response.status_code == 200
    assert {k: response.headers[k] for k in SECURITY_HEADERS} == SECURITY_HEADERS
    assert (response.headers["x-count-per-page"], response.headers["x-current-page"],
            response.headers["x-total-count"], response.headers["x-total-pages"]) == (
        "20", "2", "50", "3")
    assert [s["iccid"][-4:] for s in response.json()][:2] == ["8019", "8020"]


def test_attached_sim_status_has_a_location_and_no_pdp_context(
        client: TestClient, auth: dict[str, str]) -> None:
    assert _get(client, auth, f"/v1/sims/{FIRST}/status") == {
        "status": "ATTACHED", "location": AUSTRIA_LOCATION, "services": ["SMS"]}


def test_online_sim_status_has_its_pdp_context(
        client: TestClient, auth: dict[str, str]) -> None:
    body = _get(client, auth, f"/v1/sims/{ONLINE}/status")
    assert body["status"] == "ONLINE"
    assert body["services"] == ["GPRS", "SMS"]
    assert body["location"]["operator"] == {
        "id": 2, "name": "Vodafone", "country": {"id": 74, "name": "Germany", "iso_code": "de"}}
    assert body["pdp_context"] == {
        "pdp_context_id": "672712118",
        "endpoint_id": "30218002",
        "organisation_id": "4321",
        "imsi": "901405130218002",
        "ue_ip_address": "10.210.176.4",
        "apn": "iot.telekom.net",
        "created": "2026-01-04 15:48:05",
        "duration": "61915",
        "rat_type": {"rat_type_id": "6", "description": "4G"},
        "mcc": "262",
        "mnc": "02",
        "lac": "40393",
        "ci": "49672",
    }


def test_offline_sim_status_has_no_location_and_no_services(
        client: TestClient, auth: dict[str, str]) -> None:
    assert _get(client, auth, f"/v1/sims/{DISABLED}/status") == {
        "status": "OFFLINE", "services": []}


def test_connectivity_of_an_online_sim_with_ussd(
        client: TestClient, auth: dict[str, str]) -> None:
    body = _get(client, auth, f"/v1/sims/{ONLINE}/connectivity_info", subscriber="true",
                ussd="true")
    assert body == {
        "subscriber_info": {
            "success": True, "state": "attached",
            "location": {"current_location_retrieved": False, "age_of_location": 1031,
                         "cell_global_id": {"mcc": "262", "mnc": "2", "lac": 40393,
                                            "cid": 49672}}},
        "ussd_info": {"success": False, "error": "USSD not supported by the device"},
        "request_timestamp": "2026-01-05T09:00:00.000+0000",
        "reply_timestamp": "2026-01-05T09:00:00.202+0000",
    }


def test_connectivity_of_an_attached_sim_by_default(
        client: TestClient, auth: dict[str, str]) -> None:
    body = _get(client, auth, f"/v1/sims/{FIRST}/connectivity_info")
    assert body["subscriber_info"] == {
        "success": True, "state": "assumed_idle",
        "location": {"current_location_retrieved": False, "age_of_location": 640,
                     "cell_global_id": {"mcc": "232", "mnc": "3", "lac": 9146, "cid": 53618}}}
    assert "ussd_info" not in body


def test_connectivity_without_subscriber_info(
        client: TestClient, auth: dict[str, str]) -> None:
    body = _get(client, auth, f"/v1/sims/{FIRST}/connectivity_info", subscriber="false")
    assert body == {"request_timestamp": "2026-01-05T09:00:00.000+0000",
                    "reply_timestamp": "2026-01-05T09:00:00.202+0000"}


def test_connectivity_of_a_detached_sim(client: TestClient, auth: dict[str, str]) -> None:
    body = _get(client, auth, f"/v1/sims/{DISABLED}/connectivity_info")
    assert body["subscriber_info"] == {"success": True, "state": "not_provided_from_vlr"}


def test_events_newest_first_with_every_field(
        client: TestClient, auth: dict[str, str]) -> None:
    response = client.get(f"{API}/v1/sims/{FIRST}/events", headers=auth)
    assert response.status_code == 200
    assert (response.headers["x-count-per-page"], response.headers["x-current-page"],
            response.headers["x-total-count"], response.headers["x-total-pages"]) == (
        "10", "1", "4", "1")
    body = response.json()
    assert (body["totalEvents"], body["totalPages"]) == (4, 1)
    assert [e["id"] for e in body["events"]] == [4, 3, 2, 1]
    assert body["events"][0] == {
        "id": 4,
        "timestamp": "2026-01-04T22:19:40.000+0000",
        "event_type": "Update location",
        "event_severity": "Info",
        "alert": False,
        "description": "Update location",
        "iccid": FIRST,
        "imsi": "901405130217999",
        "imei": "8682390548064812",
        "country": "Austria",
        "operator": "T-Mobile",
        "mcc": "232",
        "mnc": "03",
    }
    assert body["events"][2]["event_type"] == "Create PDP Context"
    assert body["events"][2]["timestamp"] == "2025-12-31T13:09:01.087+0000"


def test_data_and_sms_quota(client: TestClient, auth: dict[str, str]) -> None:
    assert _get(client, auth, f"/v1/sims/{FIRST}/quota/data") == {
        "volume": 410.316631, "total_volume": 500, "expiry_date": "2034-03-21 00:00:00",
        "peak_throughput": 128000, "last_volume_added": 500,
        "last_status_change_date": "2024-03-20 15:11:57", "threshold_percentage": 20}
    assert _get(client, auth, f"/v1/sims/{FIRST}/quota/sms") == {
        "volume": 220, "total_volume": 250, "expiry_date": "2034-03-21 00:00:00",
        "last_volume_added": 250, "last_status_change_date": "2024-03-20 15:11:57",
        "threshold_percentage": 20}


def test_usage_rows_per_day_and_a_total(client: TestClient, auth: dict[str, str]) -> None:
    rows = _get(client, auth, f"/v1/sims/{FIRST}/usage")["stats"]
    assert [r["date"] for r in rows[:2]] == ["2026-01-05", "2026-01-04"]
    assert rows[0] == {"date": "2026-01-05",
                       "data": {"volume": "0.025491", "volume_tx": "0.005098",
                                "volume_rx": "0.020393"},
                       "sms": {"volume": "1", "volume_tx": "1", "volume_rx": "0"}}
    assert rows[6]["data"] == {"volume": "4.837", "volume_tx": "0.9674", "volume_rx": "3.8696"}
    assert rows[8]["sms"] == {"volume": "2", "volume_tx": "1", "volume_rx": "1"}
    assert rows[-1] == {"date": "TOTAL",
                        "data": {"volume": "46.767157", "volume_tx": "9.353432",
                                 "volume_rx": "37.413725"},
                        "sms": {"volume": "14", "volume_tx": "13", "volume_rx": "1"}}
    assert len(rows) == 15


def test_mt_sms_before_and_after_delivery(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    sent = client.post(f"{API}/v1/sims/{FIRST}/sms", headers=auth, json={
        "payload": "hi", "source_address": "1234567", "udh": "050003CC0201", "dcs": 8,
        "source_address_type": {"id": 145}, "expiry_date": "2026-01-06T09:00:00Z"})
    assert sent.status_code == 201
    assert sent.content == b""
    location = sent.headers["location"]
    assert location.startswith(f"http://mockbsc{API}/v1/sims/{FIRST}/sms/")
    sms_id = int(location.rsplit("/", 1)[1])
    common = {
        "id": sms_id, "submit_date": "2026-01-05T09:00:00.000+0000",
        "expiry_date": "2026-01-06T09:00:00.000+0000", "retry_count": "0",
        "source_address": "1234567", "iccid": FIRST, "msisdn": "882285130217999",
        "imsi": "901405130217999", "udh": "050003CC0201", "dcs": 8, "payload": "hi",
        "sms_type": {"id": 1, "description": "MT"},
        "source_address_type": {"id": 145, "description": "International"},
    }
    pending = client.get(location, headers=auth)
    assert pending.status_code == 200
    assert pending.json() == {**common,
                              "status": {"id": 1, "description": "DELIVERY ATTEMPT PENDING"}}
    emulator.advance(seconds=120)
    delivered = client.get(location, headers=auth)
    assert delivered.status_code == 200
    assert delivered.json() == {
        **common,
        "delivery_date": "2026-01-05T09:00:03.000+0000",
        "final_date": "2026-01-05T09:00:03.000+0000",
        "last_delivery_attempt": "2026-01-05T09:00:03.000+0000",
        "msc": "43676000222",
        "status": {"id": 4, "description": "DELIVERED"},
    }


def test_placed_order_echoes_the_body_and_reads_back(
        client: TestClient, auth: dict[str, str]) -> None:
    body = {"products": [{"productId": 1001, "quantity": 2}], "customer_reference": "ref-1"}
    placed = client.post(f"{API}/v1/orders", headers=auth, json=body)
    assert placed.status_code == 201
    assert placed.json() == body
    assert placed.headers["location"] == f"http://mockbsc{API}/v1/orders/2000000001"
    assert _get(client, auth, "/v1/orders/2000000001") == {
        "order_number": 2000000001, "order_type": "ADDITIONAL_ORDER",
        "order_date": "2026-01-05T09:00:00.000+0000", "order_status": "CREATED",
        "invoice_number": "20000001", "invoice_amount": "23.80", "currency": "EUR",
        "customer_reference": "ref-1", "sims": [],
        "products": [{"product_id": 1001, "quantity": 2}],
    }


def test_top_up_order_links_its_sim(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(f"{API}/v1/sims/{FIRST}/topup", headers=auth,
                           params={"payment_method": "creditcard"})
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert response.content == b""
    assert response.headers["location"] == f"http://mockbsc{API}/v1/orders/2000000001"
    assert _get(client, auth, "/v1/orders/2000000001") == {
        "order_number": 2000000001, "order_type": "TOPUP",
        "order_date": "2026-01-05T09:00:00.000+0000", "order_status": "COMPLETED",
        "invoice_number": "20000001", "invoice_amount": "11.90", "currency": "EUR",
        "sims": [{"iccid": FIRST, "_links": [
            {"rel": "self", "href": f"http://mockbsc{API}/v1/sims/{FIRST}"}]}],
        "products": [],
    }


def test_products_catalogue(client: TestClient, auth: dict[str, str]) -> None:
    products = _get(client, auth, "/v1/products")
    assert products[0] == {
        "id": 1001, "product": "Business Smart Connect SIM - Standard",
        "material": "BSC FlexSIM", "package_size": 1, "minQuantity": 1, "maxQuantity": 1000,
        "maxQuantityPerCustomer": 100000, "min_contract_duration": 120,
        "one_time_charges": [{"name": "provisionCharge", "amount_net": 10.0,
                              "currency": "EUR"}],
        "recurring_charges": [],
    }
    assert products[1]["package_size"] == 10


@pytest.mark.parametrize(("path", "params", "status", "body"), [
    ("/v1/sims/123", {}, 404, {"message": "SIM not found."}),
    ("/v1/sims", {"page": "x", "pageSize": 0}, 400, {
        "message": 'Validation failed: page: "x" is not of type "integer" (and 1 more)',
        "errors": [
            {"location": "query", "name": "page", "rule": "type",
             "message": 'page: "x" is not of type "integer"'},
            {"location": "query", "name": "pageSize", "rule": "minimum",
             "message": "pageSize: 0 is less than the minimum of 1"}]}),
], ids=["not-found", "two-violations"])
def test_api_errors_in_the_spring_envelope(
        client: TestClient, auth: dict[str, str], path: str, params: dict[str, Any],
        status: int, body: dict[str, Any]) -> None:
    response = client.get(f"{API}{path}", headers=auth, params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    reasons = {400: "Bad Request", 404: "Not Found"}
    assert response.json() == {"timestamp": "2026-01-05T09:00:00.000+0000", "status": status,
                               "error": reasons[status], "path": f"{API}{path}", **body}


def test_unauthenticated_api_call_gets_401_with_a_bearer_challenge(client: TestClient) -> None:
    response = client.get(f"{API}/v1/sims")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {
        "timestamp": "2026-01-05T09:00:00.000+0000", "status": 401, "error": "Unauthorized",
        "message": "Full authentication is required to access this resource",
        "path": f"{API}/v1/sims"}


def test_auth_errors_in_the_auth_service_envelope(client: TestClient) -> None:
    response = client.post(f"{API}/oauth/token", data={"grant_type": "x"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "statusCode": 400, "errorCode": "AuthValidationError",
        "message": "Auth header validation error: Missing attributes 'username', 'password'"}


def test_control_errors_in_the_control_envelope(client: TestClient) -> None:
    response = client.post("/_mockbsc/clock/advance", json={"seconds": "x"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "error": "BadRequest",
        "message": 'Validation failed: body.seconds: "x" is not of type "number"',
        "errors": [{"location": "body", "name": "body.seconds", "rule": "type",
                    "message": 'body.seconds: "x" is not of type "number"'}]}
