"""`Front`: the root app's own middleware (gzip, sandboxes, browser guard, journal) as one layer.

The four stay classes of their own, in the same order, outermost first: `Compression`,
`SandboxDispatch`, `BrowserGuard`, `JournalMiddleware` (a sandbox's app has the last two
alone). Most calls need nothing of the first three: the client accepts no gzip, the path is
not under `/sandboxes/`, the `Host` passes and it is no cross-origin control change. Such a
call goes straight to the journal, the same messages as through the chain, three coroutine
frames fewer per request (issue 14's hot path). Any other call takes the whole chain, which
decides again from the start.

Below the journal, `Direct` takes a call routed to a contract operation past Starlette's
`ExceptionMiddleware`, whichever way it came.
"""

from __future__ import annotations

from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from mockbsc.api.browser_guard import BrowserGuard
from mockbsc.api.compression import Compression, wants_gzip
from mockbsc.api.journal_middleware import JournalMiddleware
from mockbsc.api.router import PrefixRouter
from mockbsc.api.sandboxes import PREFIX, SandboxDispatch, SandboxRegistry


class Front:
    """Pure ASGI middleware: `Compression(SandboxDispatch(BrowserGuard(JournalMiddleware(
    app))))`, with the common call's shortcut past the first three."""

    def __init__(self, app: ASGIApp, registry: SandboxRegistry, access_log: bool = False,
                 minimum_size: int = 500, compresslevel: int = 9) -> None:
        self.journal = JournalMiddleware(Direct(app), access_log=access_log)
        self.chain = Compression(SandboxDispatch(BrowserGuard(self.journal), registry=registry),
                                 minimum_size=minimum_size, compresslevel=compresslevel)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and not str(scope["path"]).startswith(PREFIX)
                and not wants_gzip(scope) and BrowserGuard.refusal(scope) is None):
            await self.journal(scope, receive, send)
        else:
            await self.chain(scope, receive, send)


class Direct:
    """Pure ASGI middleware: a call routed to an endpoint that answers every error itself
    goes straight to it, past Starlette's `ExceptionMiddleware` (a sixth of the app's layers'
    cost on a GET, issue 14), the route found the way the router finds it.

    `ExceptionMiddleware` turns an `HTTPException` into its handler's answer and hands any
    other exception on; such an endpoint (`handles_errors`, mockbsc's contract operations)
    raises none but an injected dropped connection, which goes on to the same outer layers
    either way. Any other call (no route, a 404 or 405, a page, another app below) goes the
    usual way.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        router = app.app if isinstance(app, ExceptionMiddleware) else None
        self.router: PrefixRouter | None = router if isinstance(router, PrefixRouter) else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        router = self.router
        if router is not None and scope["type"] == "http":
            found = router.full_match(scope)
            if found is not None:
                route, child_scope = found
                endpoint = getattr(route, "app", None)
                if getattr(endpoint, "handles_errors", False):
                    router.enter(scope, route, child_scope)
                    await endpoint(scope, receive, send)  # type: ignore[misc]
                    return
        await self.app(scope, receive, send)
