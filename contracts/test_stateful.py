"""Schemathesis stateful testing over the BSC contract's OpenAPI links: send an SMS, then get
it, cancel it and get it again; top up (or order), then read the order behind `Location`.

Runs against its own in-process emulator (manual clock), with the checks of the stateless
run, so a sequence of calls can break nothing a single call cannot.
"""

from __future__ import annotations

import base64
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from starlette.testclient import TestClient

from contracts.test_conformance import BUSINESS_RULE_OPERATIONS, TOKEN_EXCLUDED
from mockbsc.api.app import create_app
from mockbsc.config import Settings
from mockbsc.domain.emulator import Emulator
from mockbsc.seed import load_scenario

EMULATOR = Emulator(Settings(clock="manual", sims=20, token_ttl=30 * 24 * 3600),
                    load_scenario())
APP = create_app(EMULATOR)
BSC = schemathesis.openapi.from_asgi("/management-api/api-docs", APP)
BASIC = "Basic " + base64.b64encode(b"demo:demo-password").decode()
SEEN: set[tuple[str, int]] = set()


@BSC.auth()
class DemoToken:
    def get(self, case: Any, ctx: Any) -> str:
        with TestClient(APP) as client:
            response = client.post("/management-api/oauth/token",
                                   headers={"Authorization": BASIC},
                                   data={"grant_type": "client_credentials"})
        return str(response.json()["access_token"])

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = case.headers or {}
        if case.operation.definition.raw.get("operationId") == "postAccessTokenPOST":
            case.headers["Authorization"] = BASIC
        else:
            case.headers["Authorization"] = f"Bearer {data}"


class BscStateMachine(BSC.as_state_machine()):  # type: ignore[misc]
    def validate_response(self, response: Any, case: Any,
                          additional_checks: Any = None, **kwargs: Any) -> None:
        op_id = case.operation.definition.raw.get("operationId")
        from schemathesis.specs.openapi.checks import positive_data_acceptance

        excluded = TOKEN_EXCLUDED if op_id == "postAccessTokenPOST" else (
            [positive_data_acceptance] if op_id in BUSINESS_RULE_OPERATIONS else [])
        SEEN.add((op_id, response.status_code))
        case.validate_response(response, excluded_checks=excluded, transport_kwargs=kwargs)
        EMULATOR.check()


def test_the_contract_links_the_operations_it_should() -> None:
    names = set(dir(BscStateMachine))
    for link in ("POST_v1_sims_iccid_sms___201_GetSms__GET_v1_sims_iccid_sms_id_",
                 "POST_v1_sims_iccid_sms___201_CancelSms__DELETE_v1_sims_iccid_sms_id_",
                 "DELETE_v1_sims_iccid_sms_id___200_GetCancelledSms__GET_v1_sims_iccid_sms_id_",
                 "POST_v1_sims_iccid_topup___201_GetOrder__GET_v1_orders_order_number_",
                 "POST_v1_sims_topup___201_GetOrder__GET_v1_orders_order_number_",
                 "POST_v1_orders___201_GetOrder__GET_v1_orders_order_number_"):
        assert link in names


TestBscStateful = BscStateMachine.TestCase
TestBscStateful.settings = settings(max_examples=40, stateful_step_count=8, deadline=None,
                                    derandomize=True, database=None,
                                    suppress_health_check=list(HealthCheck))


def test_the_run_reached_the_linked_operations() -> None:
    """Runs after the state machine (file order): the chains were walked, not just listed."""
    called = {op for op, _ in SEEN}
    assert {"sendSmsToSimUsingPOST", "getSmsOfSimUsingGET", "cancelSmsForSimUsingDELETE",
            "getOrderUsingGET"} <= called, sorted(SEEN)
    assert ("sendSmsToSimUsingPOST", 201) in SEEN
