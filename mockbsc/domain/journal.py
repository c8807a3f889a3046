"""The request journal: every HTTP call mockbsc received, newest last, in a ring bounded in
entries and in bytes.

Tests assert on what the code under test *did* (respx's call list, WireMock's journal,
pytest-httpserver's `log`); the ring keeps a long-running sidecar from growing without bound.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

DEFAULT_CAPACITY = 10_000
DEFAULT_BYTES = 16 * 1024 * 1024
"""The journal's byte budget: 10,000 calls with 60 KB query strings grew the process by 590 MB
(issue 12); the oldest entries go once the recorded text passes it."""
FIELD_LIMIT = 2048
"""Longer paths and query strings are cut to this many characters; the entry says so."""
ENTRY_OVERHEAD = 256  # bytes of one entry besides its text (object, datetime, numbers)


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

    @classmethod
    def bounded(cls, **fields: Any) -> JournalEntry:
        """An entry whose path and query are cut to `FIELD_LIMIT` characters (and marked)."""
        cut = False
        for name in ("path", "query"):
            if len(fields[name]) > FIELD_LIMIT:
                fields[name] = fields[name][:FIELD_LIMIT]
                cut = True
        return cls(**fields, truncated=cut)

    @property
    def size(self) -> int:
        """Roughly what the entry costs in memory, for the journal's byte budget."""
        return (ENTRY_OVERHEAD + len(self.path) + len(self.query) + len(self.operation or "")
                + len(self.fault or ""))

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
        for name in ("operation", "org_id", "fault"):
            value = getattr(self, name)
            if value is not None:
                entry[name] = value
        if self.truncated:
            entry["truncated"] = True
        return entry


class RequestJournal:
    """Recorded inbound calls with count/find helpers; thread-safe on its own lock.

    It has its own lock rather than the emulator's because the recording middleware runs
    after the handler returned and must never wait on a long emulator operation.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY, max_bytes: int = DEFAULT_BYTES) -> None:
        self._entries: deque[JournalEntry] = deque()
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
        with self._lock:
            self._entries.append(entry)
            self._bytes += entry.size
            while self._entries and (len(self._entries) > self._capacity
                                     or self._bytes > self.max_bytes):
                self._bytes -= self._entries.popleft().size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def entries(self, operation: str | None = None, limit: int | None = None,
                path: str | None = None) -> list[JournalEntry]:
        """Recorded calls, oldest first, optionally of one operationId or one exact path.

        Args:
            operation: keep only calls routed to this operationId.
            limit: keep only the newest `limit` matching calls.
            path: keep only calls to this exact path.
        """
        with self._lock:
            found = [e for e in self._entries
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

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())
