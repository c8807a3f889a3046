"""`mockbsc contract diff`: what differs between mockbsc's contract and another api-docs document.

Both documents are first reduced to the same plain model (operations keyed by method and path,
parameters keyed by location and name, request and response fields flattened to dotted paths
with their JSON types), so OpenAPI 3.0 and 3.1, JSON and YAML, several files that each cover
part of the API, and different server prefixes all compare as equals where they mean the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
MAX_DEPTH = 8


@dataclass(frozen=True, slots=True)
class Difference:
    """One difference: `where` names the operation and the part, `ours`/`theirs` the values."""

    operation: str
    kind: str
    where: str
    ours: str
    theirs: str

    @property
    def key(self) -> str:
        """A stable one-line identity, e.g. `GET /v1/sims | parameter | query q`."""
        return f"{self.operation} | {self.kind}" + (f" | {self.where}" if self.where else "")

    def describe(self) -> str:
        return f"{self.kind} {self.where}: mockbsc {self.ours}, other {self.theirs}"

    @property
    def breaking(self) -> bool:
        """Whether a client written against mockbsc's contract can fail against the other
        API: it calls what is not there, leaves out what is required, sends or reads a type
        the other does not, or gets a success status it does not expect. A field or an
        error status only the other documents is harmless to such a client."""
        ours_only = self.ours.startswith("has it") and self.theirs == "lacks it"
        theirs_only = self.theirs.startswith("has it") and self.ours == "lacks it"
        if self.kind in ("operation", "media-type", "response field"):
            return ours_only
        if self.kind == "parameter":
            return theirs_only and "required" in self.theirs
        if self.kind == "required":
            return self.theirs == "yes"
        if self.kind == "status":
            return self.where.startswith("2") and theirs_only
        return self.kind.endswith(" type")


@dataclass(slots=True)
class OperationModel:
    key: str
    operation_id: str | None
    parameters: dict[str, str] = field(default_factory=dict)
    required_parameters: set[str] = field(default_factory=set)
    body_media_types: set[str] = field(default_factory=set)
    body_fields: dict[str, str] = field(default_factory=dict)
    statuses: set[str] = field(default_factory=set)
    response_fields: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ApiModel:
    title: str
    operations: dict[str, OperationModel] = field(default_factory=dict)


def load_document(path: str | Path) -> dict[str, Any]:
    """An OpenAPI document from a JSON or YAML file."""
    text = Path(path).read_text(encoding="utf-8")
    document = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    if not isinstance(document, dict) or "paths" not in document:
        raise ValueError(f"{path}: not an OpenAPI document (no 'paths')")
    return document


def model_of(documents: Sequence[Mapping[str, Any]]) -> ApiModel:
    """The plain model of one API described by one or more documents."""
    title = " + ".join(str(d.get("info", {}).get("title", "?")) for d in documents)
    api = ApiModel(title)
    for document in documents:
        resolver = _Resolver(document)
        base = _base_path(document)
        for raw_path, item in document.get("paths", {}).items():
            item = resolver.node(item)
            for method in METHODS:
                if isinstance(item.get(method), dict):
                    op = _operation(resolver, base, raw_path, method, item)
                    api.operations[op.key] = op
    return api


def diff(ours: ApiModel, theirs: ApiModel) -> list[Difference]:
    """Every difference, operations first, then each shared operation's parts."""
    found: list[Difference] = []
    for key in sorted(ours.operations.keys() - theirs.operations.keys()):
        found.append(Difference(key, "operation", "", "has it", "lacks it"))
    for key in sorted(theirs.operations.keys() - ours.operations.keys()):
        found.append(Difference(key, "operation", "", "lacks it", "has it"))
    for key in sorted(ours.operations.keys() & theirs.operations.keys()):
        found += _compare(ours.operations[key], theirs.operations[key])
    return found


def _compare(a: OperationModel, b: OperationModel) -> list[Difference]:
    found: list[Difference] = []
    if a.operation_id and b.operation_id and a.operation_id != b.operation_id:
        found.append(Difference(a.key, "operationId", "", a.operation_id, b.operation_id))
    found += _compare_maps(a.key, "parameter", a.parameters, b.parameters)
    for name in sorted((a.required_parameters ^ b.required_parameters)
                       & a.parameters.keys() & b.parameters.keys()):
        found.append(Difference(a.key, "required", f"parameter {name}",
                                _yes(name in a.required_parameters),
                                _yes(name in b.required_parameters)))
    for media in sorted(a.body_media_types ^ b.body_media_types):
        found.append(Difference(a.key, "media-type", f"request {media}",
                                _has(media in a.body_media_types),
                                _has(media in b.body_media_types)))
    found += _compare_maps(a.key, "request field", a.body_fields, b.body_fields)
    for status in sorted(a.statuses ^ b.statuses):
        found.append(Difference(a.key, "status", status, _has(status in a.statuses),
                                _has(status in b.statuses)))
    found += _compare_maps(a.key, "response field", a.response_fields, b.response_fields)
    return found


def _compare_maps(key: str, kind: str, a: Mapping[str, str],
                  b: Mapping[str, str]) -> list[Difference]:
    found = []
    for name in sorted(a.keys() | b.keys()):
        if name not in b:
            found.append(Difference(key, kind, name, f"has it ({a[name]})", "lacks it"))
        elif name not in a:
            found.append(Difference(key, kind, name, "lacks it", f"has it ({b[name]})"))
        elif not _same_type(a[name], b[name]):
            found.append(Difference(key, f"{kind} type", name, a[name], b[name]))
    return found


def _same_type(a: str, b: str) -> bool:
    """Types agree when their base type does (formats only count when both name one)."""
    base_a, _, format_a = a.partition(":")
    base_b, _, format_b = b.partition(":")
    if base_a == "any" or base_b == "any":
        return True
    if {base_a, base_b} == {"integer", "number"}:  # an integer is a JSON number
        return True
    return base_a == base_b and (not format_a or not format_b or format_a == format_b)


def _yes(value: bool) -> str:
    return "required" if value else "optional"


def _has(value: bool) -> str:
    return "has it" if value else "lacks it"


def _base_path(document: Mapping[str, Any]) -> str:
    servers = document.get("servers") or []
    if servers:
        return urlparse(str(servers[0].get("url", ""))).path.rstrip("/")
    return str(document.get("basePath", "")).rstrip("/")  # Swagger 2.0


def _normal_path(base: str, path: str) -> str:
    full = (base + "/" + path.lstrip("/")).rstrip("/") or "/"
    full = re.sub(r"\{[^}]+\}", "{}", full)
    return full.removeprefix("/management-api") or "/"


def _operation(resolver: _Resolver, base: str, raw_path: str, method: str,
               item: Mapping[str, Any]) -> OperationModel:
    spec = item[method]
    key = f"{method.upper()} {_normal_path(base, raw_path)}"
    op = OperationModel(key, spec.get("operationId"))
    for param in [*item.get("parameters", []), *spec.get("parameters", [])]:
        param = resolver.node(param)
        if param.get("in") in ("header", "cookie") and param.get("name", "").lower() in (
            "authorization", "content-type", "accept"):
            continue  # security and media-type headers are compared elsewhere
        name = f"{param.get('in')} {param.get('name')}"
        if param.get("in") == "path":
            before = raw_path.split("{" + str(param.get("name")) + "}")[0]
            name = f"path #{before.count('{') + 1}"  # path names differ, positions do not
        op.parameters[name] = _type_of(resolver.node(param.get("schema", param)))
        if param.get("required") or param.get("in") == "path":
            op.required_parameters.add(name)
    body = resolver.node(spec.get("requestBody", {}))
    for raw_media, content in body.get("content", {}).items():
        media = raw_media.split(";")[0].strip().lower()  # `;charset=UTF-8` means the same
        op.body_media_types.add(media)
        if "json" in media and "schema" in content:
            op.body_fields.update(_fields(resolver, content["schema"], "body"))
    success = None  # fields of the first 2xx answer with a body, as `2xx...`: a 200 that
    for status, response in sorted(spec.get("responses", {}).items()):  # became 201 is 1 diff
        op.statuses.add(str(status))
        response = resolver.node(response)
        if str(status).startswith("2") and success is None:
            for media, content in response.get("content", {}).items():
                # springfox writes `*/*` for the JSON it sends (1NCE's limits operations)
                if ("json" in media or media == "*/*") and "schema" in content \
                        and success is None:
                    success = status
                    op.response_fields.update(_fields(resolver, content["schema"], "2xx"))
    return op


def _type_of(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else "|".join(sorted(kinds)) or "null"
    if kind is None:
        if "properties" in schema:
            kind = "object"
        elif "items" in schema:
            kind = "array"
        elif schema.get("enum"):
            kind = type(schema["enum"][0]).__name__.replace("str", "string").replace(
                "int", "integer")
        else:
            kind = "any"
    return f"{kind}:{schema['format']}" if schema.get("format") else str(kind)


def _fields(resolver: _Resolver, schema: Any, prefix: str, depth: int = 0,
            seen: frozenset[str] = frozenset()) -> dict[str, str]:
    """Dotted field paths of a schema with their types (`[]` marks array items)."""
    if isinstance(schema, Mapping) and "$ref" in schema:
        ref = str(schema["$ref"])
        if ref in seen or depth > MAX_DEPTH:
            return {}
        seen = seen | {ref}
    schema = _merged(resolver, resolver.node(schema))
    found = {prefix: _type_of(schema)}
    if depth > MAX_DEPTH:
        return found
    for name, sub in schema.get("properties", {}).items():
        found.update(_fields(resolver, sub, f"{prefix}.{name}", depth + 1, seen))
    if "items" in schema:
        found.update(_fields(resolver, schema["items"], f"{prefix}[]", depth + 1, seen))
    return found


def _merged(resolver: _Resolver, schema: Mapping[str, Any]) -> dict[str, Any]:
    """allOf parts folded into one schema; a single-branch oneOf/anyOf taken as is."""
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema.get("allOf", []):
        part = _merged(resolver, resolver.node(part))
        merged.setdefault("properties", {}).update(part.get("properties", {}))
        for key, value in part.items():
            if key != "properties":
                merged.setdefault(key, value)
    for combinator in ("oneOf", "anyOf"):
        branches = [b for b in merged.get(combinator, [])
                    if resolver.node(b).get("type") != "null"]
        if len(branches) == 1:
            merged.pop(combinator)
            merged = {**_merged(resolver, resolver.node(branches[0])), **merged}
    return merged


class _Resolver:
    """Local `$ref`s of one document (`#/components/...`, `#/definitions/...`)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    def node(self, value: Any) -> dict[str, Any]:
        hops = 0
        while isinstance(value, Mapping) and "$ref" in value and hops < 20:
            target: Any = self.document
            for token in str(value["$ref"]).lstrip("#/").split("/"):
                target = target.get(token.replace("~1", "/").replace("~0", "~"), {}) \
                    if isinstance(target, Mapping) else {}
            value, hops = target, hops + 1
        return dict(value) if isinstance(value, Mapping) else {}


def report(ours: ApiModel, theirs: ApiModel, differences: Iterable[Difference]) -> str:
    """The differences as text a person can act on, grouped by operation."""
    differences = list(differences)
    lines = [f"mockbsc: {ours.title} ({len(ours.operations)} operations)",
             f"other:   {theirs.title} ({len(theirs.operations)} operations)", ""]
    if not differences:
        return "\n".join([*lines, "No differences."])
    operations = [d for d in differences if d.kind == "operation"]
    only_ours = [d.operation for d in operations if d.ours == "has it"]
    only_theirs = [d.operation for d in operations if d.theirs == "has it"]
    for title, ops, mark in (("Operations only in mockbsc", only_ours, "!"),
                             ("Operations only in the other document", only_theirs, " ")):
        if ops:
            lines += [f"{title} ({len(ops)}):", *(f"{mark}  {op}" for op in ops), ""]
    by_operation: dict[str, list[Difference]] = {}
    for d in differences:
        if d.kind != "operation":
            by_operation.setdefault(d.operation, []).append(d)
    status_only = {k: v for k, v in by_operation.items() if all(d.kind == "status" for d in v)}
    for key, found in by_operation.items():
        if key in status_only:
            continue
        lines.append(_title(ours, key))
        lines += _statuses(found)
        lines += [f"{_mark(d)}  {d.describe()}" for d in found if d.kind != "status"]
    if status_only:
        lines += ["", f"Operations that differ only in documented status codes "
                      f"({len(status_only)}):"]
        for key, found in status_only.items():
            lines.append(_title(ours, key))
            lines += _statuses(found)
    breaking = sum(d.breaking for d in differences)
    lines += ["", f"{len(differences)} difference(s), {breaking} of them can break a client "
                  "written against mockbsc (marked !)."]
    return "\n".join(lines)


def _title(ours: ApiModel, key: str) -> str:
    op = ours.operations[key]
    return key + (f" ({op.operation_id})" if op.operation_id else "")


def _mark(d: Difference) -> str:
    return "!" if d.breaking else " "


def _statuses(found: list[Difference]) -> list[str]:
    lines = []
    statuses = [d for d in found if d.kind == "status"]
    for side, label in (("ours", "mockbsc"), ("theirs", "other")):
        only = [d for d in statuses if getattr(d, side) == "has it"]
        if only:
            mark = "!" if any(d.breaking for d in only) else " "
            lines.append(f"{mark}  statuses only in {label}: "
                         f"{', '.join(d.where for d in only)}")
    return lines
