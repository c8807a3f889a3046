"""A token never works for another organisation: every /v1 operation, reading and writing.

The table below names one cross-organisation attempt per operation of the contract; a test
checks the table covers them all, so a new operation cannot slip in without one.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.contract.document import BSC_CONTRACT, Contract
from mockbsc.domain.platform import Emulator
from mockbsc.domain.state.snapshot import export_state
from tests.conftest import API

pytestmark = pytest.mark.mockbsc(token_ttl=30 * 24 * 3600)

# operationId -> (method, path, body): `{iccid}`, `{sms}` and `{order}` are the demo
# organisation's; the call is made with a token of organisation 5678.
DIRECT: dict[str, tuple[str, str, Any]] = {
    "getOrderUsingGET": ("GET", "/v1/orders/{order}", None),
    "getSimUsingGET": ("GET", "/v1/sims/{iccid}", None),
    "updateSimUsingPUT": ("PUT", "/v1/sims/{iccid}", {"label": "stolen", "status": "Disabled"}),
    "getStatusForSimUsingGET": ("GET", "/v1/sims/{iccid}/status", None),
    "getConnectivityInfoForSimUsingGET": ("GET", "/v1/sims/{iccid}/connectivity_info", None),
    "getEventsForSimUsingGET": ("GET", "/v1/sims/{iccid}/events", None),
    "getDataQuotaForSimUsingGET": ("GET", "/v1/sims/{iccid}/quota/data", None),
    "getSmsQuotaForSimUsingGET": ("GET", "/v1/sims/{iccid}/quota/sms", None),
    "resetConnectivityUsingPOST": ("POST", "/v1/sims/{iccid}/reset", None),
    "getUsageForSimUsingGET": ("GET", "/v1/sims/{iccid}/usage", None),
    "topUpUsingPOST": ("POST", "/v1/sims/{iccid}/topup", None),
    "topUpMultipleUsingPOST": ("POST", "/v1/sims/topup", ["{iccid}"]),
    "getSmsForSimUsingGET": ("GET", "/v1/sims/{iccid}/sms", None),
    "sendSmsToSimUsingPOST": ("POST", "/v1/sims/{iccid}/sms",
                              {"payload": "hi", "source_address": "1234567"}),
    "getSmsOfSimUsingGET": ("GET", "/v1/sims/{iccid}/sms/{sms}", None),
    "cancelSmsForSimUsingDELETE": ("DELETE", "/v1/sims/{iccid}/sms/{sms}", None),
    "autoTopupUsingPOST": ("POST", "/v1/sims/autoTopup", {"enabled": True, "iccids": ["{iccid}"]}),
    "extendSimsUsingPOST": ("POST", "/v1/sims/extension", {"iccids": ["{iccid}"]}),
    "simTransferUsingPOST": ("POST", "/v1/sims/simTransfer",
                             {"target_organisation": 5678, "iccids": ["{iccid}"]}),
}
# Operations on the caller's own organisation only: checked by what they show or change.
OWN = {"getSimsUsingGET", "updateSimsUsingPOST", "getOrdersUsingGET", "postOrderUsingPOST",
       "getProductsUsingGET", "postAccessTokenPOST", "getLimitsUsingGET", "setLimitsUsingPOST",
       "getSelectableLimitsUsingGET"}


@pytest.fixture
def demo(client: TestClient, auth: dict[str, str], iccid: str,
         emulator: Emulator) -> dict[str, str]:
    """The demo organisation's SIM, a buffered SMS to it and an order, all settled."""
    client.post(f"/_mockbsc/sims/{iccid}/detach")
    sms = client.post(f"{API}/v1/sims/{iccid}/sms", headers=auth,
                      json={"payload": "mine", "source_address": "1234567"})
    assert sms.status_code == 201, sms.text
    order = client.post(f"{API}/v1/orders", headers=auth,
                        json={"products": [{"productId": 1001, "quantity": 1}]})
    assert order.status_code == 201, order.text
    sms_id = max(s["id"] for s in client.get(f"{API}/v1/sims/{iccid}/sms", headers=auth).json())
    return {"iccid": iccid, "sms": str(sms_id),
            "order": order.headers["Location"].rsplit("/", 1)[1]}


def fill(template: Any, demo: dict[str, str]) -> Any:
    if isinstance(template, str):
        return template.format(**demo)
    if isinstance(template, list):
        return [fill(t, demo) for t in template]
    if isinstance(template, dict):
        return {k: fill(v, demo) for k, v in template.items()}
    return template


def test_the_table_covers_every_bsc_operation() -> None:
    assert set(DIRECT) | OWN == set(Contract.load(BSC_CONTRACT).operations)
    assert not set(DIRECT) & OWN


@pytest.mark.parametrize("op_id", sorted(DIRECT))
def test_another_organisation_cannot_read_or_change_a_sim(
        client: TestClient, other_auth: dict[str, str], demo: dict[str, str],
        emulator: Emulator, op_id: str) -> None:
    method, path, body = DIRECT[op_id]
    before = export_state(emulator)
    response = client.request(method, API + fill(path, demo), headers=other_auth,
                              json=fill(body, demo))
    assert response.status_code in (403, 404), response.text
    body = response.json()  # an error envelope and nothing of the SIM
    assert set(body) <= {"timestamp", "status", "error", "message", "path", "errors"}
    assert body["status"] == response.status_code
    assert export_state(emulator) == before  # nothing changed, nothing queued


def test_lists_show_only_the_callers_organisation(
        client: TestClient, other_auth: dict[str, str], demo: dict[str, str]) -> None:
    sims = client.get(f"{API}/v1/sims", headers=other_auth, params={"pageSize": 100}).json()
    assert sims
    assert demo["iccid"] not in {s["iccid"] for s in sims}
    orders = client.get(f"{API}/v1/orders", headers=other_auth).json()
    assert demo["order"] not in {str(o["order_number"]) for o in orders}
    assert client.get(f"{API}/v1/products", headers=other_auth).status_code == 200


def test_bulk_update_and_new_orders_stay_in_the_callers_organisation(
        client: TestClient, auth: dict[str, str], other_auth: dict[str, str],
        demo: dict[str, str], emulator: Emulator) -> None:
    sim_before = client.get(f"{API}/v1/sims/{demo['iccid']}", headers=auth).json()
    orders_before = client.get(f"{API}/v1/orders", headers=auth).json()
    bulk = client.post(f"{API}/v1/sims", headers=other_auth,
                       json=[{"iccid": demo["iccid"], "label": "stolen", "status": "Disabled"}])
    assert bulk.status_code == 201  # the platform accepts a bulk request as a whole ...
    placed = client.post(f"{API}/v1/orders", headers=other_auth,
                         json={"products": [{"productId": 1001, "quantity": 1}]})
    assert placed.status_code == 201
    emulator.advance(600)  # ... and skips SIMs of other organisations when it runs
    sim_after = client.get(f"{API}/v1/sims/{demo['iccid']}", headers=auth).json()
    assert (sim_after["label"], sim_after["status"]) == (sim_before["label"],
                                                          sim_before["status"])
    numbers = {o["order_number"] for o in client.get(f"{API}/v1/orders", headers=auth).json()}
    assert numbers == {o["order_number"] for o in orders_before}
