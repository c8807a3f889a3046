"""The pure ASGI middleware that writes every BSC call into the emulator's request journal.

Pure ASGI rather than `BaseHTTPMiddleware`: it must not buffer bodies, change streaming or
move the handler into another task; it only watches `http.response.start` go by.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockbsc.domain.journal import FIELD_LIMIT, JournalEntry
from mockbsc.domain.platform import Emulator

ORG_KEY = "mockbsc.org_id"
_FIELDS = ("at", "method", "path", "query", "operation", "status", "duration_ms", "org_id",
           "fault")
FAULT_KEY = "mockbsc.fault"


class JournalMiddleware:
    """Records method, path, query, operationId, status, duration and caller organisation.

    Only paths under `prefixes` are journaled (by default the BSC API): health probes,
    the explorer's assets and the control plane's own calls would drown what a test asks about.
    """

    def __init__(self, app: ASGIApp, prefixes: Sequence[str] = ("/management-api",)) -> None:
        self.app = app
        self.prefixes = tuple(prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        # Looked up per request: the live server swaps the emulator when a test resets it.
        emulator: Emulator = scope["app"].state.emulator
        started = time.perf_counter()
        at = emulator.now()
        status = 500
        recorded = False

        def record() -> None:
            nonlocal recorded
            if recorded:
                return
            recorded = True
            route = scope.get("route")
            path = str(scope["path"])
            query = bytes(scope.get("query_string", b"")).decode("latin-1")
            fields = (at, str(scope["method"]), path, query, getattr(route, "name", None),
                      status, (time.perf_counter() - started) * 1000, scope.get(ORG_KEY),
                      scope.get(FAULT_KEY))
            if len(path) > FIELD_LIMIT or len(query) > FIELD_LIMIT:
                entry = JournalEntry.bounded(**dict(zip(_FIELDS, fields, strict=True)))
            else:  # the usual case, without building keyword arguments
                entry = JournalEntry(*fields)
            emulator.journal.record(entry)

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                # Before the last byte leaves: a client that has its answer finds the call
                # in the journal (recording after it raced the client's next request).
                record()
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            record()  # no body was sent (an error, a dropped connection)
