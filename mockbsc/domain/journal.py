"""The request journal: every HTTP call mockbsc received, newest last, in a ring bounded in
entries and in bytes.

Tests assert on what the code under test *did* (respx's call list, WireMock's journal,
pytest-httpserver's `log`); the ring keeps a long-running sidecar from growing without bound.
"""

from __future__ import annotations

import json
import marshal
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

DEFAULT_CAPACITY = 10_000
DEFAULT_BYTES = 16 * 1024 * 1024
"""The journal's byte budget: 10,000 calls with 60 KB query strings grew the process by 590 MB
(issue 12); the oldest entries go once the recorded text passes it."""
FIELD_LIMIT = 2048
"""Longer paths and query strings are cut to this many characters; the entry says so."""
ENTRY_OVERHEAD = 256  # bytes of one entry besides its text (object, datetime, numbers)
BODY_LIMIT = 16 * 1024
"""Request bodies are kept up to this many bytes (a longer one is cut and marked `truncated`):
enough for any BSC payload a test asserts on, small enough that 1,000 calls cost 16 MiB."""
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key",
                            "x-auth-token", "x-admin-token"})
SECRET_WORDS = ("secret", "password", "token", "api-key", "apikey")
REDACTED = "[redacted]"

Headers = tuple[tuple[bytes, bytes], ...]
RawHeaders = list[tuple[bytes, bytes]] | Headers  # as an ASGI scope holds them
_Fields = tuple[datetime, str, str, str, str | None, int, float, int | None, str | None, bool,
                bytes, bytes, str | None]
"""A `JournalEntry`'s fields in the order its constructor takes them, the headers packed
(`_pack`)."""
_Bytes = bytes  # `RequestJournal.bytes` hides the builtin inside the class


def redacted_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Headers as a test reads them, secrets hidden: `Authorization` keeps only its scheme
    (`Bearer [redacted]`), so a test can still see *how* the client authenticated."""
    headers: dict[str, str] = {}
    for name_bytes, value_bytes in raw:
        name, value = name_bytes.decode("latin-1").lower(), value_bytes.decode("latin-1")
        if name in SECRET_HEADERS or any(word in name for word in SECRET_WORDS):
            scheme = value.split(" ", 1)[0] if " " in value.strip() else ""
            value = f"{scheme} {REDACTED}" if scheme else REDACTED
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def parsed_body(raw: bytes, content_type: str, cut: bool) -> Any:
    """The body as parsed JSON, a form as a mapping (secret fields hidden), else text.

    Parsed only when an entry is read, never while the call is recorded (that stays cheap).
    """
    text = raw.decode("utf-8", "replace")
    if "json" in content_type and not cut:  # a cut JSON body is text (it may still parse)
        try:
            return json.loads(text)
        except ValueError:
            return text
    if "x-www-form-urlencoded" in content_type:  # a cut form too: its secrets stay hidden
        return {k: REDACTED if any(w in k.lower() for w in SECRET_WORDS) else v
                for k, v in parse_qsl(text, keep_blank_values=True)}
    return text


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One received request and the status mockbsc answered with."""

    at: datetime
    method: str
    path: str
    query: str
    operation: str | None
    status: int
    duration_ms: float
    org_id: int | None = None
    fault: str | None = None
    truncated: bool = False
    body: bytes = b""
    headers: Headers = ()
    reason: str | None = None  # why mockbsc refused the call (its error message)

    @classmethod
    def bounded(cls, *, body_size: int | None = None, **fields: Any) -> JournalEntry:
        """An entry whose path and query are cut to `FIELD_LIMIT` characters and its body to
        `BODY_LIMIT` bytes (and marked); `body_size` is the body's full length."""
        cut = False
        for name in ("path", "query"):
            if len(fields[name]) > FIELD_LIMIT:
                fields[name] = fields[name][:FIELD_LIMIT]
                cut = True
        body = fields.get("body", b"")
        if len(body) > BODY_LIMIT or (body_size or 0) > len(body):
            fields["body"] = body[:BODY_LIMIT]
            cut = True
        return cls(**fields, truncated=cut)

    @property
    def size(self) -> int:
        """Roughly what the entry costs in memory, for the journal's byte budget."""
        return (ENTRY_OVERHEAD + len(self.path) + len(self.query) + len(self.operation or "")
                + len(self.fault or "") + len(self.body) + len(self.reason or "")
                + sum(len(n) + len(v) for n, v in self.headers))

    @property
    def content_type(self) -> str:
        return next((v.decode("latin-1").lower() for n, v in self.headers
                     if n.lower() == b"content-type"), "")

    def json(self) -> Any:
        """The request body: parsed JSON (or a form's fields, or text; None when empty)."""
        if not self.body:
            return None
        return parsed_body(self.body, self.content_type, self.truncated)

    def to_dict(self) -> dict[str, Any]:
        """The `RequestLogEntry` form of the control API (absent values are omitted)."""
        entry: dict[str, Any] = {
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "duration_ms": round(self.duration_ms, 3),
        }
        for name in ("operation", "org_id", "fault", "reason"):
            value = getattr(self, name)
            if value is not None:
                entry[name] = value
        if self.headers:
            entry["headers"] = redacted_headers(self.headers)
        if self.body:
            entry["body"] = self.json()
        if self.truncated:
            entry["truncated"] = True
        return entry


def _pack(headers: RawHeaders) -> bytes:
    """The headers as one `bytes` (`marshal`, read back exactly), so that the kept fields hold
    no container: the collector stops tracking such a tuple at its first pass over it, while
    a tuple holding the headers' pairs stayed tracked until a middle-generation pass (its
    pairs come later in the collector's list), and those passes over the journal's entries
    took 1 ms every thousand requests, a `GET`'s p99 at 32 connections (issue 14). `marshal`
    takes every bytes-like type an ASGI server may hand over; `_built_entry` makes them
    `bytes`."""
    return marshal.dumps(headers)


def _built_entry(fields: _Fields) -> JournalEntry:
    """The entry of fields kept by `record_call`, its headers unpacked as pairs of `bytes`."""
    headers = tuple((bytes(name), bytes(value)) for name, value in marshal.loads(fields[11]))
    return JournalEntry(*fields[:11], headers, fields[12])


class RequestJournal:
    """Recorded inbound calls with count/find helpers; thread-safe on its own lock.

    It has its own lock rather than the emulator's because the recording middleware runs
    after the handler returned and must never wait on a long emulator operation.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY, max_bytes: int = DEFAULT_BYTES) -> None:
        self.operations: frozenset[str] = frozenset()
        """The operationIds calls can be routed to (the app tells): a name outside them is a
        typo, and `entries()` says so instead of finding nothing."""
        # An entry, or the fields of one `record_call` kept (built when first read); and the
        # size of each, side by side (the oldest leave when the budget is passed).
        self._entries: deque[JournalEntry | _Fields] = deque()
        self._sizes: deque[int] = deque()
        self._unbuilt = False
        self._capacity = capacity
        self.max_bytes = max_bytes
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def bytes(self) -> int:
        """What the recorded entries cost, by `JournalEntry.size`; at most `max_bytes`."""
        return self._bytes

    def record(self, entry: JournalEntry) -> None:
        self._append(entry, entry.size)

    def record_call(self, at: datetime, method: str, path: str, query: str,
                    operation: str | None, status: int, duration_ms: float, org_id: int | None,
                    fault: str | None, reason: str | None, body: _Bytes, body_size: int,
                    headers: RawHeaders, *, build: bool = False
                    ) -> JournalEntry | None:
        """`record(JournalEntry.bounded(...))`, cut the same way, without building the entry
        until it is read (`build` builds it now and returns it).

        Every API call is recorded and few entries are ever read; a frozen dataclass of 13
        fields costs more to build than the rest of the recording (issue 14's hot path).
        """
        cut = False
        if len(path) > FIELD_LIMIT:
            path = path[:FIELD_LIMIT]
            cut = True
        if len(query) > FIELD_LIMIT:
            query = query[:FIELD_LIMIT]
            cut = True
        if len(body) > BODY_LIMIT or body_size > len(body):
            body = body[:BODY_LIMIT]
            cut = True
        size = (ENTRY_OVERHEAD + len(path) + len(query) + len(operation or "")
                + len(fault or "") + len(body) + len(reason or ""))
        for name, value in headers:
            size += len(name) + len(value)
        fields: _Fields = (at, method, path, query, operation, status, duration_ms, org_id,
                           fault, cut, body, _pack(headers), reason)
        if build:  # `--access-log` only: the round trip through `_pack` costs little there
            entry = _built_entry(fields)
            self._append(entry, size)
            return entry
        self._append(fields, size)
        return None

    def _append(self, entry: JournalEntry | _Fields, size: int) -> None:
        with self._lock:
            self._entries.append(entry)
            self._sizes.append(size)
            self._bytes += size
            if isinstance(entry, tuple):
                self._unbuilt = True
            while self._entries and (len(self._entries) > self._capacity
                                     or self._bytes > self.max_bytes):
                self._entries.popleft()
                self._bytes -= self._sizes.popleft()

    def _built(self) -> deque[JournalEntry]:
        """The entries, each built now if it was kept as fields; call it holding the lock."""
        if self._unbuilt:
            self._entries = deque(e if isinstance(e, JournalEntry) else _built_entry(e)
                                  for e in self._entries)
            self._unbuilt = False
        return self._entries  # type: ignore[return-value]  # all built just above

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._sizes.clear()
            self._unbuilt = False
            self._bytes = 0

    def entries(self, operation: str | None = None, limit: int | None = None,
                path: str | None = None) -> list[JournalEntry]:
        """Recorded calls, oldest first, optionally of one operationId or one exact path.

        Args:
            operation: keep only calls routed to this operationId.
            limit: keep only the newest `limit` matching calls.
            path: keep only calls to this exact path.

        Raises:
            LookupError: `operation` is no known operationId (the close matches named), so
                a typo cannot make "no such call" pass.
        """
        self.check_operation(operation)
        with self._lock:
            found = [e for e in self._built()
                     if (operation is None or e.operation == operation)
                     and (path is None or e.path == path)]
        return found[-limit:] if limit else found

    def count(self, operation: str | None = None) -> int:
        return len(self.entries(operation))

    def last(self, operation: str | None = None) -> JournalEntry:
        """The newest call (of `operation`); raises LookupError when there is none."""
        found = self.entries(operation, limit=1)
        if not found:
            raise LookupError(f"no request{' of ' + operation if operation else ''} recorded")
        return found[0]

    def check_operation(self, operation: str | None) -> None:
        """Raise LookupError, naming close matches, when `operation` is no known operationId."""
        if operation is None or not self.operations or operation in self.operations:
            return
        import difflib  # only for this message: not imported at every start-up

        close = difflib.get_close_matches(operation, sorted(self.operations), n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise LookupError(f"no operation '{operation}'{hint}")

    def assert_called(self, operation: str, times: int | None = None, json: Any = None,
                      params: Mapping[str, str] | None = None) -> list[JournalEntry]:
        """Assert the code under test called `operation` (`times` times, if given), with this
        JSON body and these query parameters (each, if given); return the matching calls.

        Raises:
            AssertionError: no (or not `times`) matching calls; the message lists the calls
                that were made, as respx's and WireMock's `verify` do.
        """
        calls = self.entries(operation)
        matching = [e for e in calls
                    if (json is None or e.json() == json)
                    and (params is None or _params_match(e.query, params))]
        if (times is None and matching) or (times is not None and len(matching) == times):
            return matching
        wanted = f"{operation}" + (f" with body {json!r}" if json is not None else "") \
            + (f" with params {dict(params)!r}" if params is not None else "")
        expected = "at least once" if times is None else f"{times} time(s)"
        made = self.entries()
        lines = [f"  {e.method} {e.path}{'?' + e.query if e.query else ''} -> {e.status}"
                 f" ({e.operation or 'unrouted'})" + (f" body={e.json()!r}" if e.body else "")
                 for e in made[-20:]]
        listing = "\n".join(lines) if lines else "  (none)"
        raise AssertionError(f"expected {wanted} {expected}, matched {len(matching)} "
                             f"of {len(calls)} call(s) of {operation}; calls made "
                             f"({len(made)}, newest 20 shown):\n{listing}")

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())


def _params_match(query: str, params: Mapping[str, str]) -> bool:
    given = dict(parse_qsl(query, keep_blank_values=True))
    return all(given.get(k) == str(v) for k, v in params.items())
