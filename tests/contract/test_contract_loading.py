"""An OpenAPI document read into operations: parameters (shared, referenced, converted from
text, defaulted), security, request bodies and their media types, and the named violations."""

from __future__ import annotations

from typing import Any

import pytest

from mockbsc.contract.document import Contract, Operation, Violation
from mockbsc.contract.validation import violations_of

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "servers": [{"url": "/base/"}],
    "security": [{"Bearer": []}],
    "components": {
        "parameters": {"Id": {"name": "id", "in": "path",
                              "schema": {"$ref": "#/components/schemas/Id"}}},
        "schemas": {"Id": {"type": "integer", "minimum": 1}},
        "requestBodies": {"Thing": {"content": {"application/json": {"schema": {
            "type": "object", "required": ["n"],
            "properties": {"n": {"type": "string"}, "tags": {"type": "array",
                                                              "items": {"type": "integer"}}}}}}}},
    },
    "paths": {
        "/things/{id}": {
            "parameters": [{"$ref": "#/components/parameters/Id"}],
            "get": {"operationId": "getThing", "parameters": [
                {"name": "flag", "in": "query", "schema": {"type": "boolean", "default": False}},
                {"name": "ratio", "in": "query", "required": True,
                 "schema": {"type": "number"}},
                {"name": "name", "in": "query", "schema": {"type": "string", "maxLength": 2}},
                {"name": "x-trace", "in": "header", "schema": {"type": "string"}}]},
            "put": {"operationId": "putThing", "security": [],
                    "requestBody": {"$ref": "#/components/requestBodies/Thing"}},
        },
        "/a~b/c/d": {"post": {"operationId": "odd", "security": [{"Admin": []}, {"Other": []}],
                              "requestBody": {"required": True, "content": {
                                  "application/json": {"schema": {"type": "object"}},
                                  "text/plain": {}}}}},
        "/form": {"post": {"operationId": "form", "requestBody": {"content": {
            "application/x-www-form-urlencoded": {"schema": {"type": "object"}}}}}},
    },
}


@pytest.fixture
def contract() -> Contract:
    """Built for each test (cheap): a module-wide one is built inside the first test only, and
    mutmut, which runs only the tests it saw call a function, then skips the others."""
    return Contract(DOCUMENT)


def _op(contract: Contract, op_id: str) -> Operation:
    return contract.operations[op_id]


def test_operations_are_indexed_by_id_with_method_path_and_security(
        contract: Contract) -> None:
    assert sorted(contract.operations) == ["form", "getThing", "odd", "putThing"]
    get = _op(contract, "getThing")
    assert (get.method, get.path, get.security) == ("GET", "/things/{id}", "Bearer")
    assert _op(contract, "putThing").security is None
    assert _op(contract, "odd").security == "Admin"
    assert contract.base_path == "/base"
    assert Contract({"paths": {}}).base_path == ""


def test_an_operation_without_security_anywhere_needs_none() -> None:
    bare = Contract({"paths": {"/open/{id}": {"get": {
        "operationId": "open",
        "parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}}]}}}})
    op = bare.operations["open"]
    assert (op.method, op.path, op.security) == ("GET", "/open/{id}", None)
    assert [(p.name, p.location, p.required) for p in op.parameters] == [("id", "path", True)]


def test_parameters_shared_referenced_required_and_defaulted(contract: Contract) -> None:
    params = {p.name: p for p in _op(contract, "getThing").parameters}
    assert list(params) == ["id", "flag", "ratio", "name", "x-trace"]
    assert [(p.location, p.required, p.default) for p in params.values()] == [
        ("path", True, None), ("query", False, False), ("query", True, None),
        ("query", False, None), ("header", False, None)]
    assert params["id"].schema == {"type": "integer", "minimum": 1}


@pytest.mark.parametrize(("name", "text", "value"), [
    ("id", "5", 5), ("id", "+5", 5), ("id", "-0", 0), ("id", "5.0", "5.0"), ("id", "x", "x"),
    ("id", "1" * 30, int("1" * 30)), ("id", "1" * 31, "1" * 31), ("id", " 5", " 5"),
    ("flag", "true", True), ("flag", "FALSE", False), ("flag", "yes", True), ("flag", "0", False),
    ("flag", "maybe", "maybe"),
    ("ratio", "1.5", 1.5), ("ratio", "2", 2.0), ("ratio", "nan", "nan"), ("ratio", "inf", "inf"),
    ("ratio", "-Infinity", "-Infinity"), ("ratio", "x", "x"), ("name", "007", "007"),
], ids=["int", "int-signed", "int-minus-zero", "int-fraction", "int-text", "int-30-digits",
        "int-31-digits", "int-space", "bool-true", "bool-upper", "bool-spring-yes", "bool-spring-0",
        "bool-other", "number",
        "number-integral", "number-nan", "number-inf", "number-minus-infinity", "number-text",
        "string"])
def test_parameter_text_is_converted_to_the_schema_type(contract: Contract, name: str,
                                                        text: str, value: Any) -> None:
    param = next(p for p in _op(contract, "getThing").parameters if p.name == name)
    converted = param.convert(text)
    assert converted == value
    assert type(converted) is type(value)


def test_request_bodies_take_their_media_types(contract: Contract) -> None:
    put, odd, form = (_op(contract, i) for i in ("putThing", "odd", "form"))
    assert (put.body_media_types, put.body_required, put.takes_body) == (
        ("application/json",), False, True)
    assert (odd.body_media_types, odd.body_required) == (("application/json", "text/plain"), True)
    assert form.body_validator is None
    assert _op(contract, "getThing").takes_body is False
    assert _op(contract, "getThing").body_validator is None


@pytest.mark.parametrize(("body", "violations"), [
    ({"n": "x", "tags": [1, 2]}, []),
    ({"n": 1}, [Violation("body", "body.n", "type", 'body.n: 1 is not of type "string"')]),
    ({}, [Violation("body", "body.n", "required", 'body.n: "n" is a required property')]),
    ({"n": "x", "tags": [1, "a"]},
     [Violation("body", "body.tags[1]", "type", 'body.tags[1]: "a" is not of type "integer"')]),
    ([], [Violation("body", "body", "type", 'body: [] is not of type "object"')]),
], ids=["valid", "wrong-type", "missing", "array-item", "not-an-object"])
def test_body_violations_name_the_field_and_rule(contract: Contract, body: Any,
                                                 violations: list[Violation]) -> None:
    validator = _op(contract, "putThing").body_validator
    assert validator is not None
    assert violations_of(validator, body, "body", "body") == violations


def test_parameter_violations_and_long_messages_are_cut(contract: Contract) -> None:
    params = {p.name: p for p in _op(contract, "getThing").parameters}
    assert violations_of(params["id"].validator, 0, "path", "id") == [
        Violation("path", "id", "minimum", "id: 0 is less than the minimum of 1")]
    # a size is judged before the contents (a 200,000-item body must not be walked)
    assert violations_of(params["name"].validator, "x" * 400, "query", "name") == [
        Violation("query", "name", "maxLength",
                  "name: has 400 characters, more than the maximum of 2")]
    body = _op(contract, "putThing").body_validator
    assert body is not None
    found = violations_of(body, {"n": "x", "tags": ["y" * 400]}, "body", "body")
    assert len(found) == 1
    assert found[0].message == ("body.tags[0]: "
                                + ('"' + "y" * 400 + '" is not of type "integer"')[:297] + "...")
    assert len(found[0].message) == len("body.tags[0]: ") + 300


def test_twenty_violations_at_most(contract: Contract) -> None:
    validator = _op(contract, "putThing").body_validator
    assert validator is not None
    found = violations_of(validator, {"n": "x", "tags": ["a"] * 30}, "body", "body")
    # validation stops at the first twenty found, listed by path as text (tags[10] first)
    assert [v.name for v in found] == [f"body.tags[{i}]" for i in sorted(range(20), key=str)]


def test_json_pointers_escape_slashes_and_tildes(contract: Contract) -> None:
    assert contract.lookup("#/paths/~1a~0b~1c~1d/post/operationId") == "odd"
    assert contract.lookup("#/paths/~1things~1{id}/get/parameters/1/name") == "ratio"
    assert contract.lookup("#/servers/0/url") == "/base/"
    odd = _op(contract, "odd").body_validator
    assert odd is not None
    assert violations_of(odd, [], "body", "body")[0].rule == "type"
