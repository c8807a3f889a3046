"""What Jackson, with Spring Boot's defaults, makes of a JSON value before the platform's code
sees it: a request the platform takes must not be refused by mockbsc (issue 13).

Jackson's defaults coerce scalars (`MapperFeature.ALLOW_COERCION_OF_SCALARS`): a numeric
string becomes a number (`"dcs": "0"`), `"true"`/`"false"` a boolean (`"imei_lock": "true"`),
and a number or boolean a string where a string is expected (`"label": 7`). A `null` sets
an optional field to null, which the platform treats as absent, so it is dropped here.
Unknown properties are ignored by Spring Boot (`FAIL_ON_UNKNOWN_PROPERTIES` is off), which
the contract says by not forbidding them.

Only called when a value fails its schema as sent, so valid requests never pay for it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

Resolve = Callable[[str], Any]

_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_BOOLEANS = {"true": True, "True": True, "TRUE": True,
             "false": False, "False": False, "FALSE": False}
_MAX_DEPTH = 64


def jackson(schema: Any, value: Any, resolve: Resolve) -> Any:
    """`value` as Jackson would bind it to `schema`; `value` itself (the same object) when
    nothing changes, so the caller can tell whether coercion did anything."""
    return _coerce(schema, value, resolve, 0)


def _coerce(schema: Any, value: Any, resolve: Resolve, depth: int) -> Any:
    if depth > _MAX_DEPTH or not isinstance(schema, Mapping):
        return value
    parts = list(_parts(schema, resolve, 0))
    types = {t for part in parts for t in _types(part)}
    if isinstance(value, str):
        return _from_string(value, types)
    if isinstance(value, bool):
        return ("true" if value else "false") if types == {"string"} else value
    if isinstance(value, int | float):
        if types == {"string"} and (isinstance(value, int) or math.isfinite(value)):
            return str(value)
        if isinstance(value, float) and "integer" in types and "number" not in types \
                and math.isfinite(value) and abs(value) < 2**63:
            return int(value)  # DeserializationFeature.ACCEPT_FLOAT_AS_INT: truncated
        return value
    if isinstance(value, dict):
        return _object(parts, value, resolve, depth)
    if isinstance(value, list):
        items = [part["items"] for part in parts if isinstance(part.get("items"), Mapping)]
        if not items:
            return value
        coerced = [_coerce(items[0], item, resolve, depth + 1) for item in value]
        return value if all(a is b for a, b in zip(coerced, value, strict=True)) else coerced
    return value


def _parts(schema: Mapping[str, Any], resolve: Resolve, depth: int) -> Iterator[Mapping[str, Any]]:
    """The schema and what it includes by `$ref` and `allOf`: all of them apply."""
    if depth > 16:
        return
    yield schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target = resolve(ref)
        if isinstance(target, Mapping):
            yield from _parts(target, resolve, depth + 1)
    for sub in schema.get("allOf", ()):
        if isinstance(sub, Mapping):
            yield from _parts(sub, resolve, depth + 1)


def _types(schema: Mapping[str, Any]) -> list[str]:
    kind = schema.get("type")
    return [kind] if isinstance(kind, str) else list(kind) if isinstance(kind, list) else []


def _from_string(text: str, types: set[str]) -> Any:
    if "string" in types or not types:
        return text
    if "integer" in types and _INTEGER.fullmatch(text.strip()):
        return int(text.strip())
    if "number" in types and _NUMBER.fullmatch(text.strip()):
        number = float(text.strip())
        if math.isfinite(number):
            return int(number) if number.is_integer() and abs(number) < 2**63 else number
    if "boolean" in types and text.strip() in _BOOLEANS:
        return _BOOLEANS[text.strip()]
    return text


def _object(parts: list[Mapping[str, Any]], value: dict[str, Any], resolve: Resolve,
            depth: int) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: set[str] = set()
    for part in parts:
        if isinstance(part.get("properties"), Mapping):
            for name, sub in part["properties"].items():
                properties.setdefault(name, sub)
        required.update(r for r in part.get("required", ()) if isinstance(r, str))
    changed = False
    out: dict[str, Any] = {}
    for name, field in value.items():
        if field is None and name not in required and not _allows_null(properties.get(name),
                                                                        resolve):
            changed = True  # Jackson sets it to null: the platform reads "not given"
            continue
        sub = properties.get(name)
        coerced = field if sub is None else _coerce(sub, field, resolve, depth + 1)
        changed = changed or coerced is not field
        out[name] = coerced
    return out if changed else value


def _allows_null(schema: Any, resolve: Resolve) -> bool:
    if not isinstance(schema, Mapping):
        return False
    return any("null" in _types(part) for part in _parts(schema, resolve, 0))
