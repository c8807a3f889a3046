"""What stands between an authenticated call and its handler: injected faults, the
platform's rate limits, and the admin token of the control plane.

Faults come first (a gateway that fails does not count the call against a limit), then the
limits. A dropped connection closes the socket without a response, as a crashed load balancer
would; in process (TestClient, `httpx.ASGITransport`) there is no socket, so the caller gets the
exception httpx raises for that case over the network.
"""

from __future__ import annotations

import functools
import hmac
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response

from mockbsc.api.errors import Envelope, error_response

# the journal shows which calls a fault hit, and why a call was refused
from mockbsc.api.journal_middleware import FAULT_KEY, REASON_KEY, RECEIVE_KEY
from mockbsc.config import settings_of
from mockbsc.contract.document import Operation
from mockbsc.domain.access.models import Token
from mockbsc.domain.access.rate_limits import RateLimited
from mockbsc.domain.errors import UnauthorizedError
from mockbsc.domain.faults.rules import CallInfo, Fault
from mockbsc.domain.platform import Emulator

NO_RESPONSE = 444  # nginx's "connection closed without response": what the journal records
OPEN_CONTROL_PATHS = ("/health",)  # liveness probes must work without the admin token


class Dropped(Exception):
    """What every injected dropped connection raised to an in-process caller is."""


@functools.cache
def _connection_dropped() -> type[Exception]:
    """`ConnectionDropped`, made on first use: importing httpx costs a server's start-up
    about 0.1 s, and only in-process callers (TestClient, `httpx.ASGITransport`) see it."""
    import httpx

    class ConnectionDropped(httpx.RemoteProtocolError, Dropped):
        """An injected dropped connection, raised to an in-process caller: the exception
        httpx raises for a dropped connection over the network."""

        def __init__(self) -> None:
            super().__init__("Server disconnected without sending a response.")

    ConnectionDropped.__module__ = __name__
    return ConnectionDropped


def __getattr__(name: str) -> Any:
    if name == "ConnectionDropped":
        return _connection_dropped()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def admits_all(emulator: Emulator) -> bool:
    """Whether `admit` lets every call through: no fault rules and no rate limits (the
    default), so a call need not go through it (a coroutine per request, issue 14)."""
    return not emulator.faults and not emulator.limits.limits


async def admit(request: Request, emulator: Emulator, op: Operation, token: Token | None,
                api_base: str, envelope: Envelope) -> Response | None:
    """None to go on to the handler, or the response (fault, 429) that replaces it."""
    org_id = token.user.org_id if token is not None else None
    if emulator.faults:
        path = request.url.path.removeprefix(api_base)
        call = CallInfo(op.method, op.path, path, op.id, org_id,
                        request.path_params.get("iccid"))
        fault = emulator.faults.pick(call)
        if fault is not None:
            request.scope[FAULT_KEY] = fault.label
            return await _inflict(request, emulator, fault, envelope)
    if not emulator.limits.limits:  # no limits (the default): nothing to count
        return None
    try:
        client = request.client.host if request.client else None
        emulator.limits.check(op.path, client, org_id, emulator.now())
    except RateLimited as exc:
        request.scope[REASON_KEY] = str(exc)
        return error_response(envelope, 429, str(exc), path=request.url.path,
                              now=emulator.now(), headers={"Retry-After": str(exc.retry_after)})
    return None


async def _inflict(request: Request, emulator: Emulator, fault: Fault,
                   envelope: Envelope) -> Response | None:
    if fault.latency:
        await anyio.sleep(fault.latency)  # the user's chosen delay, in real time
    if fault.drop:
        receive = request.scope.get(RECEIVE_KEY, request.receive)
        transport = getattr(getattr(receive, "__self__", None), "transport", None)
        if transport is None:
            raise _connection_dropped()()
        transport.close()
        await anyio.sleep(0.01)  # let the server see the connection go before we "answer"
        return Response(status_code=NO_RESPONSE)
    if fault.status is None:
        return None  # latency only: the call then goes on as usual
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
    return error_response(envelope, fault.status, fault.message, path=request.url.path,
                          now=emulator.now(), headers=headers)


def check_admin(request: Request, emulator: Emulator, op: Operation) -> None:
    """With `--admin-token`, the control plane (but `/health`) needs `Bearer <token>`."""
    expected = settings_of(emulator).admin_token
    if not expected or op.path in OPEN_CONTROL_PATHS:
        return
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    # Header values arrive as latin-1 text of the raw bytes; the token is compared as the
    # UTF-8 bytes a client sends for a non-ASCII token.
    if scheme.lower() != "bearer" or not hmac.compare_digest(
            value.strip().encode("latin-1"), expected.encode("utf-8")):
        raise UnauthorizedError("The control API needs 'Authorization: Bearer <admin token>'")
