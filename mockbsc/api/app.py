"""`create_app()`: the Starlette app, its routes built from the contracts.

State is built by the factory, not the lifespan, so `httpx.ASGITransport` (which skips the
lifespan) sees the same emulator; the lifespan only runs the pump that makes due work happen
in real time under the system clock.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
from collections.abc import AsyncIterator, Mapping

import anyio
from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from mockbsc.adapters.fixtures_file import label_words, load_scenario
from mockbsc.api.app_state import AppState
from mockbsc.api.browser_guard import BrowserGuard
from mockbsc.api.console import console_routes
from mockbsc.api.errors import Envelope, error_response
from mockbsc.api.explorer import explorer_routes
from mockbsc.api.front import Front
from mockbsc.api.gate import Dropped
from mockbsc.api.journal_middleware import JournalMiddleware
from mockbsc.api.operation import Endpoint, Handler, build_endpoint, get_emulator
from mockbsc.api.router import PrefixRouter
from mockbsc.api.routes import BSC_HANDLERS, CONTROL_HANDLERS
from mockbsc.api.sandboxes import SandboxRegistry
from mockbsc.api.sandboxes import pump as pump_sandboxes
from mockbsc.api.webhooks import ensure_sender
from mockbsc.config import Settings, settings_of
from mockbsc.contract.document import BSC_CONTRACT, CONTROL_CONTRACT, Contract
from mockbsc.domain.platform import Emulator

LOG = logging.getLogger(__name__)
GZIP_MINIMUM = 1  # bytes: an empty action answer stays `Content-Length: 0`, as recorded


def build_emulator(settings: Settings | None = None) -> Emulator:
    settings = settings or Settings.from_env(os.environ)
    seeded_at = None
    if settings.state_file:  # seed as of the saved fleet's instant: no second seeding
        from datetime import datetime

        from mockbsc.adapters.state_file import peek_base

        base = peek_base(settings.state_file)
        if base is not None and base.get("seeded") and isinstance(base.get("seeded_at"), str):
            seeded_at = datetime.fromisoformat(base["seeded_at"])
            settings = settings.replace(seed=base["seed"], sims=base["sims"])
    return Emulator(settings, load_scenario(settings.fixtures), labels=label_words,
                    seeded_at=seeded_at)


def contract_routes(contract: Contract, handlers: Mapping[str, Handler],
                    envelope_of: dict[str, Envelope]) -> list[Route]:
    """One Route per operation, named by its operationId, at its path under the server URL."""
    routes = []
    base = contract.base_path
    for op in contract.operations.values():
        handler = handlers.get(op.id)
        if handler is None:
            raise LookupError(f"operation {op.id} has no handler")
        endpoint = build_endpoint(op, handler, envelope_of.get(op.id, "api"), base)
        path = route_path(op.path, [o.path for o in contract.operations.values()])
        routes.append(Route(base + path, AsgiEndpoint(endpoint), methods=[op.method],
                            name=op.id))
    return routes


class AsgiEndpoint:
    """An endpoint as a plain ASGI app, so that Starlette's `Route` calls it directly.

    A function endpoint gets Starlette's `request_response` wrapper, which adds a second
    exception-handling layer per request; ours catches everything itself but an injected
    dropped connection, and the app's `ExceptionMiddleware` still sees whatever escapes.
    """

    handles_errors = True
    """It answers every exception itself but an injected drop (`api/front.py`'s `Direct`
    may call it without Starlette's `ExceptionMiddleware` around it)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.__name__ = endpoint.__name__

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.endpoint(Request(scope, receive, send))
        await response(scope, receive, send)


class _NotLiteral(Convertor[str]):
    regex = "[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


def route_path(template: str, all_paths: list[str]) -> str:
    """`template` with each parameter barred from a literal sibling's value.

    `/v1/sims/topup` (POST only) and `/v1/sims/{iccid}` share a shape; without this a
    `PUT /v1/sims/topup` would reach updateSim as ICCID "topup" instead of getting a 405.
    """
    segments = template.split("/")
    for index, segment in enumerate(segments):
        if not (segment.startswith("{") and segment.endswith("}")):
            continue
        literals = sorted({
            other.split("/")[index] for other in all_paths
            if len(other.split("/")) == len(segments)
            and other.split("/")[:index] == segments[:index]
            and "{" not in other.split("/")[index]
        })
        if literals:
            name = "not_" + "_".join(literals)
            regex = "(?!(?:" + "|".join(map(re.escape, literals)) + ")(?:/|$))[^/]+"
            register_url_convertor(name, type(name, (_NotLiteral,), {"regex": regex})())
            segments[index] = "{" + segment[1:-1] + ":" + name + "}"
    return "/".join(segments)


_SANDBOX_ROUTES: dict[tuple[Contract, Contract], tuple[Route, ...]] = {}


def create_app(emulator: Emulator | None = None, *, sandboxes: SandboxRegistry | None = None,
               root: bool = True) -> Starlette:
    """The app serving `emulator`; the root app also serves sandboxes (`api/sandboxes.py`)
    from `sandboxes` (a registry made from the settings when None). A sandbox's own app is
    made with `root=False`: no sandboxes of its own."""
    emulator = ensure_sender(emulator or build_emulator())
    bsc = Contract.load(BSC_CONTRACT)
    control = Contract.load(CONTROL_CONTRACT)
    shared = _SANDBOX_ROUTES.get((bsc, control)) if not root else None
    if shared is not None:  # a sandbox: routes hold no state, so all sandboxes share one set
        routes = list(shared)
    else:
        routes = contract_routes(bsc, BSC_HANDLERS, {"postAccessTokenPOST": "auth"})
        routes += contract_routes(control, CONTROL_HANDLERS, dict.fromkeys(control.operations,
                                                                           "control"))
        routes.append(Route(bsc.base_path + "/api-docs", _api_docs(bsc), methods=["GET"],
                            name="apiDocs"))
        if not root:  # building them is most of a sandbox's app (~1 ms of its create)
            _SANDBOX_ROUTES[(bsc, control)] = tuple(routes)

    # A typo'd operationId in a journal query raises instead of finding nothing.
    emulator.journal.operations = frozenset(bsc.operations)
    middleware = [Middleware(BrowserGuard),
                  Middleware(JournalMiddleware, access_log=settings_of(emulator).access_log)]
    registry = None
    if root:
        registry = sandboxes if sandboxes is not None else SandboxRegistry(
            settings_of(emulator).sandbox_ttl, settings_of(emulator).max_sandboxes)
        registry.build_app = lambda sandboxed: create_app(sandboxed, root=False)
        # Outermost gzip, as the platform's gateway compresses what the client accepts (S4:
        # every non-empty body, even 135 bytes); the journal and the durable commit see plain
        # bodies. Only the root app has it, so a sandbox's answer is not compressed twice.
        # `Front` is gzip, the sandbox dispatch, the guard and the journal as one layer.
        middleware = [Middleware(Front, registry=registry,
                                 access_log=settings_of(emulator).access_log,
                                 minimum_size=GZIP_MINIMUM, compresslevel=6)]
    persister = None
    if settings_of(emulator).state_file:  # restore now; answers wait for their commit
        from mockbsc.adapters.persister import open_state_file
        from mockbsc.api.durable import DurableMiddleware

        persister = open_state_file(emulator, lambda: emulator)
        middleware.append(Middleware(DurableMiddleware, persister=persister))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_pump, app)
            if registry is not None:
                tasks.start_soon(pump_sandboxes, registry, settings_of(emulator).tick_interval)
            yield
            tasks.cancel_scope.cancel()
        if persister is not None:
            await anyio.to_thread.run_sync(persister.stop)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        envelope: Envelope = "control" if request.url.path.startswith("/_mockbsc") else "api"
        message = {404: f"No operation at {request.url.path}",
                   405: f"Method {request.method} is not allowed on {request.url.path}"}.get(
            status, "Internal Server Error")
        current = get_emulator(request)  # the live server may have swapped it in a reset
        if status == 500 and not isinstance(exc, Dropped):  # dropped on purpose
            current.errors.append(exc)
        headers = {"Allow": _allowed_methods(request)} if status == 405 else None
        return error_response(envelope, status, message, path=request.url.path,
                              now=current.now(), headers=headers)

    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=middleware,
                    exception_handlers={404: http_error, 405: http_error, 500: http_error})
    app.router.routes.extend(explorer_routes(bsc, control))  # `/`: Swagger UI
    app.router.routes.extend(console_routes())  # `/_mockbsc/console`
    app.router = PrefixRouter.replacing(app.router)  # skip regexes that cannot match
    app.state = AppState()  # its values read as plain attributes (api/app_state.py)
    app.state.emulator = emulator
    app.state.bsc_contract = bsc
    app.state.control_contract = control
    app.state.secret = secrets.token_bytes(32)
    app.state.persister = persister
    app.state.sandboxes = registry
    if persister is not None:
        persister.emulator_of = lambda: app.state.emulator  # MockBSCServer may swap it
    return app


def _api_docs(contract: Contract) -> Endpoint:
    async def api_docs(request: Request) -> Response:
        return Response(contract.json_bytes, media_type="application/json")

    return api_docs


def _allowed_methods(request: Request) -> str:
    """Every method some route takes at this path: one path has one Route per operation."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if isinstance(route, Route) and match is not Match.NONE and route.methods:
            methods |= route.methods
    return ", ".join(sorted(methods))


async def _pump(app: Starlette) -> None:
    """Run due work in real time; with a manual clock nothing falls due between advances.

    The emulator is looked up on every tick: `MockBSCServer.reset()` may swap it.
    """
    while True:
        emulator: Emulator = app.state.emulator
        await anyio.sleep(settings_of(emulator).tick_interval)
        try:
            ran = 0
            if emulator.work_due():  # never on the loop: shipping a big order takes a while
                ran = await anyio.to_thread.run_sync(emulator.run_due)
            if ensure_sender(emulator).deliveries_due():
                # Webhook calls wait on receivers: a worker thread, never the event loop.
                ran += await anyio.to_thread.run_sync(emulator.deliver_due,
                                                      abandon_on_cancel=True)
            if ran and app.state.persister is not None:
                app.state.persister.request()  # work done on its own is committed at once
        except Exception:  # keep pumping; the error is kept for check()
            LOG.exception("scheduled work failed")
