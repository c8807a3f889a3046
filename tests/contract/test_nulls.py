"""Null in requests: Jackson drops a null optional field unless its schema allows null (also
through `$ref` chains as deep as the contract's), and a schema that allows null still
refuses a wrong value (`contract/coerce.py`, `contract/validation.py`)."""

from __future__ import annotations

from typing import Any

import pytest

from mockbsc.contract.coerce import jackson
from mockbsc.contract.document import Contract, SchemaValidator, Violation
from mockbsc.contract.validation import violations_of

SCHEMAS: dict[str, Any] = {
    "Nullable": {"type": ["string", "null"]},
    **{f"R{n}": {"$ref": f"#/R{n + 1}"} for n in range(1, 16)},
    "R16": {"type": "null"},
}


def _resolve(ref: str) -> Any:
    return SCHEMAS[ref.removeprefix("#/")]


BODY = {"type": "object", "properties": {
    "plain": {"type": "string"},
    "nullable": {"type": ["string", "null"]},
    "by_ref": {"$ref": "#/Nullable"},
    "deep": {"$ref": "#/R1"},
}}


@pytest.mark.parametrize(("value", "bound"), [
    ({"plain": None, "other": "x"}, {"other": "x"}),
    ({"unknown": None}, {}),
    ({"nullable": None, "plain": None}, {"nullable": None}),
    ({"by_ref": None, "plain": None}, {"by_ref": None}),
    ({"deep": None, "plain": None}, {"deep": None}),
], ids=["optional", "unknown", "nullable", "by-ref", "ref-chain-16-deep"])
def test_null_fields_are_dropped_unless_their_schema_allows_null(
        value: dict[str, Any], bound: dict[str, Any]) -> None:
    assert jackson(BODY, value, _resolve) == bound


def test_a_schema_allowing_null_still_refuses_another_type() -> None:
    contract = Contract({"paths": {}, "components": {"schemas": {
        "N": {"type": ["string", "null"]}}}})
    validator = SchemaValidator(contract, "/components/schemas/N")
    assert violations_of(validator, None, "body", "body") == []
    assert violations_of(validator, 5, "body", "body") == [
        Violation("body", "body", "type", 'body: 5 is not of types "null", "string"')]
