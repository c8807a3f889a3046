"""Does an exchange (a request and its answer) keep the contract? For `mockbsc proxy`.

The mock validates requests as it serves them; a proxy in front of another server (the real
platform, a staging one) must judge both directions of traffic it does not produce: the
request's parameters and body, and the answer's status (documented for the operation?),
content type, required headers (paging headers, `Location`), and body (schema, which holds
the date formats as patterns). Schemas are checked through the contract's own
`SchemaValidator`, so the proxy and the mock judge by the same rules.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from mockbsc.contract.document import BSC_CONTRACT, Contract, Operation, SchemaValidator

MAX_ISSUES = 20  # per exchange: a broken listing of 1,000 SIMs must not give 1,000 lines


@dataclass(frozen=True, slots=True)
class Issue:
    """One broken rule: of the `request` or the `response`, which `rule`, in words."""

    side: str
    rule: str
    detail: str


@dataclass(frozen=True, slots=True)
class Exchange:
    """What went through: method, path (under the server URL), raw query, both sides."""

    method: str
    path: str
    query: str
    request_headers: Mapping[str, str]
    request_body: bytes
    status: int
    response_headers: Mapping[str, str]
    response_body: bytes


class Conformance:
    """Judges exchanges against one contract (the BSC one unless told)."""

    def __init__(self, contract: Contract | None = None) -> None:
        self.contract = contract or Contract.load(BSC_CONTRACT)
        self.base = self.contract.base_path
        self._routes = sorted(
            ((_template(op.path), op) for op in self.contract.operations.values()),
            key=lambda r: (r[1].path.count("{"), -len(r[1].path)))
        self._validators: dict[str, SchemaValidator] = {}

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation a method and a full path (with the server URL) are routed to."""
        if not path.startswith(self.base):
            return None
        local = path[len(self.base):] or "/"
        for pattern, op in self._routes:
            if op.method == method.upper() and pattern.fullmatch(local):
                return op
        return None

    def check(self, exchange: Exchange) -> tuple[str | None, list[Issue]]:
        """(operationId or None, the broken rules) of one exchange."""
        op = self.operation(exchange.method, exchange.path)
        if op is None and exchange.path == f"{self.base}/api-docs":
            return None, []  # the contract itself, served beside the operations
        if op is None:
            return None, [Issue("request", "operation",
                                f"{exchange.method} {exchange.path} is no operation of the "
                                "contract")]
        issues = self.request_issues(op, exchange) + self.response_issues(op, exchange)
        return op.id, issues[:MAX_ISSUES]

    # ------------------------------------------------------------------ request
    def request_issues(self, op: Operation, exchange: Exchange) -> list[Issue]:
        issues: list[Issue] = []
        match = _template(op.path).fullmatch(exchange.path[len(self.base):])
        path_values = match.groupdict() if match else {}
        query: dict[str, str] = {}
        for name, value in parse_qsl(exchange.query, keep_blank_values=True):
            query.setdefault(name, value)
        for param in op.parameters:
            source = path_values if param.location == "path" else query if (
                param.location == "query") else None
            if source is None:
                continue
            raw = source.get(param.name)
            if raw is None:
                if param.required:
                    issues.append(Issue("request", "required",
                                        f"{param.location} parameter {param.name} is missing"))
                continue
            for where, message in _errors(param.validator, param.convert(raw), param.name):
                issues.append(Issue("request", "parameter", f"{where}: {message}"))
        media = _media(exchange.request_headers)
        body = exchange.request_body
        if op.body_validator is not None and body.strip() and media.endswith("json"):
            try:
                value = json.loads(body)
            except ValueError as exc:
                return [*issues, Issue("request", "json", f"body is not JSON: {exc}")]
            for where, message in _errors(op.body_validator, value, "body"):
                issues.append(Issue("request", "schema", f"{where}: {message}"))
        return issues

    # ------------------------------------------------------------------ response
    def response_issues(self, op: Operation, exchange: Exchange) -> list[Issue]:
        responses = self.contract.lookup(f"#{_pointer(op)}/responses")
        key = _status_key(exchange.status, responses)
        if key is None:
            return [Issue("response", "status",
                          f"status {exchange.status} is not documented for {op.id} "
                          f"(documented: {', '.join(map(str, responses))})")]
        pointer = f"{_pointer(op)}/responses/{key}"
        spec = self.contract.lookup("#" + pointer)
        if "$ref" in spec:
            pointer = spec["$ref"][1:]
            spec = self.contract.lookup(spec["$ref"])
        issues = self._header_issues(pointer, spec.get("headers") or {},
                                     exchange.response_headers)
        body = exchange.response_body
        content = spec.get("content") or {}
        if not body.strip():
            return issues
        media = _media(exchange.response_headers)
        if content and media not in content:
            return [*issues, Issue("response", "content-type",
                                   f"Content-Type {media or '(none)'} is not documented for "
                                   f"status {exchange.status} (documented: "
                                   f"{', '.join(content)})")]
        if not media.endswith("json") or "schema" not in (content.get(media) or {}):
            return issues
        try:
            value = json.loads(body)
        except ValueError as exc:
            return [*issues, Issue("response", "json", f"body is not JSON: {exc}")]
        schema_pointer = f"{pointer}/content/{_escape(media)}/schema"
        for where, message in _errors(self._validator(schema_pointer), value, "body"):
            issues.append(Issue("response", "schema", f"{where}: {message}"))
        return issues

    def _header_issues(self, pointer: str, headers: Mapping[str, Any],
                       sent: Mapping[str, str]) -> list[Issue]:
        issues = []
        lowered = {k.lower(): v for k, v in sent.items()}
        for name, spec in headers.items():
            header_pointer = f"{pointer}/headers/{_escape(name)}"
            if "$ref" in spec:
                header_pointer = spec["$ref"][1:]
                spec = self.contract.lookup(spec["$ref"])
            value = lowered.get(name.lower())
            if value is None:
                if spec.get("required"):
                    issues.append(Issue("response", "header", f"header {name} is missing"))
                continue
            if "schema" in spec:
                for where, message in _errors(self._validator(f"{header_pointer}/schema"),
                                              value, f"header {name}"):
                    issues.append(Issue("response", "header", f"{where}: {message}"))
        return issues

    def _validator(self, pointer: str) -> SchemaValidator:
        found = self._validators.get(pointer)
        if found is None:
            found = self._validators[pointer] = SchemaValidator(self.contract, pointer)
        return found


def _errors(validator: SchemaValidator, instance: Any, name: str) -> list[tuple[str, str]]:
    """(field, message) of the rules `instance` breaks, through the validator's public
    surface only (`is_valid`/`accepts` as the fast path, then `iter_errors`), whichever
    validation engine the contract uses."""
    fast = getattr(validator, "is_valid", None) or getattr(validator, "accepts", None)
    if fast is not None and fast(instance):
        return []
    found = []
    for item in itertools.islice(validator.iter_errors(instance), MAX_ISSUES):
        path, error = item if isinstance(item, tuple) else (item.absolute_path, item)
        where = name + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
        message = str(getattr(error, "message", error))
        found.append((where, message if len(message) <= 300 else message[:297] + "..."))
    return found


def _template(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", path)
    return re.compile("".join(
        f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts))


def _pointer(op: Operation) -> str:
    return f"/paths/{_escape(op.path)}/{op.method.lower()}"


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _status_key(status: int, responses: Iterable[Any]) -> str | None:
    keys = [str(k) for k in responses]
    for candidate in (str(status), f"{str(status)[0]}XX", "default"):
        if candidate in keys:
            return candidate
    return None


def _media(headers: Mapping[str, str]) -> str:
    for key, value in headers.items():
        if key.lower() == "content-type":
            return value.split(";")[0].strip().lower()
    return ""
