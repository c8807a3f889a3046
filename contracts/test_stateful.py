"""Schemathesis stateful testing over the BSC contract's OpenAPI links: send an SMS, then get
it, cancel it and get it again; top up (or order), then read the order behind `Location`.

Runs against its own in-process emulator (manual clock), with the checks of the stateless
run, so a sequence of calls can break nothing a single call cannot.
"""

from __future__ import annotations

from typing import Any, ClassVar

import schemathesis
from hypothesis import HealthCheck, settings

from contracts.harness import excluded_checks, operation_id, register_demo_auth
from mockbsc.adapters.fixtures_file import load_scenario
from mockbsc.api.app import create_app
from mockbsc.config import Settings
from mockbsc.domain.platform import Emulator

EMULATOR = Emulator(Settings(clock="manual", sims=20, token_ttl=30 * 24 * 3600),
                    load_scenario())
APP = create_app(EMULATOR)
BSC = schemathesis.openapi.from_asgi("/management-api/api-docs", APP)


register_demo_auth(BSC, APP)


class BscStateMachine(BSC.as_state_machine()):  # type: ignore[misc]
    seen: ClassVar[set[tuple[str, int]]] = set()  # (operationId, status) of every call

    def validate_response(self, response: Any, case: Any,
                          additional_checks: Any = None, **kwargs: Any) -> None:
        self.seen.add((operation_id(case), response.status_code))
        case.validate_response(response, excluded_checks=excluded_checks(case),
                               transport_kwargs=kwargs)
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


SETTINGS = settings(max_examples=40, stateful_step_count=8, deadline=None, derandomize=True,
                    database=None, suppress_health_check=list(HealthCheck))


def test_stateful_run_breaks_nothing() -> None:
    """Sequences of calls along the contract's links, on a freshly reset emulator (so it holds
    alone and in any order): every answer stays within the contract and nothing fails on the
    server. Which chains generated data completes depends on what is generated (an SMS body
    must also fit its coding); test_links.py walks every link with the contract's examples."""
    EMULATOR.reset()
    BscStateMachine.seen.clear()
    BscStateMachine.run(settings=SETTINGS)
    called = {op for op, _ in BscStateMachine.seen}
    assert {"sendSmsToSimUsingPOST", "topUpUsingPOST", "postOrderUsingPOST"} <= called
