"""The OpenAPI contracts: loaded once, indexed by operationId, and used to validate requests.

Each schema is compiled by `jsonschema-rs` once, when a request first needs it. Parameters
arrive as text and are converted to the schema's type before validation, so `pageSize=abc`
and `pageSize=500` both get a 400 that names `pageSize` and the rule it broke.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema_rs

from mockbsc.adapters import cache

_URN = "urn:contract"
BSC_CONTRACT = "bsc-openapi.yaml"
CONTROL_CONTRACT = "control-openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


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
    """One schema of the contract, compiled by `jsonschema-rs` once, on first use.

    `is_valid` is the fast path every request takes (a fraction of a microsecond for a SIM
    `PUT` body). Only a request that fails it pays for errors: `jsonschema-rs` builds every
    error of a call at once, so `iter_errors` checks a top-level array item by item and stops
    as soon as the caller has enough (a 10,000-item list with a bad field in each item must
    not build 10,000 errors, issue 12).
    """

    __slots__ = ("_contract", "_items", "_pointer", "_validator", "schema")

    def __init__(self, contract: Contract, pointer: str) -> None:
        self._contract = contract
        self._pointer = pointer
        self._validator: jsonschema_rs.Validator | None = None
        self._items: SchemaValidator | bool | None = False  # False: not looked up yet
        self.schema: Any = contract.lookup("#" + pointer)

    @property
    def compiled(self) -> jsonschema_rs.Validator:
        if self._validator is None:
            self._validator = self._contract.compiled(self._pointer)
        return self._validator

    def is_valid(self, instance: Any) -> bool:
        return self.compiled.is_valid(instance)

    def iter_errors(self, instance: Any) -> Iterator[tuple[list[str | int], Any]]:
        """(path within `instance`, `jsonschema_rs.ValidationError`) of each broken rule."""
        items = self._item_validator()
        found = False
        if items is not None and isinstance(instance, list):
            for index, item in enumerate(instance):
                if not items.is_valid(item):
                    for path, error in items.iter_errors(item):
                        found = True
                        yield [index, *path], error
        if not found:  # the array's own rules, or a schema that is not an array of items
            for error in self.compiled.iter_errors(instance):
                yield list(error.instance_path), error

    def lookup(self, ref: str) -> Any:
        return self._contract.lookup(ref)

    def _item_validator(self) -> SchemaValidator | None:
        if self._items is False:
            pointer = self._contract.target(self._pointer)
            node = self._contract.lookup("#" + pointer)
            self._items = (SchemaValidator(self._contract, pointer + "/items")
                           if isinstance(node, Mapping) and isinstance(node.get("items"),
                                                                       Mapping) else None)
        return self._items if isinstance(self._items, SchemaValidator) else None


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
    import yaml  # only now: a cached copy spares `mockbsc serve` importing it (~25 ms)

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(raw.decode("utf-8"), Loader=loader)  # a safe loader
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
        self._compiled: dict[str, jsonschema_rs.Validator] = {}
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
    def registry(self) -> jsonschema_rs.Registry:
        """The document as one `jsonschema-rs` resource: every validator resolves its
        `$ref`s in it (`urn:contract#/components/schemas/Sim`)."""
        return jsonschema_rs.Registry([(_URN, self.document)])

    def compiled(self, pointer: str) -> jsonschema_rs.Validator:
        """The validator of the schema at `pointer`, compiled once per contract and schema
        (a parameter `$ref`'d by twenty operations shares one)."""
        pointer = self.target(pointer)
        validator = self._compiled.get(pointer)
        if validator is None:
            validator = self._compiled[pointer] = jsonschema_rs.validator_for(
                {"$ref": _URN + "#" + quote(pointer, safe="/~")}, registry=self.registry,
                validate_formats=False)  # `format` is an annotation here, as in OpenAPI
        return validator

    def target(self, pointer: str) -> str:
        """`pointer` with the `$ref`s that make up a whole schema followed to their target."""
        for _ in range(16):
            node = self.lookup("#" + pointer)
            ref = node.get("$ref") if isinstance(node, Mapping) else None
            if not (isinstance(ref, str) and ref.startswith("#/") and len(node) == 1):
                break
            pointer = ref[1:]
        return pointer

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
    """Spring's `StringToBooleanConverter`: true/on/yes/1 and false/off/no/0, any case."""
    return _BOOLEANS.get(text.lower(), text)


_BOOLEANS = {"true": True, "on": True, "yes": True, "1": True,
             "false": False, "off": False, "no": False, "0": False}
