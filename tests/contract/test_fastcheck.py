"""The fast validity predicates agree with jsonschema on every schema of both contracts."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from mockbsc.contract.document import BSC_CONTRACT, CONTROL_CONTRACT, Contract, SchemaValidator
from mockbsc.contract.fastcheck import compile_check

SAMPLES = 400


def _validators() -> Iterator[tuple[str, Contract, SchemaValidator]]:
    for name in (BSC_CONTRACT, CONTROL_CONTRACT):
        contract = Contract.load(name)
        for op in contract.operations.values():
            for param in op.parameters:
                yield f"{op.id}.{param.name}", contract, param.validator
            if op.body_validator is not None:
                yield f"{op.id}.body", contract, op.body_validator


VALIDATORS = list(_validators())


def _pool(document: Any) -> list[Any]:
    """Every example, default and enum value in the document, plus awkward scalars."""
    found: list[Any] = [None, True, False, 0, 1, -1, 1.0, 1.5, -0.5, 10**12, "", "a", "abc",
                        "\x00", "x" * 300, "12", "ab12", "DEADBEEF", "0" * 19, "8" * 20,
                        "2024-01-01T00:00:00Z", [], {}, [1], {"a": 1}]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("example", "default", "const") and not isinstance(value, dict | list):
                    found.append(value)
                elif key in ("examples", "enum") and isinstance(value, list):
                    found.extend(v for v in value if not isinstance(v, dict | list))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return found


def _sample(schema: Any, contract: Contract, rng: random.Random, pool: list[Any],
            depth: int = 0) -> Any:
    if rng.random() < 0.08 or depth > 6 or not isinstance(schema, dict):
        return rng.choice(pool)
    if "$ref" in schema:
        return _sample(contract.lookup(schema["$ref"]), contract, rng, pool, depth + 1)
    for key in ("allOf", "anyOf"):
        if key in schema:
            merged: dict[str, Any] = {}
            for sub in schema[key]:
                sub = contract.lookup(sub["$ref"]) if "$ref" in sub else sub
                for k, v in sub.items():
                    merged[k] = {**merged.get(k, {}), **v} if isinstance(v, dict) else v
            return _sample(merged, contract, rng, pool, depth + 1)
    if "enum" in schema:
        return rng.choice(schema["enum"])
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    kind = rng.choice(kind) if isinstance(kind, list) else kind
    if kind == "object" or "properties" in schema:
        required = set(schema.get("required", []))
        value = {name: _sample(sub, contract, rng, pool, depth + 1)
                 for name, sub in schema.get("properties", {}).items()
                 if rng.random() < (0.97 if name in required else 0.6)}
        if rng.random() < 0.05:
            value["unexpected"] = rng.choice(pool)
        return value
    if kind == "array":
        return [_sample(schema.get("items", {}), contract, rng, pool, depth + 1)
                for _ in range(rng.randrange(4))]
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        high = schema.get("maximum", low + 1000)
        return rng.choice([low - 1, low, high, high + 1, (low + high) // 2, 1.0 * low + 0.5])
    return rng.choice(pool)


@pytest.mark.parametrize(("name", "contract", "validator"), VALIDATORS,
                         ids=[v[0] for v in VALIDATORS])
def test_fast_path_agrees_with_jsonschema(name: str, contract: Contract,
                                          validator: SchemaValidator) -> None:
    assert validator.accepts is not None, f"{name} has no fast path"
    rng = random.Random(name)
    pool = _pool(contract.document)
    schema = validator.jsonschema.schema
    for _ in range(SAMPLES):
        instance = _sample(schema, contract, rng, pool)
        expected = not any(True for _ in validator.jsonschema.iter_errors(instance))
        assert validator.accepts(instance) is expected, (name, instance)


def test_samples_cover_valid_and_invalid_requests() -> None:
    valid = invalid = 0
    for name, contract, validator in VALIDATORS:
        rng = random.Random(name)
        pool = _pool(contract.document)
        for _ in range(50):
            instance = _sample(validator.jsonschema.schema, contract, rng, pool)
            if validator.jsonschema.is_valid(instance):
                valid += 1
            else:
                invalid += 1
    assert valid > 500
    assert invalid > 500


@pytest.mark.parametrize("schema", [
    {"type": "string", "format": "date-time", "minLength": 1},
    {"if": {"required": ["dcs"], "properties": {"dcs": {"const": 4}}},
     "then": {"properties": {"payload": {"pattern": "^([0-9A-Fa-f]{2})+$"}}}},
    {"type": ["integer", "null"], "minimum": 1, "exclusiveMaximum": 10},
    {"enum": [1, "1", True, None]},
    {"type": "array", "items": False},
    {"type": "object", "additionalProperties": {"type": "integer"},
     "properties": {"a": {"type": "string"}}},
], ids=["format-ignored", "if-then", "nullable-bounds", "mixed-enum", "items-false",
        "additional-schema"])
def test_hand_written_schemas_agree(schema: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator

    check = compile_check(schema, lambda ref: {})
    assert check is not None
    validator = Draft202012Validator(schema)
    for instance in (None, True, False, 0, 1, 1.0, 4, 9.5, 10, "", "1", "ab", "abc",
                     "2024-13-45", [], [1], {}, {"dcs": 4, "payload": "zz"},
                     {"dcs": 4, "payload": "0a"}, {"dcs": 0, "payload": "zz"},
                     {"a": "x", "b": 1}, {"a": 1}, {"b": "x"}):
        assert check(instance) is validator.is_valid(instance), (schema, instance)


@pytest.mark.parametrize("schema", [
    {"type": "string", "multipleOf": 2}, {"patternProperties": {"^x": {}}},
    {"$ref": "https://example.com/s.json"}, {"enum": [[1]]}, {"prefixItems": [{}]},
    {"oneOf": [{}]},
], ids=["multipleOf", "patternProperties", "remote-ref", "container-enum", "prefixItems",
        "oneOf"])
def test_unsupported_keywords_leave_it_to_jsonschema(schema: dict[str, Any]) -> None:
    assert compile_check(schema, lambda ref: {}) is None


def test_recursive_ref_is_left_to_jsonschema() -> None:
    node = {"properties": {"child": {"$ref": "#/node"}}}
    assert compile_check({"$ref": "#/node"}, lambda ref: node) is None


@pytest.mark.parametrize("name", [BSC_CONTRACT, CONTROL_CONTRACT])
def test_contract_built_afresh_has_fast_paths_that_agree(name: str) -> None:
    """A contract built now (not the one loaded at import) compiles predicates that agree."""
    fresh = Contract(Contract.load(name).document)
    pool = _pool(fresh.document)
    checked = 0
    for op in fresh.operations.values():
        validators = [(p.name, p.validator) for p in op.parameters]
        if op.body_validator is not None:
            validators.append(("body", op.body_validator))
        for label, validator in validators:
            assert validator.accepts is not None, (op.id, label)
            schema = validator.jsonschema.schema
            rng = random.Random(f"afresh:{op.id}.{label}")
            for _ in range(60):
                instance = _sample(schema, fresh, rng, pool)
                assert validator.accepts(instance) is validator.jsonschema.is_valid(instance), (
                    op.id, label, instance)
                checked += 1
    assert checked > 1000


@pytest.mark.parametrize("schema", [
    {"type": "string", "minLength": 2, "maxLength": 3},
    {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "integer"}},
    {"type": "number", "exclusiveMinimum": 1, "maximum": 9},
    {"type": "integer", "minimum": 1, "exclusiveMaximum": 9},
    {"const": "ab"},
    {"anyOf": [{"type": "string", "pattern": "^a"}, {"type": "integer"}]},
    {"allOf": [{"type": "object", "required": ["a"]}, {"properties": {"a": {"enum": [1, 2]}}}]},
    {"type": "object", "properties": {"a": {"type": "boolean"}}, "additionalProperties": False},
    {"type": "object", "required": ["a", "b"]},
    {"type": ["string", "array"], "minLength": 1, "maxItems": 0},
    {"not": {"type": "string"}},
    {"enum": ["a", 1.5, False]},
], ids=["string-length", "array-items", "exclusive-minimum", "exclusive-maximum", "const",
        "any-of", "all-of", "closed-object", "required", "mixed-types", "not", "scalar-enum"])
def test_more_hand_written_schemas_agree(schema: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator

    check = compile_check(schema, lambda ref: {})
    if check is None:
        assert "not" in schema  # left to jsonschema: the only unsupported keyword here
        return
    validator = Draft202012Validator(schema)
    for instance in (None, True, False, 0, 1, 1.0, 1.5, 2, 8, 8.5, 9, 10, "", "a", "ab", "abc",
                     "abcd", "ba", [], [1], [1, 2], [1, 2, 3], ["x"], [1.5], {}, {"a": 1},
                     {"a": 3}, {"a": True}, {"a": 1, "b": 2}, {"b": 1}, {"a": "x", "c": 1}):
        assert check(instance) is validator.is_valid(instance), (schema, instance)
