"""Checking a request value against its schema: the fast path, Jackson's coercions, and the
400's list of broken rules (bounded, sizes first)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

from mockbsc.contract.coerce import jackson
from mockbsc.contract.document import SchemaValidator, Violation

MAX_VIOLATIONS = 20
"""Validation stops at this many broken rules: a 200,000-item array must not build 200,000
errors (issue 12); the 400 names the first ones and says how many more it did not list."""

_SIZE_RULES = {"maxItems": (list, "items"), "maxLength": (str, "characters"),
               "maxProperties": (dict, "properties")}


def _oversized(schema: Any, instance: Any, resolve: Callable[[str], Any], name: str,
               depth: int = 0) -> tuple[str, str, str] | None:
    """(field, rule, message) of the first size limit (`maxItems`, `maxLength`,
    `maxProperties`) `instance` breaks, at any depth, following `$ref`, `allOf`, `properties`
    and `items`: sizes are judged before contents, so an oversized body is refused in
    microseconds, not after validating every item (issue 12)."""
    if not isinstance(schema, Mapping) or depth > 32:
        return None
    for rule, (kind, unit) in _SIZE_RULES.items():
        limit = schema.get(rule)
        if isinstance(limit, int) and isinstance(instance, kind) and len(instance) > limit:
            return name, rule, f"has {len(instance)} {unit}, more than the maximum of {limit}"
    subs: list[tuple[Any, Any, str]] = []
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        subs.append((resolve(ref), instance, name))
    subs += [(sub, instance, name) for sub in schema.get("allOf", ())]
    if isinstance(instance, dict):
        properties = schema.get("properties", {})
        subs += [(properties[k], v, f"{name}.{k}") for k, v in instance.items()
                 if k in properties]
    if isinstance(instance, list) and isinstance(schema.get("items"), Mapping):
        subs += [(schema["items"], item, f"{name}[{i}]") for i, item in enumerate(instance)]
    for sub, value, field_name in subs:
        found = _oversized(sub, value, resolve, field_name, depth + 1)
        if found is not None:
            return found
    return None


def accept(validator: SchemaValidator, instance: Any, location: str, name: str,
           lenient: bool = True) -> tuple[Any, list[Violation]]:
    """(the value the handler gets, the rules it breaks): `instance` itself when it is valid
    (the fast path); else, when `lenient`, `instance` coerced as Jackson would read it
    (`"0"` for a number, `"true"` for a boolean, a `null` optional field dropped,
    `mockbsc.contract.coerce`) if that is valid; else the first `MAX_VIOLATIONS` broken
    rules, sizes judged before contents."""
    if validator.is_valid(instance):
        return instance, []
    oversized = _oversized_violation(validator, instance, location, name)
    if oversized:  # before coercion too: a 200,000-item body is not coerced first
        return instance, oversized
    if lenient:
        coerced = jackson(validator.schema, instance, validator.lookup)
        if coerced is not instance:
            if validator.is_valid(coerced):
                return coerced, []
            instance = coerced  # report what is still wrong once coerced
    return instance, _violations(validator, instance, location, name)


def violations_of(validator: SchemaValidator, instance: Any, location: str,
                  name: str) -> list[Violation]:
    """The first `MAX_VIOLATIONS` rules `instance` breaks as it is (no coercion)."""
    return [] if validator.is_valid(instance) else _violations(validator, instance, location,
                                                               name)


def _oversized_violation(validator: SchemaValidator, instance: Any, location: str,
                         name: str) -> list[Violation]:
    found = _oversized(validator.schema, instance, validator.lookup, name)
    if found is None:
        return []
    field_name, rule, message = found
    return [Violation(location, field_name, rule, f"{field_name}: {message}")]


def _violations(validator: SchemaValidator, instance: Any, location: str,
                name: str) -> list[Violation]:
    oversized = _oversized_violation(validator, instance, location, name)
    if oversized:
        return oversized
    errors = sorted(itertools.islice(validator.iter_errors(instance), MAX_VIOLATIONS),
                    key=lambda found: list(map(str, found[0])))
    found: list[Violation] = []
    for path, error in errors:
        field_name = name + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
        rule = str(error.kind.name)
        if rule == "required":
            field_name = f"{field_name}.{error.kind.property}"
        found.append(Violation(location, field_name, rule,
                               f"{field_name}: {_short(str(error.message))}"))
    return found


def _short(message: str) -> str:
    return message if len(message) <= 300 else message[:297] + "..."
