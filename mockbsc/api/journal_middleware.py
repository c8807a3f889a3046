"""The pure ASGI middleware that writes every BSC call into the emulator's request journal.

Pure ASGI rather than `BaseHTTPMiddleware`: it must not buffer bodies, change streaming or
move the handler into another task; it only watches `http.response.start` go by.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockbsc.domain.journal import BODY_LIMIT, JournalEntry
from mockbsc.domain.platform import Emulator

ORG_KEY = "mockbsc.org_id"
_FIELDS = ("at", "method", "path", "query", "operation", "status", "duration_ms", "org_id",
           "fault")
FAULT_KEY = "mockbsc.fault"
REASON_KEY = "mockbsc.reason"  # why the call was refused (api/operation.py sets it)
RECEIVE_KEY = "mockbsc.receive"  # the server's own receive, under the journal's tap: an
# injected drop (api/gate.py) closes the connection through its transport
ACCESS_LOG = logging.getLogger("mockbsc.access")


class JournalMiddleware:
    """Records method, path, query, operationId, status, duration and caller organisation.

    Only paths under `prefixes` are journaled (by default the BSC API): health probes,
    the explorer's assets and the control plane's own calls would drown what a test asks about.
    """

    def __init__(self, app: ASGIApp, prefixes: Sequence[str] = ("/management-api",),
                 access_log: bool = False) -> None:
        self.app = app
        self.prefixes = tuple(prefixes)
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        # Looked up per request: the live server swaps the emulator when a test resets it.
        call = _Call(scope["app"].state.emulator, scope, receive, send, self.access_log)
        scope[RECEIVE_KEY] = receive
        try:
            await self.app(scope, call.tap, call.watch)
        finally:
            call.record()  # no body was sent (an error, a dropped connection)
            # The server's receive is a method of its request cycle, which holds this scope:
            # left here, the three are a reference cycle, garbage only the collector frees
            # (with the cycle's queue and event, 8 objects per request: the collector's time
            # over 22,000 GETs was 318 ms with them, 125 ms without).
            scope.pop(RECEIVE_KEY, None)


class _Call:
    """One journaled call: the body it received (at most `BODY_LIMIT` bytes kept), the
    status it answered, and its entry, written once. One object with slots rather than three
    closures over shared cells: the cheaper of the two per request (issue 14's hot path)."""

    __slots__ = ("access_log", "at", "chunks", "emulator", "receive", "recorded", "scope",
                 "seen", "send", "started", "status")

    def __init__(self, emulator: Emulator, scope: Scope, receive: Receive, send: Send,
                 access_log: bool) -> None:
        self.emulator = emulator
        self.scope = scope
        self.receive = receive
        self.send = send
        self.access_log = access_log
        self.started = time.perf_counter()
        self.at = emulator.now()
        self.status = 500
        self.recorded = False
        self.chunks: list[bytes] = []
        self.seen = 0  # body bytes received

    async def tap(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            seen = self.seen
            if seen < BODY_LIMIT and chunk:
                self.chunks.append(chunk[:BODY_LIMIT - seen])
            self.seen = seen + len(chunk)
        return message

    async def watch(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            # Before the head leaves: a client that has its answer finds the call in the
            # journal. Recording at the last body chunk raced it: an answer with
            # `content-length: 0` is complete for the client once its head is sent.
            self.record()
        await self.send(message)

    def record(self) -> None:
        if self.recorded:
            return
        self.recorded = True
        scope = self.scope
        route = scope.get("route")
        entry = self.emulator.journal.record_call(
            self.at, str(scope["method"]), str(scope["path"]),
            bytes(scope.get("query_string", b"")).decode("latin-1"),
            getattr(route, "name", None), self.status,
            (time.perf_counter() - self.started) * 1000, scope.get(ORG_KEY),
            scope.get(FAULT_KEY), scope.get(REASON_KEY), b"".join(self.chunks), self.seen,
            scope["headers"], build=self.access_log)
        if entry is not None:
            access_line(entry)


def access_line(entry: JournalEntry) -> None:
    """One line of `--access-log`: what came in, where it went, how it ended, and why a
    refused call was refused (the rule it broke) or which fault fired."""
    target = entry.path + ("?" + entry.query if entry.query else "")
    line = (f"{entry.method} {target} {entry.operation or '-'} {entry.status} "
            f"{entry.duration_ms:.1f}ms")
    if entry.fault:
        line += f" fault={entry.fault}"
    if entry.reason:
        line += f" reason={entry.reason!r}"
    ACCESS_LOG.info(line)
