"""Schemathesis over every operation of both contracts: positive and negative data, every
check on. A failure here means the server and its contract disagree.

The emulator runs with `strict_requests`: schemathesis's negative data must be refused, while
by default mockbsc also takes what the platform's Jackson coerces (`"0"` for 0, a `null`
optional field; `docs/fidelity.md`). Strict mode takes a subset of what the default takes,
so "every schema-valid request is accepted" holds for both."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from contracts.harness import additional_checks, excluded_checks, register_demo_auth
from mockbsc.adapters.fixtures_file import load_scenario
from mockbsc.api.app import create_app
from mockbsc.config import Settings
from mockbsc.domain.platform import Emulator

EMULATOR = Emulator(Settings(clock="manual", sims=20, strict_requests=True), load_scenario())
APP = create_app(EMULATOR)
BSC = schemathesis.openapi.from_asgi("/management-api/api-docs", APP)
# Excluded: operations that would change what the BSC run sees (a reset, a moved clock, a
# fuzzed fault rule making calls fail or sleep, a loaded state); tests/domain/faults/ and
# tests/domain/state/ cover those. Creating sandboxes is left out too: fuzzed creates of up
# to 100,000 SIMs each, kept for an hour, would fill the memory; tests/api/test_sandboxes.py
# covers them (listing, describing and deleting are fuzzed here).
CONTROL = schemathesis.openapi.from_asgi("/_mockbsc/api-docs", APP).exclude(
    operation_id=["resetState", "advanceClock", "setClock", "addFault", "replaceFault",
                  "importState", "putSandbox", "createSandbox"]
)
register_demo_auth(BSC, APP)


@pytest.fixture(autouse=True)
def fresh_platform() -> None:
    """Each operation's run starts from the seeded state, whatever ran before it."""
    EMULATOR.reset()


@BSC.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_bsc_api_conforms_to_its_contract(case: Any) -> None:
    case.call_and_validate(excluded_checks=excluded_checks(case),
                           additional_checks=additional_checks(case))
    EMULATOR.check()


@CONTROL.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_control_api_conforms_to_its_contract(case: Any) -> None:
    case.call_and_validate(excluded_checks=excluded_checks(case),
                           additional_checks=additional_checks(case))
    EMULATOR.check()
