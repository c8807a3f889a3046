"""`Compression`: Starlette's `GZipMiddleware` for a client that accepts gzip, nothing for one
that does not.

The root app compresses what a client accepts, as the platform's gateway does (S4). For a
client that sends no gzip (most API clients, and every benchmark) the app's answer goes out as
it is: Starlette's middleware would still make a responder per request and parse the answer's
headers to add `Vary: Accept-Encoding`, a header the platform does not send (none of the 21
recorded answers carries one, compressed as they were; docs/fidelity.md). A gzip answer keeps
Starlette's `Vary`, which tells a cache the truth.
"""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send


class Compression:
    """Pure ASGI middleware: gzip (Starlette's) for a client whose first `Accept-Encoding`
    names it; the app's own messages, untouched, for any other."""

    def __init__(self, app: ASGIApp, minimum_size: int = 500, compresslevel: int = 9) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size, compresslevel=compresslevel)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and wants_gzip(scope):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def wants_gzip(scope: Scope) -> bool:
    """Whether the client's first `Accept-Encoding` names gzip (Starlette reads that one)."""
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            return b"gzip" in value
    return False
