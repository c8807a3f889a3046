"""Jackson's scalar coercion of a text to a number: an integral value binds as an integer
(as `JsonNode.numberValue()` of `1000.0` read into a `long` field), a fraction stays a float."""

from __future__ import annotations

from typing import Any

import pytest

from mockbsc.contract.coerce import jackson

NUMBER = {"type": "number"}


def _no_refs(pointer: str) -> Any:
    raise AssertionError(f"no $ref expected, got {pointer}")


@pytest.mark.parametrize(("text", "value"), [
    ("1000.0", 1000), ("1e3", 1000), ("-2", -2), ("2.5", 2.5), (" 0.25 ", 0.25),
    ("1e19", 1e19), ("nan", "nan"), ("1e999", "1e999"), ("ten", "ten"),
], ids=["integral-fraction", "exponent", "negative", "fraction", "padded", "beyond-long",
        "nan-stays-text", "overflow-stays-text", "not-a-number"])
def test_a_numeric_text_becomes_an_integer_when_integral_else_a_float(text: str,
                                                                      value: Any) -> None:
    coerced = jackson(NUMBER, text, _no_refs)
    assert coerced == value
    assert type(coerced) is type(value)


@pytest.mark.parametrize(("types", "text", "value"), [
    (["string", "integer"], "5", "5"), (["integer", "null"], "5", 5),
    (["boolean", "null"], "true", True), ([], "5", "5"),
], ids=["string-allowed-stays-text", "nullable-integer", "nullable-boolean", "no-type"])
def test_a_text_stays_text_wherever_a_string_is_allowed(types: list[str], text: str,
                                                        value: Any) -> None:
    coerced = jackson({"type": types} if types else {}, text, _no_refs)
    assert coerced == value
    assert type(coerced) is type(value)
