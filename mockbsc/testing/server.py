"""`MockBSCServer`: a live mockbsc on a free local port, for code that talks real HTTP.

uvicorn runs in a daemon thread on a socket bound *before* the thread starts (port 0, so the
OS picks a free port and there is no race between choosing and binding it), as httpx's own
test-suite does. One server can serve many tests: `use()` or `reset()` swap the emulator
behind it in milliseconds instead of restarting uvicorn.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from mockbsc.config import Settings, settings_of
from mockbsc.domain.platform import Emulator
from mockbsc.testing.ports import listening_socket, port_of

if TYPE_CHECKING:
    import uvicorn
    from starlette.applications import Starlette

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


class ServerError(RuntimeError):
    """The live server could not start or its thread died."""


@dataclass(frozen=True, slots=True)
class BearerToken:
    """A ready access token: `.value` for clients that take a token, `.headers` for requests."""

    value: str
    expires_in: int
    username: str
    org_id: int
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.value


def issue_token(emulator: Emulator, username: str | None = None,
                password: str | None = None) -> BearerToken:
    """A token issued directly by the emulator (no HTTP call, so the journal stays clean).

    Without credentials it uses the first API user of the default organisation
    (`demo` / `demo-password`, organisation 4321, in the default fixtures).
    """
    if username is None:
        scenario = emulator.scenario
        user = next((u for u in scenario.users
                     if u.org_id == scenario.default_org_id and u.api_access),
                    scenario.users[0])
        username, password = user.username, user.password
    token, expires_in = emulator.issue_token(username, password or "")
    return BearerToken(token.value, expires_in, username, token.user.org_id,
                       {"Authorization": f"Bearer {token.value}"})


class MockBSCServer:
    """A live mockbsc on `host:port` (default: 127.0.0.1 and a free port).

    Use as a context manager::

        with MockBSCServer() as server:
            httpx.get(server.url + "/health")

    Args:
        settings: settings of the emulator; defaults to the built-in defaults.
        emulator: serve this emulator instead of building one from `settings`.
        host: address to bind.
        port: port to bind; 0 lets the OS pick a free one.
        log_level: uvicorn's log level.
    """

    def __init__(self, settings: Settings | None = None, *, emulator: Emulator | None = None,
                 host: str = "127.0.0.1", port: int = 0, log_level: str = "warning") -> None:
        self.settings = settings_of(emulator) if emulator else (settings or Settings())
        self._initial = emulator
        self.host = host
        self.port = port
        self.log_level = log_level
        self._app: Starlette | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._crash: BaseException | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> MockBSCServer:
        """Bind, start uvicorn in a daemon thread and wait until it accepts connections.

        Raises:
            ServerError: uvicorn did not come up within 10 seconds.
        """
        if self._thread is not None:
            return self
        import uvicorn

        from mockbsc.api.app import build_emulator, create_app
        from mockbsc.api.listener import uvicorn_config

        self._app = create_app(self._initial or build_emulator(self.settings))
        self._socket = listening_socket(self.host, self.port)
        self.port = port_of(self._socket)
        config = uvicorn_config(self._app, self.settings, log_level=self.log_level,
                                lifespan="on", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, args=(self._server, self._socket),
                                        name=f"mockbsc:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise ServerError(f"mockbsc did not start on {self.url}") from self._crash
            time.sleep(0.005)
        return self

    def _serve(self, server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # kept for check(): a thread cannot raise into the test
            self._crash = exc

    def stop(self) -> None:
        """Ask uvicorn to exit, wait for the thread, close the socket. Safe to call twice."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> MockBSCServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ------------------------------------------------------------------ state
    @property
    def url(self) -> str:
        """Base URL of the server, e.g. `http://127.0.0.1:54321`."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """Base URL of the BSC API as a client is configured with it (`.../management-api`)."""
        return self.url + "/management-api"

    @property
    def emulator(self) -> Emulator:
        """The emulator being served: arrange state and assert on it directly."""
        if self._app is None:
            raise ServerError("the server is not started")
        emulator: Emulator = self._app.state.emulator
        return emulator

    def use(self, emulator: Emulator) -> Emulator:
        """Serve `emulator` from now on (the previous one is dropped)."""
        if self._app is None:
            raise ServerError("the server is not started")
        from mockbsc.api.webhooks import ensure_sender

        # Served over HTTP, it must send webhooks for real (a bare emulator has no sender).
        emulator.journal.operations = frozenset(self._app.state.bsc_contract.operations)
        self._app.state.emulator = ensure_sender(emulator)
        self.settings = settings_of(emulator)
        return emulator

    def reset(self, settings: Settings | None = None) -> Emulator:
        """Back to a freshly seeded state, with new settings if given; no restart."""
        if settings is None or settings == self.emulator.settings:
            self.emulator.reset()
            return self.emulator
        from mockbsc.api.app import build_emulator

        return self.use(build_emulator(settings))

    def token(self, username: str | None = None, password: str | None = None) -> BearerToken:
        """A ready bearer token of the served emulator (default: the demo user)."""
        return issue_token(self.emulator, username, password)

    def requests(self, operation: str | None = None) -> list[dict[str, Any]]:
        """What the code under test called, oldest first (`GET /_mockbsc/requests`): each
        with `body` (parsed JSON, a form's fields, or text) and `headers` (secrets redacted).

        Raises:
            LookupError: `operation` is no operationId of the BSC API (close matches named).
        """
        self.emulator.journal.check_operation(operation)
        return self._control_get("/_mockbsc/requests", {"operation": operation})

    def assert_called(self, operation: str, times: int | None = None, json: Any = None,
                      params: dict[str, str] | None = None) -> list[Any]:
        """Assert the code under test called `operation` (`times` times; with this JSON body
        and these query parameters, if given); the failure lists the calls that were made.

        Returns the matching journal entries (`.json()` is the body, `.to_dict()` the
        control API's form).
        """
        return self.emulator.journal.assert_called(operation, times, json, params)

    def deliveries(self, status: str | None = None,
                   iccid: str | None = None) -> list[dict[str, Any]]:
        """Webhook deliveries with their attempts (`GET /_mockbsc/webhooks`)."""
        return self._control_get("/_mockbsc/webhooks", {"status": status, "iccid": iccid})

    def sms(self, iccid: str) -> list[dict[str, Any]]:
        """The SMS the platform holds for a SIM, as a client of its organisation sees them."""
        import httpx

        sim = self.emulator.sims.find(iccid)
        if sim is None:
            raise LookupError(f"no SIM {iccid} in the served fleet")
        user = next(u for u in self.emulator.tokens.users
                    if u.org_id == sim.org_id and u.api_access)
        headers = self.token(user.username, user.password).headers
        response = httpx.get(f"{self.api_url}/v1/sims/{iccid}/sms",
                             params={"pageSize": 100}, headers=headers, timeout=10)
        response.raise_for_status()
        result: list[dict[str, Any]] = response.json()
        return result

    def _control_get(self, path: str, params: dict[str, str | None]) -> list[dict[str, Any]]:
        import httpx

        headers = {}
        if settings_of(self.emulator).admin_token:
            headers["Authorization"] = f"Bearer {settings_of(self.emulator).admin_token}"
        response = httpx.get(self.url + path, headers=headers, timeout=10,
                             params={k: v for k, v in params.items() if v is not None})
        response.raise_for_status()
        result: list[dict[str, Any]] = response.json()
        return result

    def check(self) -> None:
        """Raise the first error the server hit: a crashed thread or a handler's exception."""
        if self._crash is not None:
            raise ServerError(f"the mockbsc server thread died: {self._crash!r}") \
                from self._crash
        self.emulator.check()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<MockBSCServer {self.url} {state}>"

    def describe(self) -> dict[str, Any]:
        return {"url": self.url, "running": self.running, **self.emulator.describe()}
