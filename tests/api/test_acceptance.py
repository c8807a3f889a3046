"""Issue 13, "accept what the platform's stack accepts": requests Spring Boot and Jackson take
with their defaults are taken, and `--strict-requests` refuses what the contract does not
describe. Through HTTP, as a client sees it."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.platform import Emulator
from tests.conftest import API

ICCID = "8988280666030217999"  # enabled and attached
SIM = f"{API}/v1/sims/{ICCID}"


def _sim(client: TestClient, auth: dict[str, str]) -> Any:
    response = client.get(SIM, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def _put(client: TestClient, auth: dict[str, str], body: Any, emulator: Emulator) -> Any:
    response = client.put(SIM, headers=auth, json=body)
    assert response.status_code == 200, response.text
    emulator.advance(seconds=2)  # queued changes apply after --update-delay
    return _sim(client, auth)


@pytest.mark.parametrize(("body", "field", "value"), [
    ({"imei_lock": "true"}, "imei_lock", True),
    ({"imei_lock": "TRUE"}, "imei_lock", True),
    ({"status": "Disabled", "label": 7}, "label", "7"),
    ({"label": True}, "label", "true"),
], ids=["boolean-as-string", "boolean-upper", "number-for-string", "boolean-for-string"])
def test_jackson_scalar_coercion_on_a_sim_update(
        client: TestClient, auth: dict[str, str], emulator: Emulator, body: dict[str, Any],
        field: str, value: Any) -> None:
    assert _put(client, auth, body, emulator)[field] == value


def test_null_optional_fields_unknown_properties_and_an_empty_object_are_taken(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    before = _sim(client, auth)
    after = _put(client, auth, {"label": None, "status": None, "imei_lock": None,
                                "colour": "red", "nested": {"x": [1]}}, emulator)
    assert after == before  # null means "not given"; unknown properties are ignored
    assert _put(client, auth, {}, emulator) == before


def test_the_iccid_in_a_put_body_is_ignored_even_empty(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    """The path names the SIM; the 1NCE document lists `iccid` in the body all the same."""
    assert _put(client, auth, {"iccid": "", "label": "pump"}, emulator)["label"] == "pump"
    assert _put(client, auth, {"iccid": "123", "label": "pump 2"}, emulator)["label"] == "pump 2"


def test_an_sms_takes_numeric_strings_and_null_optional_fields(
        client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(f"{SIM}/sms", headers=auth, json={
        "payload": "hello", "dcs": "0", "udh": None, "source_address": 1234567,
        "source_address_type": {"id": "145"}, "expiry_date": None})
    assert response.status_code == 201, response.text
    sms = client.get(response.headers["location"], headers=auth).json()
    assert (sms["dcs"], sms["source_address"], sms["source_address_type"]["id"]) == (
        0, "1234567", 145)


def test_an_order_takes_a_numeric_string_quantity(client: TestClient,
                                                  auth: dict[str, str]) -> None:
    response = client.post(f"{API}/v1/orders", headers=auth, json={
        "products": [{"productId": "1001", "quantity": "3"}], "customer_reference": None})
    assert response.status_code == 201, response.text
    assert response.json() == {"products": [{"productId": 1001, "quantity": 3}]}


@pytest.mark.parametrize(("body", "name", "rule"), [
    ({"imei_lock": "yes"}, "body.imei_lock", "type"),  # Jackson takes only true/false
    ({"label": ["x"]}, "body.label", "type"),
    ({"status": "Paused"}, "body.status", "enum"),
], ids=["boolean-yes", "array-for-string", "unknown-status"])
def test_what_jackson_refuses_is_still_refused(client: TestClient, auth: dict[str, str],
                                               body: dict[str, Any], name: str,
                                               rule: str) -> None:
    response = client.put(SIM, headers=auth, json=body)
    assert response.status_code == 400, response.text
    assert [(e["name"], e["rule"]) for e in response.json()["errors"]] == [(name, rule)]


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("GET", "/v1/sims/", None, 200),
    ("GET", f"/v1/sims/{ICCID}/", None, 200),
    ("GET", f"/v1/sims/{ICCID}/quota/data/", None, 200),
    ("PUT", f"/v1/sims/{ICCID}/", {"label": "x"}, 200),
    ("POST", f"/v1/sims/{ICCID}/sms/", {"payload": "hi"}, 201),
    ("GET", "/v1/products/", None, 200),
], ids=["list", "sim", "quota", "put", "sms", "products"])
def test_a_trailing_slash_is_served_like_the_path_without(
        client: TestClient, auth: dict[str, str], method: str, path: str, body: Any,
        status: int) -> None:
    """Spring 5 matches a trailing slash: the same answer, not a 307 redirect."""
    with_slash = client.request(method, f"{API}{path}", headers=auth, json=body,
                                follow_redirects=False)
    assert with_slash.status_code == status, with_slash.text
    if method == "GET":
        assert with_slash.json() == client.get(f"{API}{path[:-1]}", headers=auth).json()


def test_a_trailing_slash_keeps_the_answers_of_the_path_without(
        client: TestClient, auth: dict[str, str]) -> None:
    wrong_method = client.put(f"{API}/v1/sims/topup/", headers=auth, json=[],
                              follow_redirects=False)
    assert wrong_method.status_code == 405
    unknown = client.get(f"{API}/v1/nothing/", headers=auth, follow_redirects=False)
    assert unknown.status_code == 404
    no_token = client.get(f"{API}/v1/sims/", follow_redirects=False)
    assert no_token.status_code == 401


def test_1nce_documented_list_parameters_are_taken(client: TestClient,
                                                   auth: dict[str, str]) -> None:
    """1NCE's own example sorts SMS by `status,ip_address` (ip_address is no SMS field);
    unknown sort keys and filters are ignored, as the platform ignores them."""
    sms = client.get(f"{SIM}/sms", headers=auth, params={"sort": "status,ip_address"})
    assert sms.status_code == 200, sms.text
    plain = client.get(f"{API}/v1/sims", headers=auth).json()
    for params in ({"sort": "label,-colour"}, {"q": "4711"}, {"q": "label:x,,status:"},
                   {"q": "anything at all"}):
        response = client.get(f"{API}/v1/sims", headers=auth, params=params)
        assert response.status_code == 200, (params, response.text)
        assert response.json() == plain, params
    events = client.get(f"{SIM}/events", headers=auth, params={"sort": "severity"})
    assert events.status_code == 200
    orders = client.get(f"{API}/v1/orders", headers=auth, params={"sort": "price"})
    assert orders.status_code == 200


def test_known_filters_still_filter_among_unknown_ones(client: TestClient,
                                                      auth: dict[str, str]) -> None:
    ip = _sim(client, auth)["ip_address"]
    response = client.get(f"{API}/v1/sims", headers=auth,
                          params={"q": f"colour:red,ip_address:{ip}"})
    assert [s["iccid"] for s in response.json()] == [ICCID]


def test_empty_number_and_boolean_query_values_mean_not_given(
        client: TestClient, auth: dict[str, str]) -> None:
    response = client.get(f"{API}/v1/sims", headers=auth, params={"page": "", "pageSize": ""})
    assert response.status_code == 200, response.text
    assert response.headers["x-count-per-page"] == "10"
    info = client.get(f"{SIM}/connectivity_info", headers=auth, params={"ussd": ""})
    assert info.status_code == 200


def test_undocumented_rules_are_not_enforced(client: TestClient, auth: dict[str, str]) -> None:
    assert client.post(f"{API}/v1/sims", headers=auth, json=[]).status_code == 201
    topup = client.post(f"{API}/v1/sims/topup", headers=auth, json=[])
    assert topup.status_code == 201, topup.text
    order = client.get(topup.headers["location"], headers=auth).json()
    assert order["order_type"] == "BULK_TOPUP"
    past = client.post(f"{SIM}/sms", headers=auth,
                       json={"payload": "late", "expiry_date": "2020-01-01T00:00:00Z"})
    assert past.status_code == 201, past.text
    assert client.get(f"{API}/v1/sims/not-an-iccid", headers=auth).status_code == 404
    assert client.get(f"{SIM}/sms/0", headers=auth).status_code == 404


def test_a_bulk_update_naming_no_sim_is_taken_and_changes_nothing(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    """Any text is an ICCID (1NCE: a string); the queue skips one that names no SIM of the
    organisation when it runs, as it always did for unknown digits."""
    before = client.get(f"{API}/v1/sims", headers=auth, params={"pageSize": 100}).json()
    response = client.post(f"{API}/v1/sims", headers=auth,
                           json=[{"iccid": "../../etc", "label": "x"}, {"iccid": ""}])
    assert response.status_code == 201, response.text
    emulator.advance(seconds=2)
    assert client.get(f"{API}/v1/sims", headers=auth, params={"pageSize": 100}).json() == before


@pytest.mark.mockbsc(strict_requests=True)
@pytest.mark.parametrize(("method", "path", "body"), [
    ("PUT", "", {"imei_lock": "true"}),
    ("PUT", "", {"label": None}),
    ("PUT", "", {"label": 7}),
    ("POST", "/sms", {"payload": "x", "dcs": "0"}),
], ids=["boolean-as-string", "null", "number-for-string", "dcs-as-string"])
def test_strict_requests_refuse_what_the_contract_does_not_describe(
        client: TestClient, auth: dict[str, str], method: str, path: str,
        body: dict[str, Any]) -> None:
    response = client.request(method, SIM + path, headers=auth, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["rule"] == "type"


@pytest.mark.mockbsc(strict_requests=True)
def test_strict_requests_redirect_a_trailing_slash(client: TestClient,
                                                  auth: dict[str, str]) -> None:
    response = client.get(f"{API}/v1/sims/", headers=auth, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"].endswith("/management-api/v1/sims")


def test_the_control_api_is_exact_whatever_the_mode(client: TestClient) -> None:
    """Jackson's leniency is the platform's; mockbsc's own control API takes only its
    contract (`"10"` is no number of seconds there)."""
    response = client.post("/_mockbsc/clock/advance", json={"seconds": "10"})
    assert response.status_code == 400
