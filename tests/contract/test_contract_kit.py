"""`mockbsc contract` (schemathesis against a live server) and `mockbsc contract diff`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mockbsc.cli import main
from mockbsc.config import Settings
from mockbsc.contract.kit.diff import Difference, diff, load_document, model_of
from mockbsc.testing.server import MockBSCServer

REPO = Path(__file__).resolve().parents[2]
ONCE = REPO.parent / "shared/reference/1nce-openapi/help.1nce.com-specs_via_HDGoldi-docusaurus-poc"
ACCEPTED = REPO / "docs" / "contract-diff-1nce.txt"


def _doc(version: str, schema: dict[str, Any], param_type: str = "integer",
         base: str = "/management-api") -> dict[str, Any]:
    return {
        "openapi": version, "info": {"title": version, "version": "1"},
        "servers": [{"url": base}],
        "paths": {"/v1/things/{id}": {"get": {
            "operationId": "getThing",
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": param_type}}],
            "responses": {"200": {"description": "ok", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}},
        }}},
        "components": {"schemas": {"Thing": schema}},
    }


def _keys(found: list[Difference]) -> list[str]:
    return [d.key for d in found]


def test_diff_treats_30_nullable_and_31_null_types_alike() -> None:
    ours = _doc("3.1.0", {"type": "object", "properties": {"a": {"type": ["string", "null"]}}})
    theirs = _doc("3.0.1", {"type": "object", "properties": {"a": {"type": "string",
                                                                   "nullable": True}}},
                  base="https://api.example.com/management-api")
    assert diff(model_of([ours]), model_of([theirs])) == []


def test_diff_lists_fields_types_parameters_and_operations() -> None:
    ours = _doc("3.1.0", {"type": "object", "properties": {"a": {"type": "string"},
                                                           "b": {"type": "integer"}}})
    theirs = _doc("3.0.1", {"type": "object", "properties": {"a": {"type": "boolean"},
                                                             "c": {"type": "string"}}},
                  param_type="string")
    theirs["paths"]["/v1/other"] = {"post": {"responses": {"204": {"description": "x"}}}}
    assert _keys(diff(model_of([ours]), model_of([theirs]))) == [
        "POST /v1/other | operation",
        "GET /v1/things/{} | parameter type | path #1",
        "GET /v1/things/{} | response field type | 2xx.a",
        "GET /v1/things/{} | response field | 2xx.b",
        "GET /v1/things/{} | response field | 2xx.c",
    ]


def test_diff_reads_yaml_and_json(tmp_path: Path) -> None:
    import yaml

    document = _doc("3.0.3", {"type": "object"})
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    (tmp_path / "a.json").write_text(json.dumps(document), encoding="utf-8")
    assert load_document(tmp_path / "a.yaml") == load_document(tmp_path / "a.json")


def test_diff_command_of_own_api_docs_finds_nothing(
    tmp_path: Path, client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "api-docs.json"
    docs.write_text(client.get("/management-api/api-docs").text, encoding="utf-8")
    assert main(["contract", "diff", str(docs)]) == 0
    assert "No differences." in capsys.readouterr().out


def test_diff_command_json_output_and_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.json"
    other.write_text(json.dumps(_doc("3.0.1", {"type": "object"})), encoding="utf-8")
    assert main(["contract", "diff", "--format", "json", str(other)]) == 1
    found = json.loads(capsys.readouterr().out)
    assert {"operation": "GET /v1/things/{}", "kind": "operation", "where": "",
            "mockbsc": "lacks it", "other": "has it",
            "key": "GET /v1/things/{} | operation", "breaking": False} in found


def test_diff_command_reports_an_unreadable_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["contract", "diff", str(tmp_path / "missing.json")]) == 2
    assert "missing.json" in capsys.readouterr().err


@pytest.mark.skipif(not ONCE.is_dir(), reason="../shared/reference (1NCE documents) not present")
def test_differences_from_1nce_documents_are_the_recorded_deliberate_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = sorted(str(p) for p in ONCE.glob("*.json"))
    assert main(["contract", "diff", "--format", "keys", *files]) == 1
    found = set(capsys.readouterr().out.splitlines())
    recorded = {line.strip() for line in ACCEPTED.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")}
    assert sorted(found - recorded) == [], (
        "new differences from 1NCE's contract: decide, then record them in docs/fidelity.md "
        "and docs/contract-diff-1nce.txt")
    assert sorted(recorded - found) == [], "recorded differences that no longer exist"


def test_contract_run_needs_its_three_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contract", "--user", "demo"]) == 2
    assert "--base-url, --password required" in capsys.readouterr().err


def test_contract_run_reports_wrong_credentials_in_one_line(
    mockbsc_server: MockBSCServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["contract", "--base-url", mockbsc_server.api_url, "--user", "demo",
                 "--password", "wrong"])
    assert code == 2
    assert "refused the credentials of 'demo': 400" in capsys.readouterr().err


@pytest.mark.slow
# Strict: schemathesis's negative data must be refused, and by default mockbsc also takes what
# Jackson coerces (a schema-valid request is taken either way: strict takes less).
@pytest.mark.mockbsc(strict_requests=True)
def test_contract_run_against_mockbsc_passes(
    mockbsc_server: MockBSCServer, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MOCKBSC_CACHE_DIR", str(tmp_path.parent / f"{tmp_path.name}-cache"))
    code = main(["contract", "--base-url", mockbsc_server.api_url, "--user", "demo",
                 "--password", "demo-password", "--max-examples", "3", "--seed", "1"])
    out = capsys.readouterr().out
    assert code == 0, out[-4000:]
    assert "Selected: 28/28" in out  # the guide's 22 and the 1NCE platform's 6
    assert "mockbsc contract: PASSED" in out
    assert list(tmp_path.iterdir()) == []  # no .schemathesis/.hypothesis in the cwd
    assert "missing_test_data" not in out  # no warning that is a gap of its own test data
    assert "404" not in out


@pytest.mark.slow
def test_contract_run_fails_on_a_server_that_breaks_the_contract(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    with MockBSCServer(Settings(clock="manual")) as server:
        monkeypatch.setattr(server.emulator.ordering, "products", lambda: 42)  # not a product list
        code = main(["contract", "--base-url", server.api_url, "--user", "demo",
                     "--password", "demo-password", "--max-examples", "2", "--no-cache",
                     "--junit-xml", "report.xml", "--",
                     "--include-operation-id", "getProductsUsingGET"])
    out = capsys.readouterr().out
    assert code != 0
    assert "GET /v1/products" in out
    assert "mockbsc contract: FAILED" in out
    # The reproducer can be pasted once TOKEN is set; the verdict says how.
    assert "-H \"Authorization: Bearer $TOKEN\"" in out
    assert "[Filtered]" not in out
    assert f"TOKEN=$(curl -s -u demo:PASSWORD -d grant_type=client_credentials " \
           f"{server.api_url}/oauth/token" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xml"]  # no caches here
    import xml.etree.ElementTree as ElementTree

    suites = ElementTree.parse(tmp_path / "report.xml").getroot()
    assert any(case.find("failure") is not None for case in suites.iter("testcase"))


def test_diff_marks_what_can_break_a_client_and_groups_status_only_operations() -> None:
    from mockbsc.contract.kit.diff import report

    ours = _doc("3.1.0", {"type": "object", "properties": {"a": {"type": "string"},
                                                           "b": {"type": "integer"}}})
    theirs = _doc("3.0.1", {"type": "object", "properties": {"a": {"type": "string"},
                                                             "c": {"type": "string"}}})
    ours["paths"]["/v1/both"] = {"get": {"operationId": "getBoth", "responses": {
        "200": {"description": "ok"}, "404": {"description": "no"}}}}
    theirs["paths"]["/v1/both"] = {"get": {"responses": {"201": {"description": "ok"},
                                                         "200": {"description": "ok"}}}}
    found = diff(model_of([ours]), model_of([theirs]))
    marked = {d.key: d.breaking for d in found}
    assert marked == {
        "GET /v1/both | status | 201": True,  # a success the client does not expect
        "GET /v1/both | status | 404": False,  # an error status mockbsc documents more
        "GET /v1/things/{} | response field | 2xx.b": True,  # the client reads it; missing
        "GET /v1/things/{} | response field | 2xx.c": False,  # extra: ignored by clients
    }
    text = report(model_of([ours]), model_of([theirs]), found)
    grouped = text.split("Operations that differ only in documented status codes (1):")[1]
    assert "GET /v1/both (getBoth)" in grouped
    assert "!  statuses only in other: 201" in grouped
    assert "!  response field 2xx.b" in text
    assert "4 difference(s), 2 of them can break a client" in text


def test_the_contract_extra_is_schemathesis_alone() -> None:
    import tomllib

    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert [name.split(">")[0] for name in extras["contract"]] == ["schemathesis"]
    assert "mockbsc[contract]" in extras["test"]
