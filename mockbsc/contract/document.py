"""The OpenAPI contracts: loaded once, indexed by operationId, and used to validate requests.

Validators are compiled at start-up. Parameters arrive as text and are converted to the
schema's type before validation, so `pageSize=abc` and `pageSize=500` both get a 400 that names
`pageSize` and the rule it broke.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import json
import marshal
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from mockbsc.adapters import cache
from mockbsc.contract.fastcheck import Check, compile_check, ecma_regex

if TYPE_CHECKING:  # imported when first needed: ~60 ms of start-up, and valid requests
    from jsonschema import Draft202012Validator  # never need it (see mockbsc.contract.fastcheck)
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

BSC_CONTRACT = "bsc-openapi.yaml"
CONTROL_CONTRACT = "control-openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: where (path/query/header/body), which name, which rule, in words."""

    location: str
    name: str
    rule: str
    message: str


class ContractViolation(Exception):
    """The request does not satisfy the contract; becomes a 400 naming every problem."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(v.message for v in violations))
        self.violations = violations


class UnsupportedMediaType(Exception):
    """A body in a media type the operation does not take (415)."""


def contract_path(name: str, explicit: str | Path | None = None) -> Path:
    """Where a contract is: explicit path, `MOCKBSC_CONTRACT_DIR`, the package, the checkout."""
    if explicit:
        return Path(explicit)
    candidates = []
    if os.environ.get("MOCKBSC_CONTRACT_DIR"):
        candidates.append(Path(os.environ["MOCKBSC_CONTRACT_DIR"]) / name)
    package = Path(__file__).resolve().parents[1]  # mockbsc/
    candidates += [package / "_data" / "contracts" / name, package.parent / "contracts" / name]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"contract {name} not found in {[str(c) for c in candidates]}")


class SchemaValidator:
    """A schema's `jsonschema` validator plus its fast exact predicate.

    `accepts` (see `mockbsc.contract.fastcheck`) answers valid requests without `jsonschema`;
    it is None when the schema uses a keyword the fast path does not decide, and then only
    `jsonschema` runs. Errors always come from `jsonschema`, so messages do not depend on the
    fast path.
    The `jsonschema` validator is built on first use.
    """

    __slots__ = ("_contract", "_pointer", "_validator", "accepts", "sizes")

    def __init__(self, contract: Contract, pointer: str) -> None:
        self._contract = contract
        self._pointer = pointer
        self._validator: Draft202012Validator | None = None
        self.accepts: Check | None = compile_check({"$ref": "#" + pointer}, contract.lookup)
        self.sizes = _size_limits(contract.lookup("#" + pointer), contract.lookup)

    @property
    def jsonschema(self) -> Draft202012Validator:
        if self._validator is None:
            self._validator = full_match_validator()(
                {"$ref": f"urn:contract#{self._pointer}"}, registry=self._contract.registry
            )
        return self._validator

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]:
        return self.jsonschema.iter_errors(instance)  # type: ignore[no-any-return]


@functools.cache
def full_match_validator() -> Any:
    """`Draft202012Validator` whose `pattern` keyword uses JSON Schema's anchors (`$` is the
    end of the string), the same dialect as the fast path (`fastcheck.ecma_regex`)."""
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError

    def pattern(validator: Any, expected: str, instance: Any, schema: Any) -> Iterator[Any]:
        if validator.is_type(instance, "string") and not ecma_regex(expected).search(instance):
            yield ValidationError(f"{instance!r} does not match {expected!r}")

    return validators.extend(Draft202012Validator, {"pattern": pattern})


def _parse(path: Path) -> dict[str, Any]:
    """The YAML document, from a `marshal` copy in the user's cache if one was made from the
    same bytes by the same Python: YAML takes ~30 ms for both contracts, marshal ~1 ms.

    The contract decides which calls need a token, so the copy is verified: the cache only
    hands out files that no one else could have written (`mockbsc.adapters.cache.read`), and
    the copy carries the SHA-256 of the source it was made from and of its own bytes; any
    mismatch means the YAML is parsed again."""
    raw = path.read_bytes()
    source = hashlib.sha256(raw).digest()
    name = f"contract-{source.hex()[:24]}-py{sys.version_info[0]}{sys.version_info[1]}.marshal"
    cached = cache.read(name)
    if cached is not None and cached[:32] == source \
            and hashlib.sha256(cached[64:]).digest() == cached[32:64]:
        try:
            document = marshal.loads(cached[64:])
            if isinstance(document, dict):
                return document
        except (EOFError, ValueError, TypeError):
            pass
    document = yaml.load(raw.decode("utf-8"), Loader=_YAML_LOADER)  # a safe loader
    with contextlib.suppress(ValueError):  # a value marshal cannot hold (a YAML timestamp)
        payload = marshal.dumps(document)
        cache.write(name, source + hashlib.sha256(payload).digest() + payload)
    return document  # type: ignore[no-any-return]


def _compile(contract: Contract, pointer: str) -> SchemaValidator:
    return SchemaValidator(contract, pointer)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


Converter = Callable[[str], Any]


@dataclass(slots=True)
class Parameter:
    name: str
    location: str
    required: bool
    schema: dict[str, Any]
    validator: SchemaValidator
    convert: Converter
    default: Any = None


@dataclass(slots=True)
class Operation:
    id: str
    method: str
    path: str
    security: str | None
    parameters: list[Parameter] = field(default_factory=list)
    body_validator: SchemaValidator | None = None
    body_required: bool = False
    body_media_types: tuple[str, ...] = ()

    @property
    def takes_body(self) -> bool:
        return bool(self.body_media_types)


_LOADED: dict[tuple[type[Contract], str, int, int], Contract] = {}


class Contract:
    """One OpenAPI document: its JSON form (served as api-docs) and its operations."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.operations: dict[str, Operation] = {}
        for path, item in document.get("paths", {}).items():
            for method in HTTP_METHODS:
                if method in item:
                    op = self._operation(path, method, item)
                    self.operations[op.id] = op

    @classmethod
    def load(cls, name: str, explicit: str | Path | None = None) -> Contract:
        """The contract, parsed once per file version and process (treat it as read-only).

        Parsing and compiling takes ~40 ms; a test session builds an app for every test.
        """
        path = contract_path(name, explicit)
        stat = path.stat()
        key = (cls, str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        loaded = _LOADED.get(key)
        if loaded is None:
            loaded = _LOADED[key] = cls(_parse(path))
        return loaded

    @cached_property
    def registry(self) -> Registry[Any]:
        """The document as a `referencing` resource, for the `jsonschema` validators."""
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        registry: Registry[Any] = Registry().with_resource("urn:contract", resource)
        return registry

    @cached_property
    def json_bytes(self) -> bytes:
        return json.dumps(self.document, ensure_ascii=False).encode()

    @property
    def base_path(self) -> str:
        servers = self.document.get("servers") or [{"url": "/"}]
        return str(servers[0]["url"]).rstrip("/")

    def _operation(self, path: str, method: str, item: Mapping[str, Any]) -> Operation:
        spec = item[method]
        pointer = f"/paths/{_escape(path)}/{method}"
        security = None
        for requirement in spec.get("security", self.document.get("security", [])):
            for scheme in requirement:
                security = security or scheme
        op = Operation(spec["operationId"], method.upper(), path, security)
        params = [(f"/paths/{_escape(path)}/parameters/{i}", p)
                  for i, p in enumerate(item.get("parameters", []))]
        params += [(f"{pointer}/parameters/{i}", p)
                   for i, p in enumerate(spec.get("parameters", []))]
        for param_pointer, param in params:
            if "$ref" in param:
                param_pointer = param["$ref"][1:]
                param = self._resolve(param["$ref"])
            schema = self._resolve_schema(param.get("schema", {}))
            op.parameters.append(Parameter(
                name=param["name"], location=param["in"],
                required=bool(param.get("required", param["in"] == "path")),
                schema=schema, validator=_compile(self, f"{param_pointer}/schema"),
                convert=_converter(schema), default=schema.get("default"),
            ))
        body = spec.get("requestBody")
        if body is not None:
            body_pointer = f"{pointer}/requestBody"
            if "$ref" in body:
                body_pointer = body["$ref"][1:]
                body = self._resolve(body["$ref"])
            content = body.get("content", {})
            op.body_media_types = tuple(content)
            op.body_required = bool(body.get("required", False))
            if "application/json" in content:
                op.body_validator = _compile(
                    self, f"{body_pointer}/content/application~1json/schema"
                )
        return op

    def lookup(self, ref: str) -> Any:
        """The node a local JSON pointer (`#/paths/~1v1~1sims/get/parameters/0`) points at."""
        node: Any = self.document
        for token in ref.removeprefix("#").split("/")[1:]:
            key = token.replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node[key]
        return node

    def _resolve(self, ref: str) -> dict[str, Any]:
        node: Any = self.document
        for token in ref.lstrip("#/").split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        return dict(node)

    def _resolve_schema(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        return self._resolve(schema["$ref"]) if "$ref" in schema else dict(schema)


def _converter(schema: Mapping[str, Any]) -> Converter:
    kind = schema.get("type")
    if kind == "integer":
        return _to_int
    if kind == "number":
        return _to_number
    if kind == "boolean":
        return _to_bool
    return str


_INT = re.compile(r"[+-]?[0-9]{1,30}")


def _to_int(text: str) -> int | str:
    return int(text) if _INT.fullmatch(text) else text


def _to_number(text: str) -> float | str:
    try:
        value = float(text)
    except ValueError:
        return text
    return value if value == value and abs(value) != float("inf") else text


def _to_bool(text: str) -> bool | str:
    return {"true": True, "false": False}.get(text.lower(), text)


MAX_VIOLATIONS = 20
"""Validation stops at this many broken rules: a 200,000-item array must not build 200,000
errors (issue 12); the 400 names the first ones and says how many more it did not list."""

_SIZE_RULES = {"maxItems": (list, "items"), "maxLength": (str, "characters"),
               "maxProperties": (dict, "properties")}


def _size_limits(schema: Any, resolve: Callable[[str], Any],
                 depth: int = 0) -> tuple[tuple[str, int], ...]:
    """The top-level size limits (`maxItems`, `maxLength`, `maxProperties`) of a schema,
    following `$ref` and `allOf`: checked before any content, so an oversized body is
    refused in microseconds, not after validating every item."""
    if not isinstance(schema, Mapping) or depth > 8:
        return ()
    found = tuple((k, int(v)) for k, v in schema.items()
                  if k in _SIZE_RULES and isinstance(v, int))
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        found += _size_limits(resolve(ref), resolve, depth + 1)
    for sub in schema.get("allOf", ()):
        found += _size_limits(sub, resolve, depth + 1)
    return found


def _oversized(validator: SchemaValidator, instance: Any, location: str,
               name: str) -> Violation | None:
    for rule, limit in validator.sizes:
        kind, unit = _SIZE_RULES[rule]
        if isinstance(instance, kind) and len(instance) > limit:
            return Violation(location, name, rule,
                             f"{name}: has {len(instance)} {unit}, more than the maximum "
                             f"of {limit}")
    return None


def violations_of(
    validator: SchemaValidator, instance: Any, location: str, name: str
) -> list[Violation]:
    """The first `MAX_VIOLATIONS` rules `instance` breaks, each with the dotted name of the
    offending field; sizes are checked before contents."""
    if validator.accepts is not None and validator.accepts(instance):
        return []
    oversized = _oversized(validator, instance, location, name)
    if oversized is not None:
        return [oversized]
    found: list[Violation] = []
    errors: list[ValidationError] = sorted(
        itertools.islice(validator.iter_errors(instance), MAX_VIOLATIONS),
        key=lambda e: list(map(str, e.absolute_path)),
    )
    for error in errors:
        field_name = name + "".join(
            f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path
        )
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [p for p in error.validator_value if p not in error.instance]
            field_name = f"{field_name}.{missing[0]}" if missing else field_name
        found.append(Violation(location, field_name, str(error.validator),
                               f"{field_name}: {_short(error.message)}"))
    return found


def _short(message: str) -> str:
    return message if len(message) <= 300 else message[:297] + "..."
