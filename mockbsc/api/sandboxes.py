"""Sandboxes: many independent platforms in one server (issue 15).

CI runs tests in parallel (xdist workers, pipeline jobs, several services), and one shared
emulator lets one worker's reset, clock move or fault rule hit another's test. A sandbox is a
whole platform of its own, an `Emulator` served by its own app built by `create_app()`, so
fleet, users and tokens, clock, queues, SMS centre, webhooks, journal, faults and rate-limit
counters are all its own. It lives at `/sandboxes/{id}/...`; `SandboxDispatch`, the root
app's outermost middleware, strips that prefix and hands the request to the sandbox's app,
whose routes, checks and error bodies are the default platform's own.

Sandboxes live in memory only (a `--state-file` keeps the default platform, not them: they
are meant to be thrown away; `GET/PUT /sandboxes/{id}/_mockbsc/state` moves one in and out).

`SandboxRegistry` keeps them, with their idle expiry and the cap on their number. It reads
time from an injectable `now` (the wall clock by default) so tests move it instead of sleeping;
it is not the default platform's clock, whose moves (a test's `clock/advance`) must not expire
anybody's sandbox.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from mockbsc.api.errors import Envelope, error_response
from mockbsc.api.webhooks import ensure_sender
from mockbsc.domain.errors import ConflictError, NotFoundError
from mockbsc.domain.platform import Emulator

PREFIX = "/sandboxes/"
ASSETS = "/explorer/assets/"
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


class SandboxLimitReached(Exception):
    """`--max-sandboxes` are alive: the create is answered 429."""


@dataclass(slots=True)
class Sandbox:
    """One sandbox: its app (whose `state.emulator` is the platform) and its bookkeeping."""

    id: str
    app: Any  # the Starlette app create_app() built for it
    created: datetime
    last_used: datetime

    @property
    def emulator(self) -> Emulator:
        emulator: Emulator = self.app.state.emulator
        return emulator


class SandboxRegistry:
    """The live sandboxes of one server, by id.

    Lookups (one per request, on the event loop) read a dict and take no lock; creating,
    deleting and sweeping take `_lock`, which is never held while a fleet is seeded.

    Args:
        ttl: seconds a sandbox may go unused before it expires; 0 keeps it until deleted.
        max_sandboxes: how many may live at once (ids being created count too).
        now: the registry's time (wall clock by default; tests pass one they move).
    """

    def __init__(self, ttl: float = 3600.0, max_sandboxes: int = 200,
                 now: Callable[[], datetime] | None = None) -> None:
        self.ttl = ttl
        self.max_sandboxes = max_sandboxes
        self.now = now or (lambda: datetime.now(UTC))
        self._sandboxes: dict[str, Sandbox] = {}
        self._building: set[str] = set()
        self._lock = threading.Lock()
        # How a sandbox's app is made from its emulator: `create_app(root=False)`, set by
        # the root app (this module cannot import the app factory, which imports it).
        self.build_app: Callable[[Emulator], Any] = _no_factory

    def __len__(self) -> int:
        return len(self._sandboxes)

    def __iter__(self) -> Iterator[Sandbox]:
        return iter(list(self._sandboxes.values()))

    # ------------------------------------------------------------------ lifecycle
    def create(self, sandbox_id: str, build: Callable[[], Any]) -> Sandbox:
        """Build a sandbox's app with `build()` (outside the lock) and keep it.

        Raises:
            ConflictError: a sandbox with this id exists or is being created.
            SandboxLimitReached: `max_sandboxes` are alive.
        """
        with self._lock:
            self._sweep_locked()
            if sandbox_id in self._sandboxes or sandbox_id in self._building:
                raise ConflictError(f"Sandbox '{sandbox_id}' already exists")
            if len(self._sandboxes) + len(self._building) >= self.max_sandboxes:
                raise SandboxLimitReached(
                    f"This server holds its maximum of {self.max_sandboxes} sandboxes "
                    "(--max-sandboxes); delete one or wait for one to expire")
            self._building.add(sandbox_id)
        try:
            app = build()
        finally:
            with self._lock:
                self._building.discard(sandbox_id)
        now = self.now()
        sandbox = Sandbox(sandbox_id, app, now, now)
        with self._lock:
            self._sandboxes[sandbox_id] = sandbox
        return sandbox

    def get(self, sandbox_id: str, *, touch: bool = False) -> Sandbox | None:
        """The live sandbox `sandbox_id` (None if unknown or expired); `touch` marks it used."""
        sandbox = self._sandboxes.get(sandbox_id)
        if sandbox is None:
            return None
        now = self.now()
        if self._expired(sandbox, now):
            self.delete(sandbox_id)
            return None
        if touch:
            sandbox.last_used = now
        return sandbox

    def require(self, sandbox_id: str) -> Sandbox:
        """Like `get`, for the control API: a missing sandbox is a 404."""
        sandbox = self.get(sandbox_id)
        if sandbox is None:
            raise NotFoundError(f"No sandbox '{sandbox_id}'")
        return sandbox

    def delete(self, sandbox_id: str) -> bool:
        """Forget a sandbox; its URLs answer 404 from now on. False if there was none."""
        with self._lock:
            return self._sandboxes.pop(sandbox_id, None) is not None

    def sweep(self) -> list[str]:
        """Drop the sandboxes idle for longer than the ttl; their ids."""
        with self._lock:
            return self._sweep_locked()

    def live(self) -> list[Sandbox]:
        """Every live sandbox, oldest first (the expired ones are dropped on the way)."""
        self.sweep()
        return sorted(self._sandboxes.values(), key=lambda s: (s.created, s.id))

    def _sweep_locked(self) -> list[str]:
        now = self.now()
        gone = [s.id for s in self._sandboxes.values() if self._expired(s, now)]
        for sandbox_id in gone:
            del self._sandboxes[sandbox_id]
        return gone

    def _expired(self, sandbox: Sandbox, now: datetime) -> bool:
        return self.ttl > 0 and (now - sandbox.last_used).total_seconds() > self.ttl


def _no_factory(emulator: Emulator) -> Any:
    raise RuntimeError("this registry serves no app: pass it to create_app(sandboxes=...)")


class SandboxDispatch:
    """Pure ASGI middleware of the root app: `/sandboxes/{id}/rest` goes to that sandbox's
    app as `/rest`, with the prefix moved to `root_path` (so URLs the sandbox builds, such as
    `Location`, carry it); every other request goes on to the default platform unchanged."""

    def __init__(self, app: ASGIApp, registry: SandboxRegistry) -> None:
        self.app = app
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not path.startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        sandbox_id, _, rest = path[len(PREFIX):].partition("/")
        sandbox = self.registry.get(sandbox_id, touch=True) \
            if ID_PATTERN.fullmatch(sandbox_id) else None
        inner = "/" + rest
        if sandbox is None:
            envelope: Envelope = "control" if inner.startswith("/_mockbsc") else "api"
            response = error_response(envelope, 404, f"No sandbox '{sandbox_id[:64]}'",
                                      path=path, now=datetime.now(UTC), code="NotFound")
            await response(scope, receive, send)
            return
        prefix = PREFIX + sandbox_id
        if inner.startswith(ASSETS):  # the explorer's static files: the same everywhere;
            # Starlette's StaticFiles reads its path relative to `root_path`, which a moved
            # prefix would break, so the default app serves them as its own.
            await self.app({**scope, "path": inner, "raw_path": inner.encode()}, receive, send)
            return
        child = dict(scope)
        child["path"] = inner
        child["root_path"] = str(scope.get("root_path", "")) + prefix
        raw = scope.get("raw_path")
        if isinstance(raw, bytes) and raw.startswith(prefix.encode()):
            child["raw_path"] = raw[len(prefix):] or b"/"
        else:  # the client percent-encoded the prefix: let the server rebuild it from `path`
            child.pop("raw_path", None)
        child.pop("app_root_path", None)
        await sandbox.app(child, receive, send)


async def pump(registry: SandboxRegistry, interval: float) -> None:
    """Make due work happen in real time in every sandbox (the default platform has its own
    pump in `api/app.py`), and drop the expired ones even when nobody asks."""
    while True:
        await anyio.sleep(interval)
        registry.sweep()
        for sandbox in registry:
            emulator = sandbox.emulator
            try:
                if emulator.work_due():
                    await anyio.to_thread.run_sync(emulator.run_due)
                if ensure_sender(emulator).deliveries_due():
                    await anyio.to_thread.run_sync(emulator.deliver_due,
                                                   abandon_on_cancel=True)
            except Exception as exc:  # kept for the sandbox's check(); the others go on
                emulator.errors.append(exc)
