"""Fast acceptance of valid requests: JSON Schemas compiled to plain Python predicates.

Validating a path parameter with `jsonschema` costs tens of microseconds (reference lookups,
evolve, descend), about a third of a `GET /v1/sims/{iccid}`. Most requests are valid, so
`compile_check()` turns a schema into a predicate that answers "valid?" in a few hundred
nanoseconds; only when it says no does the caller run `jsonschema` for the exact errors.

Each predicate is *exact* for JSON values (dict, list, str, int, float, bool, None): it says
True exactly when `Draft202012Validator` (without a format checker, as `mockbsc.contract.document`
builds it) finds no error. A schema with any keyword this module does not implement compiles
to None, and the caller keeps using `jsonschema` alone, so unknown keywords are never skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]
Resolve = Callable[[str], Mapping[str, Any]]

# Keywords that never make an instance invalid (annotations; `format` is not asserted
# because the validators are built without a format checker).
ANNOTATIONS = frozenset({
    "description", "title", "default", "example", "examples", "format", "deprecated",
    "readOnly", "writeOnly", "$comment", "externalDocs", "xml", "discriminator",
    "contentMediaType", "contentEncoding",
})
_SCALARS = (str, int, float, bool, type(None))


class Unsupported(Exception):
    """The schema uses a keyword (or a form of one) this module does not decide exactly."""


def compile_check(schema: Any, resolve: Resolve) -> Check | None:
    """An exact validity predicate for `schema`, or None if it uses unsupported keywords.

    Args:
        schema: a JSON Schema (2020-12) as found in the OpenAPI document.
        resolve: looks up a local `$ref` such as `#/components/schemas/Sim`.
    """
    try:
        return _compile(schema, resolve, ())
    except Unsupported:
        return None


def _compile(schema: Any, resolve: Resolve, seen: tuple[str, ...]) -> Check:
    if schema is True or schema == {}:
        return _always
    if schema is False:
        return _never
    if not isinstance(schema, Mapping):
        raise Unsupported(repr(schema))
    checks: list[Check] = []
    # Sizes before contents: a 200,000-item array fails `maxItems` before any item is read.
    for keyword, value in sorted(schema.items(), key=lambda kv: kv[0] in _CONTENTS):
        if keyword in ANNOTATIONS or keyword in _HANDLED_BY_OTHERS:
            continue
        builder = _BUILDERS.get(keyword)
        if builder is None:
            raise Unsupported(keyword)
        checks.append(builder(value, schema, resolve, seen))
    return _all_of(checks)


def _always(instance: Any) -> bool:
    return True


def _never(instance: Any) -> bool:
    return False


def _all_of(checks: list[Check]) -> Check:
    checks = [c for c in checks if c is not _always]
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    combined = checks[0]
    for following in checks[1:]:  # chained `and`s: cheaper than all() over a generator
        combined = _both(combined, following)
    return combined


def _both(first: Check, second: Check) -> Check:
    return lambda instance: first(instance) and second(instance)


def _ref(value: Any, schema: Mapping[str, Any], resolve: Resolve,
         seen: tuple[str, ...]) -> Check:
    if not isinstance(value, str) or not value.startswith("#/") or value in seen:
        raise Unsupported(f"$ref {value}")  # remote or recursive: leave it to jsonschema
    return _compile(resolve(value), resolve, (*seen, value))


_TYPES: dict[str, Check] = {
    "string": lambda i: isinstance(i, str),
    # Draft 6 and later count 1.0 as an integer.
    "integer": lambda i: (isinstance(i, int) and not isinstance(i, bool))
    or (isinstance(i, float) and i.is_integer()),
    "number": lambda i: isinstance(i, int | float) and not isinstance(i, bool),
    "boolean": lambda i: isinstance(i, bool),
    "object": lambda i: isinstance(i, dict),
    "array": lambda i: isinstance(i, list),
    "null": lambda i: i is None,
}


def _type(value: Any, schema: Mapping[str, Any], resolve: Resolve,
          seen: tuple[str, ...]) -> Check:
    names = [value] if isinstance(value, str) else list(value)
    if any(name not in _TYPES for name in names):
        raise Unsupported(f"type {value}")
    checks = tuple(_TYPES[name] for name in names)
    if len(checks) == 1:
        return checks[0]
    return lambda instance: any(check(instance) for check in checks)


def _is_number(instance: Any) -> bool:
    return isinstance(instance, int | float) and not isinstance(instance, bool)


def _bound(compare: Callable[[Any, Any], bool]) -> Callable[..., Check]:
    def build(value: Any, schema: Mapping[str, Any], resolve: Resolve,
              seen: tuple[str, ...]) -> Check:
        if not _is_number(value):
            raise Unsupported(f"bound {value!r}")
        return lambda i: not _is_number(i) or compare(i, value)

    return build


def _length(longest: bool) -> Callable[..., Check]:
    def build(value: Any, schema: Mapping[str, Any], resolve: Resolve,
              seen: tuple[str, ...]) -> Check:
        if longest:
            return lambda i: not isinstance(i, str) or len(i) <= value
        return lambda i: not isinstance(i, str) or len(i) >= value

    return build


def _count(longest: bool) -> Callable[..., Check]:
    def build(value: Any, schema: Mapping[str, Any], resolve: Resolve,
              seen: tuple[str, ...]) -> Check:
        if longest:
            return lambda i: not isinstance(i, list) or len(i) <= value
        return lambda i: not isinstance(i, list) or len(i) >= value

    return build


def ecma_regex(pattern: str) -> re.Pattern[str]:
    r"""`pattern` compiled so that `$` means what JSON Schema (ECMA 262) says: the end of the
    string. Python's `$` also matches before a trailing newline, which let `"evil\n"` through
    `^[^\x00-\x1f]*$` (issue 12); every `$` outside a class and not escaped becomes `\Z`.
    """
    return _ECMA.get(pattern) or _ECMA.setdefault(pattern, re.compile(_end_anchors(pattern)))


_ECMA: dict[str, re.Pattern[str]] = {}


def _end_anchors(pattern: str) -> str:
    out: list[str] = []
    escaped = in_class = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            out.append("\\Z")
            continue
        out.append(char)
    return "".join(out)


def _pattern(value: Any, schema: Mapping[str, Any], resolve: Resolve,
             seen: tuple[str, ...]) -> Check:
    search = ecma_regex(value).search  # the dialect of the jsonschema path (document.py)
    return lambda i: not isinstance(i, str) or search(i) is not None


def _scalar_options(values: list[Any]) -> Check:
    """Membership with jsonschema's `equal` for scalars: 1 == 1.0, but True is not 1."""
    if not all(isinstance(v, _SCALARS) for v in values):
        raise Unsupported("enum/const with containers")
    strings = frozenset(v for v in values if isinstance(v, str))
    bools = frozenset(v for v in values if isinstance(v, bool))
    numbers = tuple(v for v in values if _is_number(v))
    has_null = any(v is None for v in values)

    def check(instance: Any) -> bool:
        if isinstance(instance, str):
            return instance in strings
        if isinstance(instance, bool):
            return instance in bools
        if instance is None:
            return has_null
        if _is_number(instance):
            return any(instance == n for n in numbers)
        return False

    return check


def _enum(value: Any, schema: Mapping[str, Any], resolve: Resolve,
          seen: tuple[str, ...]) -> Check:
    return _scalar_options(list(value))


def _const(value: Any, schema: Mapping[str, Any], resolve: Resolve,
           seen: tuple[str, ...]) -> Check:
    return _scalar_options([value])


def _required(value: Any, schema: Mapping[str, Any], resolve: Resolve,
              seen: tuple[str, ...]) -> Check:
    names = frozenset(value)
    return lambda i: not isinstance(i, dict) or names <= i.keys()


def _properties(value: Any, schema: Mapping[str, Any], resolve: Resolve,
                seen: tuple[str, ...]) -> Check:
    checks = {name: _compile(sub, resolve, seen) for name, sub in value.items()}

    def check(instance: Any) -> bool:
        if not isinstance(instance, dict):
            return True
        for name, sub in checks.items():
            if name in instance and not sub(instance[name]):
                return False
        return True

    return check


def _additional(value: Any, schema: Mapping[str, Any], resolve: Resolve,
                seen: tuple[str, ...]) -> Check:
    if "patternProperties" in schema:
        raise Unsupported("patternProperties")
    known = frozenset(schema.get("properties", {}))
    sub = _compile(value, resolve, seen)
    if sub is _never:  # additionalProperties: false
        return lambda i: not isinstance(i, dict) or known.issuperset(i)
    if sub is _always:
        return _always
    return lambda i: not isinstance(i, dict) or all(
        sub(v) for k, v in i.items() if k not in known
    )


def _items(value: Any, schema: Mapping[str, Any], resolve: Resolve,
           seen: tuple[str, ...]) -> Check:
    if "prefixItems" in schema:
        raise Unsupported("prefixItems")
    sub = _compile(value, resolve, seen)
    return lambda i: not isinstance(i, list) or all(sub(item) for item in i)


def _all(value: Any, schema: Mapping[str, Any], resolve: Resolve,
         seen: tuple[str, ...]) -> Check:
    return _all_of([_compile(sub, resolve, seen) for sub in value])


def _any(value: Any, schema: Mapping[str, Any], resolve: Resolve,
         seen: tuple[str, ...]) -> Check:
    checks = tuple(_compile(sub, resolve, seen) for sub in value)
    return lambda i: any(check(i) for check in checks)


def _if(value: Any, schema: Mapping[str, Any], resolve: Resolve,
        seen: tuple[str, ...]) -> Check:
    condition = _compile(value, resolve, seen)
    then = _compile(schema.get("then", True), resolve, seen)
    otherwise = _compile(schema.get("else", True), resolve, seen)
    return lambda i: then(i) if condition(i) else otherwise(i)


_CONTENTS = frozenset({"items", "properties", "additionalProperties", "allOf", "anyOf", "if",
                       "$ref"})
_HANDLED_BY_OTHERS = frozenset({"then", "else"})  # read by "if"
_BUILDERS: dict[str, Callable[[Any, Mapping[str, Any], Resolve, tuple[str, ...]], Check]] = {
    "$ref": _ref,
    "type": _type,
    "minimum": _bound(lambda i, v: i >= v),
    "maximum": _bound(lambda i, v: i <= v),
    "exclusiveMinimum": _bound(lambda i, v: i > v),
    "exclusiveMaximum": _bound(lambda i, v: i < v),
    "minLength": _length(longest=False),
    "maxLength": _length(longest=True),
    "minItems": _count(longest=False),
    "maxItems": _count(longest=True),
    "pattern": _pattern,
    "enum": _enum,
    "const": _const,
    "required": _required,
    "properties": _properties,
    "additionalProperties": _additional,
    "items": _items,
    "allOf": _all,
    "anyOf": _any,
    "if": _if,
}
