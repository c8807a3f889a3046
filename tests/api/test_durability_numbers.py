"""Only finite values: NaN, Infinity and numbers beyond the model's range are refused with a
400 naming the field, in every numeric field of every operation (cases generated from the
contracts: NaN and infinities by the body parser, the range by each field's bounds), and
`PUT /_mockbsc/state` changes everything or nothing."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.contract.document import BSC_CONTRACT, CONTROL_CONTRACT, Contract
from mockbsc.domain.platform import Emulator
from mockbsc.domain.state.snapshot import export_state
from tests.conftest import API

BAD = ("NaN", "Infinity", "-Infinity", "1e999", "9223372036854775808")
MARK = "__number__"


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def numeric_paths(document: dict[str, Any], schema: dict[str, Any], depth: int = 0
                  ) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Each place in a body schema where a number may go, as a path of keys/indexes."""
    schema = _resolve(document, schema)
    if depth > 6:
        return
    kinds = schema.get("type")
    kinds = set(kinds) if isinstance(kinds, list) else {kinds}
    if kinds & {"number", "integer"}:
        yield (), schema
    for branch in schema.get("oneOf", []) + schema.get("anyOf", []) + schema.get("allOf", []):
        yield from numeric_paths(document, branch, depth + 1)
    for name, sub in schema.get("properties", {}).items():
        for path, leaf in numeric_paths(document, sub, depth + 1):
            yield (name, *path), leaf
    if isinstance(schema.get("items"), dict):
        for path, leaf in numeric_paths(document, schema["items"], depth + 1):
            yield (0, *path), leaf


def body_with(path: tuple[str | int, ...], token: str) -> str:
    """A JSON body holding `token` (raw, unquoted) at `path`."""
    value: Any = MARK
    for part in reversed(path):
        value = [value] if isinstance(part, int) else {part: value}
    return json.dumps(value).replace(json.dumps(MARK), token)


def field_name(path: tuple[str | int, ...]) -> str:
    return "body" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def cases() -> Iterator[Any]:
    for name in (BSC_CONTRACT, CONTROL_CONTRACT):
        contract = Contract.load(name)
        document = contract.document
        base = contract.base_path
        for template, item in document["paths"].items():
            for method, spec in item.items():
                content = spec.get("requestBody", {}).get("content", {}) \
                    if isinstance(spec, dict) else {}
                schema = content.get("application/json", {}).get("schema")
                if schema is None:
                    continue
                url = base + re.sub(r"\{[^}]+\}", "1", template)
                seen = set()
                for path, _ in numeric_paths(document, schema):
                    if path in seen:
                        continue
                    seen.add(path)
                    yield pytest.param(method.upper(), url, path,
                                       id=f"{spec['operationId']}:{field_name(path)}")


CASES = list(cases())


def test_every_numeric_field_has_bounds_within_a_java_long() -> None:
    for name in (BSC_CONTRACT, CONTROL_CONTRACT):
        document = Contract.load(name).document
        for template, item in document["paths"].items():
            for spec in item.values():
                content = spec.get("requestBody", {}).get("content", {}) \
                    if isinstance(spec, dict) else {}
                schema = content.get("application/json", {}).get("schema")
                for path, leaf in numeric_paths(document, schema or {}):
                    where = (template, field_name(path))
                    if "enum" in leaf:
                        continue
                    low = leaf.get("minimum", leaf.get("exclusiveMinimum"))
                    high = leaf.get("maximum", leaf.get("exclusiveMaximum"))
                    assert low is not None, where
                    assert high is not None, where
                    assert low >= -(2**63), where
                    assert high < 2**63, where


def test_the_contracts_have_numeric_fields_to_try() -> None:
    ops = {c.id.partition(":")[0] for c in CASES}
    assert {"consumeData", "advanceClock", "postOrderUsingPOST"} <= ops, ops


@pytest.mark.parametrize(("method", "url", "path"), CASES)
def test_a_non_finite_number_is_refused_naming_its_field(
        client: TestClient, auth: dict[str, str], emulator: Emulator, method: str, url: str,
        path: tuple[str | int, ...]) -> None:
    before = export_state(emulator)
    name = field_name(path)
    for token in BAD:
        response = client.request(method, url, content=body_with(path, token),
                                  headers={**auth, "Content-Type": "application/json"})
        assert response.status_code == 400, (token, response.text)
        named = [e["name"] for e in response.json().get("errors", [])]
        assert name in named, (token, response.text)
    assert export_state(emulator) == before


def test_a_control_body_with_nan_names_the_field(client: TestClient, iccid: str) -> None:
    response = client.post(f"/_mockbsc/sims/{iccid}/consume", content='{"data_mb": NaN}',
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["name"] == "body.data_mb"


def test_an_api_error_has_the_platform_body(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(f"{API}/v1/orders", content='{"products": [{"quantity": NaN}]}',
                           headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 400
    body = response.json()
    assert set(body) >= {"timestamp", "status", "error", "message", "path"}
    assert body["status"] == 400
    assert body["path"] == f"{API}/v1/orders"


# ------------------------------------------------------------------ PUT /_mockbsc/state
def _put(client: TestClient, document: Any) -> Any:
    return client.put("/_mockbsc/state", content=json.dumps(document, allow_nan=True),
                      headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(("where", "value"), [
    (("clock", "offset_seconds"), 1e300),
    (("clock", "now"), "9999-12-31T23:59:59+00:00"),
    (("clock", "offset_seconds"), float("nan")),
    (("stores", "orders", "_next_number"), float("inf")),
], ids=["huge-offset", "last-instant", "nan-offset", "infinite-counter"])
def test_a_bad_document_changes_nothing_not_even_the_clock(
        client: TestClient, auth: dict[str, str], iccid: str, emulator: Emulator,
        where: tuple[str, ...], value: Any) -> None:
    client.post(f"{API}/v1/sims/{iccid}/topup", headers=auth)
    document = client.get("/_mockbsc/state").json()
    client.post("/_mockbsc/clock/advance", json={"seconds": 3600})
    before = export_state(emulator)
    broken = copy.deepcopy(document)
    target = broken
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    response = _put(client, broken)
    assert response.status_code == 400, response.text
    assert export_state(emulator) == before


def test_a_float_deep_in_a_store_must_be_finite(client: TestClient, emulator: Emulator) -> None:
    document = client.get("/_mockbsc/state").json()
    sims = document["stores"]["sims"]["_by_iccid"]["$map"]
    quota = sims[-1][1]["f"]["data_quota"]["f"]
    quota["volume"] = 1e300
    before = export_state(emulator)
    response = _put(client, document)
    assert response.status_code == 400, response.text
    assert "volume" in response.json()["message"]
    assert export_state(emulator) == before


def test_the_state_body_has_a_documented_limit(client: TestClient) -> None:
    response = client.put("/_mockbsc/state", content=b" " * 10,
                          headers={"Content-Type": "application/json",
                                   "Content-Length": str(64 * 1024 * 1024 + 1)})
    assert response.status_code == 413
    assert str(64 * 1024 * 1024) in response.json()["message"]
