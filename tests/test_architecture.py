"""Structural rules (docs/architecture.md): layers, no import cycles, a pure domain, small
modules with names that say what they hold, and a contract that matches the handlers."""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

import mockbsc
from mockbsc.api.routes import BSC_HANDLERS, CONTROL_HANDLERS
from mockbsc.config import VERSION
from mockbsc.contract.document import BSC_CONTRACT, CONTROL_CONTRACT, Contract

PACKAGE = Path(mockbsc.__file__).parent
ROOT = PACKAGE.parent
HTTP = ("starlette", "httpx", "uvicorn", "anyio", "yaml")
MAX_LINES = 420
# Which package may import which: each one only the layers below it.
LAYERS = {
    "domain": {"domain"},
    "config": {"domain", "config"},
    "adapters": {"adapters", "domain", "config"},
    "contract": {"contract", "adapters", "config"},
    "api": {"api", "contract", "adapters", "domain", "config"},
    "testing": {"testing", "api", "contract", "adapters", "domain", "config"},
    "cli": {"cli", "api", "contract", "adapters", "domain", "config"},
    "__main__": {"cli"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> Iterator[str]:
    """Every mockbsc module `name` imports: at the top, in functions, under TYPE_CHECKING;
    `from package import module` counts as importing the module."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield full if full in MODULES else base


def graph() -> dict[str, set[str]]:
    return {name: {m for m in imports_of(name) if m in MODULES and m != name}
            for name in MODULES}


def layer(name: str) -> str:
    return name.split(".")[1] if "." in name else "mockbsc"


def test_there_is_no_import_cycle() -> None:
    edges = graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt):], nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(edges):
        if name not in state:
            visit(name)


def test_each_layer_imports_only_the_layers_below_it() -> None:
    wrong = [(name, dep) for name, deps in graph().items() if layer(name) != "mockbsc"
             for dep in deps if layer(dep) not in LAYERS[layer(name)]]
    assert wrong == []


def test_nothing_imports_the_package_root() -> None:
    """`mockbsc/__init__.py` re-exports the public names; a module importing it back would
    close a cycle through it."""
    assert [n for n, deps in graph().items() if "mockbsc" in deps] == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if layer(n) == "domain"))
def test_the_domain_imports_only_itself(name: str) -> None:
    imported = set(imports_of(name))
    outside = {m for m in imported if m.startswith("mockbsc") and layer(m) != "domain"}
    assert outside == set()
    assert not [m for m in imported if m.startswith(HTTP)]


def test_the_domain_has_at_most_eight_modules_of_its_own() -> None:
    assert len(list((PACKAGE / "domain").glob("*.py"))) <= 8


def test_the_package_top_holds_entry_points_and_settings_only() -> None:
    assert {p.name for p in PACKAGE.glob("*.py")} <= {
        "__init__.py", "__main__.py", "cli.py", "config.py"}


def _stem(name: str) -> str:
    return re.sub(r"(ing|es|s)$", "", name)


@pytest.mark.parametrize("folder", sorted({p.parent for p in PACKAGE.rglob("*.py")}),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_two_modules_in_a_folder_differ_only_by_a_plural_or_ing(folder: Path) -> None:
    names = [p.stem for p in folder.glob("*.py")] + [p.name for p in folder.iterdir()
                                                     if (p / "__init__.py").exists()]
    stems = [_stem(n) for n in names]
    assert len(set(stems)) == len(stems), sorted(names)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_small_and_say_what_they_hold(name: str) -> None:
    text = MODULES[name].read_text()
    assert len(text.splitlines()) <= MAX_LINES
    assert ast.get_docstring(ast.parse(text)), f"{name} has no docstring"


def test_tests_mirror_the_package() -> None:
    """Each test folder under tests/ is named after a part of the package."""
    parts = {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("_")}
    parts |= {p.name for p in (PACKAGE / "domain").iterdir() if p.is_dir()}
    folders = {p.name for p in (ROOT / "tests").rglob("*") if p.is_dir()
               and not p.name.startswith(("_", ".")) and any(p.glob("test_*.py"))}
    assert folders <= parts | {"examples", "tests"}, folders - parts


def test_the_version_is_said_once_per_place_and_agrees() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert mockbsc.__version__ == VERSION == pyproject["project"]["version"]


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
    document = Contract.load(BSC_CONTRACT).document
    nce = {(method.upper(), path) for path, item in document["paths"].items()
           for method, op in item.items()
           if isinstance(op, dict) and op.get("x-platform") == "1nce"}
    assert operations - nce == guide  # plus the 1NCE platform's operations, marked as such
    assert nce == {("GET", "/v1/sims/limits"), ("POST", "/v1/sims/limits"),
                   ("GET", "/v1/sims/{service}/limits"), ("POST", "/v1/sims/autoTopup"),
                   ("POST", "/v1/sims/extension"), ("POST", "/v1/sims/simTransfer")}


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
