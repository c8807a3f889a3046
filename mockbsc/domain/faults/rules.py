"""Faults on demand: rules that make chosen calls fail, slow down or lose their connection.

Users run mockbsc to see how their code copes when the platform misbehaves, so a fault must
be precise (this operation, this organisation, this SIM; the next N calls) and reproducible
(a probability or a random latency draws from the rule's own seeded generator). The rules
are data; the HTTP layer asks `FaultBook.pick()` before each BSC call and acts on the answer.
"""

from __future__ import annotations

import fnmatch
import json
import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockbsc.domain.errors import InvalidRequestError, NotFoundError

FIELDS = ("method", "path", "operation", "org_id", "iccid", "status", "latency_ms",
          "latency_max_ms", "drop", "retry_after", "message", "times", "probability", "seed")
_INTS = ("org_id", "status", "retry_after", "times", "seed")
_NUMBERS = ("latency_ms", "latency_max_ms", "probability")
MAX_LATENCY_MS = 600_000.0


@dataclass(frozen=True, slots=True)
class CallInfo:
    """What a fault rule can match on: the call as routed and authenticated."""

    method: str
    template: str  # the operation's path template under the API base, e.g. /v1/sims/{iccid}
    path: str  # the concrete path under the API base
    operation: str
    org_id: int | None = None
    iccid: str | None = None


@dataclass(frozen=True, slots=True)
class Fault:
    """What to do to one call: wait `latency` seconds, then answer `status` or drop it."""

    rule_id: int
    status: int | None
    latency: float
    drop: bool
    retry_after: int | None
    message: str

    @property
    def label(self) -> str:
        """How the request journal marks the call (`fault` field)."""
        parts = []
        if self.latency:
            parts.append(f"latency {round(self.latency * 1000)}ms")
        if self.drop:
            parts.append("drop")
        elif self.status is not None:
            parts.append(f"status {self.status}")
        return f"rule {self.rule_id}: " + ", ".join(parts)


@dataclass(slots=True)
class FaultRule:
    """One rule: which calls (all given matchers must hold), what happens, and how often."""

    id: int
    method: str | None = None
    path: str | None = None
    operation: str | None = None
    org_id: int | None = None
    iccid: str | None = None
    status: int | None = None
    latency_ms: float = 0.0
    latency_max_ms: float | None = None
    drop: bool = False
    retry_after: int | None = None
    message: str | None = None
    times: int | None = None
    probability: float | None = None
    seed: int | None = None
    hits: int = 0
    rng: random.Random = field(default_factory=lambda: random.Random(0), repr=False)

    def matches(self, call: CallInfo) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and self.method != call.method:
            return False
        if self.operation is not None and self.operation != call.operation:
            return False
        if self.org_id is not None and self.org_id != call.org_id:
            return False
        if self.iccid is not None and self.iccid != call.iccid:
            return False
        return self.path is None or self.path in (call.template, call.path) or any(
            fnmatch.fnmatchcase(p, self.path) for p in (call.template, call.path))

    def to_dict(self) -> dict[str, Any]:
        """The wire form (`FaultRule` in the control contract); unset fields are omitted."""
        data: dict[str, Any] = {"id": self.id}
        for name in FIELDS:
            value = getattr(self, name)
            if value is not None and not (name in ("drop", "latency_ms") and not value):
                data[name] = value
        data["hits"] = self.hits
        if self.times is not None:
            data["remaining"] = max(self.times - self.hits, 0)
        return data


def rule_from(data: Mapping[str, Any], rule_id: int, base_path: str = "") -> FaultRule:
    """A checked rule from its wire form; raises InvalidRequestError naming the bad field."""
    if not isinstance(data, Mapping):
        raise InvalidRequestError("a fault rule must be a JSON object")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise InvalidRequestError(f"fault: unknown field(s) {', '.join(unknown)}")
    values: dict[str, Any] = {k: v for k, v in data.items() if v is not None}
    for name in _INTS:
        if name in values and (type(values[name]) is not int):
            raise InvalidRequestError(f"fault.{name}: must be an integer")
    for name in _NUMBERS:
        if name in values and (type(values[name]) not in (int, float)):
            raise InvalidRequestError(f"fault.{name}: must be a number")
        if name in values:
            values[name] = float(values[name])
    for name in ("method", "path", "operation", "iccid", "message"):
        if name in values and not isinstance(values[name], str):
            raise InvalidRequestError(f"fault.{name}: must be a string")
    if "drop" in values and not isinstance(values["drop"], bool):
        raise InvalidRequestError("fault.drop: must be true or false")
    rule = FaultRule(rule_id, **values)
    _check(rule)
    if rule.method is not None:
        rule.method = rule.method.upper()
    if rule.path is not None and base_path and rule.path.startswith(base_path + "/"):
        rule.path = rule.path[len(base_path):]
    rule.rng = random.Random(rule.seed if rule.seed is not None else rule_id)
    return rule


def _check(rule: FaultRule) -> None:
    if rule.status is None and not rule.latency_ms and rule.latency_max_ms is None \
            and not rule.drop:
        raise InvalidRequestError("fault: give at least one of status, latency_ms or drop")
    if rule.status is not None and not 400 <= rule.status <= 599:
        raise InvalidRequestError(f"fault.status: {rule.status} is not an error status (400-599)")
    if rule.status is not None and rule.drop:
        raise InvalidRequestError("fault: a dropped connection has no status; give one of them")
    low, high = rule.latency_ms, rule.latency_max_ms
    if not 0 <= low <= MAX_LATENCY_MS or (high is not None and not low <= high <= MAX_LATENCY_MS):
        raise InvalidRequestError(
            f"fault.latency_ms: must satisfy 0 <= latency_ms <= latency_max_ms <= "
            f"{MAX_LATENCY_MS:.0f}")
    if rule.times is not None and rule.times < 1:
        raise InvalidRequestError("fault.times: must be at least 1")
    if rule.probability is not None and not 0 <= rule.probability <= 1:
        raise InvalidRequestError("fault.probability: must be between 0 and 1")
    if rule.retry_after is not None and not 0 <= rule.retry_after <= 86_400:
        raise InvalidRequestError("fault.retry_after: must be between 0 and 86400 seconds")
    for name in ("method", "path", "operation", "iccid", "message"):
        text = getattr(rule, name)
        if text is not None and (not text or len(text) > 500 or not text.isprintable()):
            raise InvalidRequestError(f"fault.{name}: must be 1-500 printable characters")


class FaultBook:
    """The active rules, in the order they were added; the first that fires wins.

    It has its own lock: it is consulted on every call, before the emulator lock is taken,
    and a rule's remaining count must drop exactly once per fired fault even under load.
    """

    def __init__(self, base_path: str = "") -> None:
        self.base_path = base_path
        self._rules: dict[int, FaultRule] = {}
        self._next_id = 1
        self._lock = threading.Lock()

    def add(self, data: Mapping[str, Any]) -> FaultRule:
        with self._lock:
            rule = rule_from(data, self._next_id, self.base_path)
            self._rules[rule.id] = rule
            self._next_id += 1
            return rule

    def replace(self, rule_id: int, data: Mapping[str, Any]) -> FaultRule:
        """Change a rule at run time: same id, new definition, counters from zero."""
        with self._lock:
            if rule_id not in self._rules:
                raise NotFoundError(f"fault rule {rule_id} not found")
            rule = rule_from(data, rule_id, self.base_path)
            self._rules[rule_id] = rule
            return rule

    def get(self, rule_id: int) -> FaultRule:
        with self._lock:
            if rule_id not in self._rules:
                raise NotFoundError(f"fault rule {rule_id} not found")
            return self._rules[rule_id]

    def remove(self, rule_id: int) -> None:
        with self._lock:
            if self._rules.pop(rule_id, None) is None:
                raise NotFoundError(f"fault rule {rule_id} not found")

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules.values())

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._next_id = 1

    def load(self, specs: Sequence[Mapping[str, Any]]) -> None:
        """Start over with `specs` (the configured `--fault` rules, after a reset)."""
        self.clear()
        for spec in specs:
            self.add(spec)

    def __bool__(self) -> bool:
        return bool(self._rules)

    def pick(self, call: CallInfo) -> Fault | None:
        """The fault for this call, if a rule fires; counts it against that rule."""
        if not self._rules:
            return None
        with self._lock:
            for rule in self._rules.values():
                if not rule.matches(call):
                    continue
                if rule.probability is not None and rule.rng.random() >= rule.probability:
                    continue
                rule.hits += 1
                latency = rule.latency_ms
                if rule.latency_max_ms is not None:
                    latency = rule.rng.uniform(rule.latency_ms, rule.latency_max_ms)
                retry_after = rule.retry_after
                if retry_after is None and rule.status in (429, 503):
                    retry_after = 1
                message = rule.message or (
                    f"Injected fault (mockbsc rule {rule.id}): status {rule.status}")
                return Fault(rule.id, rule.status, latency / 1000, rule.drop, retry_after,
                             message)
        return None


def parse_specs(text: str) -> list[dict[str, Any]]:
    """Rules from configuration text: a JSON object or array, or compact specs split by `;`.

    Compact form, one rule: `[METHOD] PATH|OPERATION_ID key=value ...`, for instance
    `GET /v1/sims/{iccid} status=503 times=2` or `getSimsUsingGET latency_ms=200 drop=false`.
    """
    text = text.strip()
    if not text:
        return []
    if text[0] in "[{":
        try:
            loaded = json.loads(text)
        except ValueError as exc:
            raise InvalidRequestError(f"fault: malformed JSON ({exc})") from None
        specs = loaded if isinstance(loaded, list) else [loaded]
    else:
        specs = [parse_compact(part) for part in text.split(";") if part.strip()]
    for n, spec in enumerate(specs, 1):
        rule_from(spec, n)  # check now: a bad --fault must stop the server from starting
    return [dict(s) for s in specs]


def parse_compact(text: str) -> dict[str, Any]:
    words = text.split()
    spec: dict[str, Any] = {}
    if words and words[0].upper() in ("GET", "POST", "PUT", "DELETE", "PATCH"):
        spec["method"] = words.pop(0).upper()
    if words and "=" not in words[0]:
        target = words.pop(0)
        spec["path" if target.startswith("/") else "operation"] = target
    for word in words:
        key, sep, raw = word.partition("=")
        if not sep:
            raise InvalidRequestError(f"fault: '{word}' is not key=value")
        spec[key] = _scalar(key, raw)
    return spec


def _scalar(key: str, raw: str) -> Any:
    if key == "drop":
        return raw.lower() in ("1", "true", "yes", "on")
    if key in _INTS:
        try:
            return int(raw)
        except ValueError:
            raise InvalidRequestError(f"fault.{key}: '{raw}' is not an integer") from None
    if key in _NUMBERS:
        try:
            return float(raw)
        except ValueError:
            raise InvalidRequestError(f"fault.{key}: '{raw}' is not a number") from None
    return raw
