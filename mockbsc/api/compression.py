"""`Compression`: Starlette's `GZipMiddleware`, minus its cost for clients that send no gzip.

The root app compresses what a client accepts, as the platform's gateway does (S4). Starlette's
middleware makes a responder per request and, for a client that does not accept gzip (most
API clients, and every benchmark), still parses the response's headers to add
`Vary: Accept-Encoding`: about a sixth of a `GET`'s own CPU time. Here a client that accepts
gzip is handed to Starlette's middleware unchanged; for the others the same headers are sent
(`Vary: Accept-Encoding` on a response with a body, unless its type is one Starlette never
compresses, it is already encoded or partial) by a plain wrapper around `send`.
"""

from __future__ import annotations

import functools

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_EXCLUDED = frozenset(t.partition(";")[0].strip().lower() for t in DEFAULT_EXCLUDED_CONTENT_TYPES)
_VARY = (b"vary", b"Accept-Encoding")


class Compression:
    """Pure ASGI middleware: gzip (Starlette's) for a client whose first `Accept-Encoding`
    names it, the identity's headers at a fraction of the cost otherwise."""

    def __init__(self, app: ASGIApp, minimum_size: int = 500, compresslevel: int = 9) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size, compresslevel=compresslevel)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if wants_gzip(scope):
            await self.gzip(scope, receive, send)
            return
        await self.app(scope, receive, Identity(send, self.minimum_size))


def wants_gzip(scope: Scope) -> bool:
    """Whether the client's first `Accept-Encoding` names gzip (Starlette reads that one)."""
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            return b"gzip" in value
    return False


@functools.lru_cache(maxsize=256)  # an app sends few content types; parsing one per response
def _excluded(content_type: bytes) -> bool:  # was a tenth of this wrapper's cost
    """Whether Starlette's gzip middleware sends a response of this type as it is."""
    media = content_type.decode("latin-1").partition(";")[0].strip().lower()
    return media in _EXCLUDED or media.partition("/")[0] + "/*" in _EXCLUDED or (
        media.startswith("application/grpc+") and "application/grpc" in _EXCLUDED)


class Identity:
    """Starlette's `IdentityResponder.send_with_compression`, the same messages sent, the
    same headers added, without parsing the headers twice."""

    __slots__ = ("as_is", "minimum_size", "send", "start", "started", "varied")

    def __init__(self, send: Send, minimum_size: int) -> None:
        self.send = send
        self.minimum_size = minimum_size
        self.start: Message = {}
        self.as_is = False  # encoded, partial or an excluded type: sent as it comes
        self.started = False
        self.varied = False  # the app set a `Vary` of its own

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.start = message
            headers = message.setdefault("headers", [])
            encoded = self.varied = False
            media: bytes | None = None
            for name, value in headers:
                if name == b"content-type":
                    if media is None:
                        media = bytes(value)
                elif name == b"content-encoding":
                    encoded = True
                elif name == b"vary":
                    self.varied = True
            self.as_is = encoded or message["status"] == 206 or _excluded(media or b"")
            if self.as_is:
                await self.send(message)
        elif kind in ("http.response.body", "http.response.pathsend") and self.as_is:
            await self.send(message)
        elif kind == "http.response.body" and not self.started:
            self.started = True
            if len(message.get("body", b"")) >= self.minimum_size \
                    or message.get("more_body", False):
                if self.varied:  # rare: join the values as Starlette does
                    MutableHeaders(raw=self.start["headers"]).add_vary_header("Accept-Encoding")
                else:
                    self.start["headers"].append(_VARY)
            await self.send(self.start)
            await self.send(message)
        elif kind in ("http.response.body", "http.response.early_hint",
                      "http.response.trailers"):
            await self.send(message)
        elif kind == "http.response.pathsend":
            await self.send(self.start)
            await self.send(message)
