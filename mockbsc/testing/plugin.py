"""pytest plugin of mockbsc (entry point `pytest11`): marker-configured fixtures.

Every pytest run in an environment with mockbsc installed loads this module, so it imports
only pytest and the standard library at the top; starlette, uvicorn and the emulator are
imported inside the fixtures that need them.

Fixtures (all function-scoped unless noted):

* `mockbsc_settings`: `Settings` built from the `mockbsc` marker (manual clock by default);
* `mockbsc_clock`: the `ManualClock` the emulator runs on, at a fixed epoch;
* `mockbsc`: a fresh, seeded `Emulator`: arrange state and assert on it;
* `mockbsc_app`: the ASGI app serving `mockbsc`;
* `mockbsc_client`: an in-process `TestClient` (no socket); re-raises server errors;
* `mockbsc_token`: a ready bearer token (`.value`, `.headers`) of the demo user;
* `mockbsc_server`: a live server on a free port serving `mockbsc` (one uvicorn per session);
* `mockbsc_webhook_receiver`: a real HTTP endpoint recording what mockbsc sends to it.

With `--mockbsc-url URL` (or `MOCKBSC_URL`) the tests run against an external server
instead: each test gets a fresh sandbox there (`mockbsc_sandbox`, a `RemoteSandbox` made
from the marker's settings, deleted after the test), and `mockbsc_server`,
`mockbsc_client` and `mockbsc_token` serve it. The fixtures that hand out the in-process
emulator (`mockbsc`, `mockbsc_clock`, `mockbsc_app`) skip their test there.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from mockbsc.config import Settings
    from mockbsc.domain.clock import ManualClock
    from mockbsc.domain.platform import Emulator
    from mockbsc.testing.receiver import WebhookReceiver
    from mockbsc.testing.remote import RemoteSandbox
    from mockbsc.testing.server import BearerToken, MockBSCServer
    from mockbsc.testing.verify import VerifyingEmulator

MARKER = (
    "mockbsc(seed=1, sims=None, token_ttl=3600, fixtures=None, **settings): settings of the "
    "mockbsc emulator of this test (any mockbsc Settings field, e.g. start='2026-01-05T09:00Z', "
    "unknown_sim='empty'); fixture paths are relative to the test file or the rootdir"
)


REMOTE_SKIP = ("needs the in-process emulator, which does not exist with --mockbsc-url "
               "(use mockbsc_server, mockbsc_client and mockbsc_token)")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockbsc")
    group.addoption("--mockbsc-url", dest="mockbsc_url", default=None, metavar="URL",
                    help="run against the mockbsc server at URL: each test gets a fresh "
                    "sandbox there (default: $MOCKBSC_URL; unset: an in-process emulator)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)


def remote_url(config: pytest.Config) -> str | None:
    """The external server's URL (`--mockbsc-url`, else `MOCKBSC_URL`), or None."""
    url = config.getoption("mockbsc_url", None) or os.environ.get("MOCKBSC_URL")
    return str(url) if url else None


def sandbox_body(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The marker's settings as a sandbox's body: manual clock by default, a fixtures file
    sent as its content (the server cannot read the test's files)."""
    import yaml

    values: dict[str, Any] = {"clock": "manual"}
    for marker in reversed(list(request.node.iter_markers("mockbsc"))):
        if marker.args:
            raise pytest.UsageError("@pytest.mark.mockbsc takes keyword arguments only")
        values.update(marker.kwargs)
    values.pop("validate_responses", None)  # the in-process app's checker
    if values.get("fixtures"):
        path = Path(_fixtures_path(str(values["fixtures"]), request))
        values["fixtures"] = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(values.get("users"), str):
        values["users"] = [u for u in values["users"].split(",") if u]
    return {k: v.isoformat() if isinstance(v, datetime) else v
            for k, v in values.items() if v is not None}


def _as_text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _fixtures_path(value: str, request: pytest.FixtureRequest) -> str:
    path = Path(value)
    if path.is_absolute():
        return value
    for base in (Path(str(request.path)).parent, request.config.rootpath):
        if (base / path).exists():
            return str(base / path)
    return value


def settings_for(request: pytest.FixtureRequest, **defaults: Any) -> Settings:
    """The settings a test asked for: plugin defaults, then `defaults`, then its markers.

    Markers on the module and class apply first and the one closest to the test last.

    Raises:
        pytest.UsageError: a marker names an unknown setting or gives a bad value.
    """
    from mockbsc.config import Settings, SettingsError

    values: dict[str, Any] = {"clock": "manual", "validate_responses": True, **defaults}
    for marker in reversed(list(request.node.iter_markers("mockbsc"))):
        if marker.args:
            raise pytest.UsageError("@pytest.mark.mockbsc takes keyword arguments only")
        values.update(marker.kwargs)
    if values.get("fixtures"):
        values["fixtures"] = _fixtures_path(str(values["fixtures"]), request)
    try:
        return Settings().with_text({k: _as_text(v) for k, v in values.items() if v is not None})
    except SettingsError as exc:
        raise pytest.UsageError(f"@pytest.mark.mockbsc: {exc}") from None


@pytest.fixture
def mockbsc_settings(request: pytest.FixtureRequest) -> Settings:
    """Settings of this test's emulator, from the `mockbsc` marker. Override to change defaults."""
    return settings_for(request)


@pytest.fixture
def mockbsc_clock(mockbsc_settings: Settings, request: pytest.FixtureRequest) -> ManualClock:
    """The manual clock of the emulator, at `start` (default 2026-01-05T09:00:00Z).

    Move time with `mockbsc.advance(seconds)` to also run what falls due on the way;
    `mockbsc_clock.now()` reads it.
    """
    _local_only(request)
    from mockbsc.domain.clock import ManualClock

    return ManualClock(mockbsc_settings.start)


def _local_only(request: pytest.FixtureRequest) -> None:
    if remote_url(request.config):
        pytest.skip(REMOTE_SKIP)


@pytest.fixture
def mockbsc(mockbsc_settings: Settings, mockbsc_clock: ManualClock) -> VerifyingEmulator:
    """A fresh emulator seeded from the settings: the handle to arrange and assert
    (`mockbsc.assert_called(operation, times=, json=, params=)`, `mockbsc.requests()`).

    With `@pytest.mark.mockbsc(clock="system")` it runs on real time instead of `mockbsc_clock`.
    """
    from mockbsc.adapters.fixtures_file import label_words, load_scenario
    from mockbsc.contract.document import BSC_CONTRACT, Contract
    from mockbsc.testing.verify import VerifyingEmulator

    clock = mockbsc_clock if mockbsc_settings.clock == "manual" else None
    emulator = VerifyingEmulator(mockbsc_settings, load_scenario(mockbsc_settings.fixtures),
                                 clock=clock, labels=label_words)
    # `mockbsc.assert_called("noSuchOperation")` raises instead of passing on an empty list.
    emulator.journal.operations = frozenset(Contract.load(BSC_CONTRACT).operations)
    return emulator


@pytest.fixture
def mockbsc_app(request: pytest.FixtureRequest) -> Starlette:
    """The ASGI app serving `mockbsc` (for `httpx.ASGITransport` or your own client)."""
    _local_only(request)
    mockbsc: Emulator = request.getfixturevalue("mockbsc")
    from mockbsc.api.app import create_app

    return create_app(mockbsc)


@pytest.fixture
def mockbsc_client(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """In-process client of the app at `http://mockbsc` (no socket, no thread).

    At teardown it re-raises the first exception a handler or queued job hit, with its
    traceback, so a mockbsc bug fails the test that triggered it instead of being a bare 500.
    With `--mockbsc-url` it is an `httpx.Client` whose base URL is the test's sandbox.
    """
    if remote_url(request.config):
        import httpx

        sandbox: RemoteSandbox = request.getfixturevalue("mockbsc_sandbox")
        with httpx.Client(base_url=sandbox.url, timeout=30) as remote:
            yield remote  # type: ignore[misc]  # TestClient is an httpx.Client too
        return
    mockbsc_app: Starlette = request.getfixturevalue("mockbsc_app")
    mockbsc: Emulator = request.getfixturevalue("mockbsc")
    with warnings.catch_warnings():  # Starlette nudges towards httpx2; httpx is what we ship,
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from starlette.testclient import TestClient  # and users may run with -W error

    with TestClient(mockbsc_app, base_url="http://mockbsc") as client:
        yield client
    mockbsc.check()


@pytest.fixture
def mockbsc_token(request: pytest.FixtureRequest) -> BearerToken:
    """A ready token of the demo user: `.value` and `.headers` (`Authorization: Bearer ...`).

    Issued by the emulator directly, so it does not show up in the request journal (with
    `--mockbsc-url`: by the sandbox's token endpoint, and the journal is cleared after).
    """
    from mockbsc.testing.server import issue_token

    if remote_url(request.config):
        sandbox: RemoteSandbox = request.getfixturevalue("mockbsc_sandbox")
        token = sandbox.token()
        sandbox.clear_requests()
        return token
    return issue_token(request.getfixturevalue("mockbsc"))


def pinned_address(host_variable: str, port_variable: str,
                   worker: str | None = None) -> tuple[str, int]:
    """(host, port) from two variables (default 127.0.0.1 and 0, a free port).

    Under pytest-xdist each worker runs its own server, so a pinned port is a *base*: worker
    `gwN` (`worker`, the session's xdist worker id) listens on port + N (`gw0` on the port).

    Raises:
        pytest.UsageError: the port variable is not a port number.
    """
    raw = os.environ.get(port_variable, "0")
    try:
        port = int(raw)
    except ValueError:
        raise pytest.UsageError(f"{port_variable}={raw!r} is not a port number") from None
    if port and worker and worker.startswith("gw") and worker[2:].isdecimal():
        port += int(worker[2:])
    return os.environ.get(host_variable, "127.0.0.1"), port


def _xdist_worker(config: pytest.Config) -> str | None:
    """This session's pytest-xdist worker id (`gw0`, ...), None outside a worker."""
    workerinput = getattr(config, "workerinput", None)
    return str(workerinput["workerid"]) if workerinput else None


def _bind_failed(what: str, variable: str, host: str, port: int, exc: OSError) -> str:
    return (f"mockbsc: the {what} cannot listen on {host}:{port} ({exc.strerror or exc}); "
            f"{variable} pins it: under pytest-xdist worker gwN uses {variable} + N, so leave "
            f"that many ports free after it, or unset {variable} for a free port")


@pytest.fixture(scope="session")
def mockbsc_listen_address(request: pytest.FixtureRequest) -> tuple[str, int]:
    """Where the session's live server listens: 127.0.0.1 and a free port.

    `MOCKBSC_TEST_HOST`/`MOCKBSC_TEST_PORT` pin it (say, for a client in a container); under
    pytest-xdist worker `gwN` takes `MOCKBSC_TEST_PORT` + N. Not `MOCKBSC_PORT`: that one
    configures `mockbsc serve`, which may be running beside the tests.
    """
    return pinned_address("MOCKBSC_TEST_HOST", "MOCKBSC_TEST_PORT",
                          _xdist_worker(request.config))


@pytest.fixture(scope="session")
def mockbsc_server_session(mockbsc_listen_address: tuple[str, int]) -> Iterator[MockBSCServer]:
    """One live uvicorn for the whole session; tests get it through `mockbsc_server`."""
    from mockbsc.testing.server import MockBSCServer

    host, port = mockbsc_listen_address
    server = MockBSCServer(host=host, port=port)
    try:
        server.start()
    except OSError as exc:
        pytest.fail(_bind_failed("live server", "MOCKBSC_TEST_PORT", host, port, exc),
                    pytrace=False)
    with server:
        yield server


@pytest.fixture
def mockbsc_sandbox(request: pytest.FixtureRequest) -> Iterator[RemoteSandbox]:
    """This test's own sandbox on the `--mockbsc-url` server, made from its marker's
    settings and deleted after it (skips without `--mockbsc-url`)."""
    from mockbsc.testing.remote import RemoteSandbox
    from mockbsc.testing.server import ServerError

    url = remote_url(request.config)
    if not url:
        pytest.skip("mockbsc_sandbox needs --mockbsc-url (or MOCKBSC_URL)")
    sandbox = RemoteSandbox(url, sandbox_body(request),
                            admin_token=os.environ.get("MOCKBSC_ADMIN_TOKEN") or None)
    try:
        sandbox.create()
    except ServerError as exc:
        if ": 400 " in str(exc):
            raise pytest.UsageError(f"@pytest.mark.mockbsc: {exc}") from None
        raise
    try:
        yield sandbox
    finally:
        sandbox.delete()


@pytest.fixture
def mockbsc_server(request: pytest.FixtureRequest) -> Iterator[MockBSCServer]:
    """The live server, now serving this test's fresh `mockbsc` emulator (`.url`, `.api_url`).

    Swapping the emulator takes microseconds, so every test starts from its own seeded state
    without restarting uvicorn. Teardown re-raises the first server-side exception. With
    `--mockbsc-url` it is the test's `mockbsc_sandbox` (a `RemoteSandbox`) instead.
    """
    if remote_url(request.config):
        yield request.getfixturevalue("mockbsc_sandbox")  # a RemoteSandbox: same surface
        return
    mockbsc_server_session: MockBSCServer = request.getfixturevalue("mockbsc_server_session")
    mockbsc: Emulator = request.getfixturevalue("mockbsc")
    mockbsc_server_session.use(mockbsc)
    yield mockbsc_server_session
    mockbsc_server_session.check()


@pytest.fixture
def mockbsc_webhook_receiver(request: pytest.FixtureRequest) -> Iterator[WebhookReceiver]:
    """A real HTTP endpoint on a free port recording what it receives (`.url`, `.requests`).

    `.fail_next(n)` makes it answer 500 to the next n requests; `.wait_for(n)` polls for them.
    `MOCKBSC_TEST_WEBHOOK_HOST`/`MOCKBSC_TEST_WEBHOOK_PORT` pin where it listens (say, for a
    mockbsc in a container); under pytest-xdist worker `gwN` takes the port + N.
    """
    from mockbsc.testing.receiver import WebhookReceiver

    host, port = pinned_address("MOCKBSC_TEST_WEBHOOK_HOST", "MOCKBSC_TEST_WEBHOOK_PORT",
                                _xdist_worker(request.config))
    try:
        receiver = WebhookReceiver(host, port=port)
    except OSError as exc:
        pytest.fail(_bind_failed("webhook receiver", "MOCKBSC_TEST_WEBHOOK_PORT", host, port,
                                 exc), pytrace=False)
    with receiver:
        yield receiver


__all__: list[str] = [
    "mockbsc",
    "mockbsc_app",
    "mockbsc_client",
    "mockbsc_clock",
    "mockbsc_listen_address",
    "mockbsc_sandbox",
    "mockbsc_server",
    "mockbsc_server_session",
    "mockbsc_settings",
    "mockbsc_token",
    "mockbsc_webhook_receiver",
    "pinned_address",
    "pytest_addoption",
    "pytest_configure",
    "settings_for",
]
