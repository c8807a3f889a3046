"""Structural rules: the domain knows nothing of HTTP; contract and handlers match one to one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mockbsc
from mockbsc.api.routes import BSC_HANDLERS, CONTROL_HANDLERS
from mockbsc.contract.document import BSC_CONTRACT, CONTROL_CONTRACT, Contract

DOMAIN = Path(mockbsc.__file__).parent / "domain"
FORBIDDEN = ("starlette", "httpx", "uvicorn", "mockbsc.api", "anyio")


@pytest.mark.parametrize("module", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_domain_imports_nothing_of_http(module: Path) -> None:
    tree = ast.parse(module.read_text())
    imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [m for m in imported if m.startswith(FORBIDDEN)]


@pytest.mark.parametrize(("contract", "handlers"),
                         [(BSC_CONTRACT, BSC_HANDLERS), (CONTROL_CONTRACT, CONTROL_HANDLERS)],
                         ids=["bsc", "control"])
def test_every_operation_has_a_handler_and_every_handler_an_operation(
    contract: str, handlers: dict[str, object]
) -> None:
    assert set(Contract.load(contract).operations) == set(handlers)


def test_bsc_contract_covers_every_operation_of_the_guide() -> None:
    operations = {(op.method, op.path) for op in Contract.load(BSC_CONTRACT).operations.values()}
    guide = {
        ("POST", "/oauth/token"), ("GET", "/v1/orders"), ("POST", "/v1/orders"),
        ("GET", "/v1/orders/{order_number}"), ("GET", "/v1/products"), ("GET", "/v1/sims"),
        ("POST", "/v1/sims"), ("GET", "/v1/sims/{iccid}"), ("PUT", "/v1/sims/{iccid}"),
        ("GET", "/v1/sims/{iccid}/connectivity_info"), ("GET", "/v1/sims/{iccid}/events"),
        ("GET", "/v1/sims/{iccid}/quota/data"), ("GET", "/v1/sims/{iccid}/quota/sms"),
        ("POST", "/v1/sims/{iccid}/reset"), ("GET", "/v1/sims/{iccid}/sms"),
        ("POST", "/v1/sims/{iccid}/sms"), ("GET", "/v1/sims/{iccid}/sms/{id}"),
        ("DELETE", "/v1/sims/{iccid}/sms/{id}"), ("POST", "/v1/sims/{iccid}/topup"),
        ("GET", "/v1/sims/{iccid}/usage"), ("POST", "/v1/sims/topup"),
        ("GET", "/v1/sims/{iccid}/status"),
    }
    assert operations == guide


def test_api_docs_serve_the_contract(client: object) -> None:
    from starlette.testclient import TestClient

    assert isinstance(client, TestClient)
    docs = client.get("/management-api/api-docs")
    assert docs.status_code == 200
    assert docs.json()["openapi"].startswith("3.1")
    assert client.get("/_mockbsc/api-docs").json()["paths"]["/health"]


def test_the_contracts_iccid_example_is_a_sim_of_the_default_fleet(
    emulator: object,
) -> None:
    from mockbsc.domain.platform import Emulator

    assert isinstance(emulator, Emulator)
    example = Contract.load(BSC_CONTRACT).document["components"]["parameters"]["Iccid"]["example"]
    sim = emulator.sims.find(example)
    assert sim is not None
    assert sim.org_id == emulator.scenario.default_org_id
