"""One contract operation as an HTTP endpoint: authenticate, read and validate the request
against the contract, call the thin handler, and turn every failure into its envelope.

Order matters and follows the platform (Spring Security runs before validation): 401 first,
then injected faults and rate limits (429), then 413/415, then 400 for contract violations,
then the handler's own errors.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from mockbsc.api.browser_guard import checked_host
from mockbsc.api.errors import Envelope, error_response
from mockbsc.api.gate import Dropped, admit, admits_all, check_admin
from mockbsc.api.numbers import NonFinite, non_finite_violations, take_seen
from mockbsc.config import settings_of
from mockbsc.contract.document import ContractViolation, Operation, Violation
from mockbsc.contract.validation import accept
from mockbsc.domain.access.models import Token
from mockbsc.domain.errors import DomainError, UnauthorizedError
from mockbsc.domain.platform import Emulator

LOG = logging.getLogger(__name__)


class PayloadTooLarge(Exception):
    pass


class MediaTypeRejected(Exception):
    pass


@dataclass(slots=True)
class Call:
    """What a handler gets: the validated request, the emulator, and who is calling."""

    request: Request
    emulator: Emulator
    operation: Operation
    path: dict[str, Any]
    query: dict[str, Any]
    body: Any
    token: Token | None
    api_path: str

    @property
    def api_base(self) -> str:
        """The API's absolute base URL as the client addressed it (for `Location` headers)."""
        return _base_url(self.request) + self.api_path

    @property
    def org_id(self) -> int:
        assert self.token is not None, "handler of an unauthenticated operation asked for org"
        return self.token.user.org_id


# An exported state easily passes the 1 MiB a BSC call may send (a 1,000-SIM fleet with its
# history is about 10 MB), so loading one back has its own limit: 64 MiB, a fleet of about
# 40,000 SIMs (parsed, a document takes several times its size in memory).
BODY_LIMITS = {"importState": 64 * 1024 * 1024}

_BASE_URLS: dict[tuple[object, ...], str] = {}


def _base_url(request: Request) -> str:
    """`str(request.base_url)` without its trailing slash, remembered per scheme, server, Host
    header and root path (all it depends on): building it parses and joins a URL each time.

    Only a `Host` that passed the browser guard's check goes into it (a `Location` built from
    any `Host` points wherever the client says); otherwise the server's own address does."""
    scope = request.scope
    host = next((value for name, value in scope["headers"] if name == b"host"), None)
    if host is not None and not checked_host(scope):
        host = None
    server = scope.get("server")
    root = scope.get("app_root_path", scope.get("root_path", ""))
    key = (scope.get("scheme", "http"), tuple(server) if server else None, host, root)
    base = _BASE_URLS.get(key)
    if base is None:
        if len(_BASE_URLS) >= 1024:  # many Host headers: keep the memory bounded
            _BASE_URLS.clear()
        if host is None and server:
            scheme = str(scope.get("scheme", "http"))
            port = "" if (scheme, server[1]) in (("http", 80), ("https", 443)) \
                else f":{server[1]}"
            address = f"[{server[0]}]" if ":" in str(server[0]) else str(server[0])
            base = f"{scheme}://{address}{port}{root}"
        else:
            base = str(request.base_url).rstrip("/")
        _BASE_URLS[key] = base
    return base


Handler = Callable[[Call], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


_OFFLOADED: set[Handler] = set()


def offloaded(handler: Handler) -> Handler:
    """Mark a handler that may wait on webhook receivers (clock moves send due deliveries):
    it runs in a worker thread, so the event loop keeps serving, even a receiver that calls
    the API back before it answers."""
    _OFFLOADED.add(handler)
    return handler


_OFFLOADED_WHEN: dict[Handler, Callable[[dict[str, Any]], bool]] = {}


def offloaded_when(test: Callable[[dict[str, Any]], bool]) -> Callable[[Handler], Handler]:
    """Mark a handler that runs in a worker thread when `test(query)` holds: a call whose
    work grows with the fleet (a filtered listing of a million SIMs takes seconds) must not
    hold up the event loop, while the common call stays on it (a thread hop per call costs)."""

    def mark(handler: Handler) -> Handler:
        _OFFLOADED_WHEN[handler] = test
        return handler

    return mark


def get_emulator(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


def build_endpoint(op: Operation, handler: Handler, envelope: Envelope, api_base: str) -> Endpoint:
    offload = handler in _OFFLOADED
    offload_when = _OFFLOADED_WHEN.get(handler)

    async def endpoint(request: Request) -> Response:
        emulator = get_emulator(request)
        try:
            if emulator.work_due() and emulator.run_light_due():
                # what is left (e.g. shipping an order) runs off the loop
                await anyio.to_thread.run_sync(emulator.run_due)
            token = _authenticate(request, emulator, op)
            if token is not None:  # for the request journal (api/journal.py)
                request.scope["mockbsc.org_id"] = token.user.org_id
            if envelope != "control" and not admits_all(emulator):
                refused = await admit(request, emulator, op, token, api_base, envelope)
                if refused is not None:
                    return refused
            raw = b"" if _no_body(request.scope) else await _read_body(
                request, BODY_LIMITS.get(op.id, settings_of(emulator).max_body_bytes))
            # Jackson's leniency is the platform's; mockbsc's own control API stays exact.
            lenient = envelope != "control" and not settings_of(emulator).strict_requests
            if len(raw) > OFFLOAD_BYTES:  # big bodies are parsed and checked off the loop
                body, path, query = await anyio.to_thread.run_sync(
                    _parse_and_validate, op, request, raw, lenient)
            else:
                body, path, query = _parse_and_validate(op, request, raw, lenient)
            call = Call(request, emulator, op, path, query, body, token, api_base)
            if offload or (offload_when is not None and offload_when(query)):
                return await anyio.to_thread.run_sync(handler, call)
            return handler(call)
        except ContractViolation as exc:
            return _error(request, emulator, envelope, 400, _summary(exc), exc.violations)
        except DomainError as exc:
            return _error(request, emulator, envelope, exc.status, exc.message, code=exc.code)
        except PayloadTooLarge:
            limit = BODY_LIMITS.get(op.id, settings_of(emulator).max_body_bytes)
            return _error(request, emulator, envelope, 413,
                          f"Request body is larger than the limit of {limit} bytes")
        except MediaTypeRejected as exc:
            if envelope == "auth":
                return _error(request, emulator, envelope, 400, "Content-Type not supported",
                              code="UnsupportedContentTypeError")
            return _error(request, emulator, envelope, 415, str(exc))
        except Dropped:
            raise  # an injected fault: no answer at all (api/gate.py)
        except Exception as exc:  # an emulator bug: answer 500, and make tests fail on it
            LOG.exception("unexpected error in %s", op.id)
            emulator.errors.append(exc)
            return _error(request, emulator, envelope, 500,
                          f"mockbsc internal error in {op.id}: {type(exc).__name__}: {exc}")

    endpoint.__name__ = op.id
    return endpoint


def _error(request: Request, emulator: Emulator, envelope: Envelope, status: int, message: str,
           violations: list[Violation] | None = None, code: str | None = None) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    # For the journal and --access-log: the rule a refused call broke.
    request.scope["mockbsc.reason"] = "; ".join(
        f"{v.message} (rule: {v.rule})" for v in violations) if violations else message
    return error_response(envelope, status, message, path=request.url.path, now=emulator.now(),
                          code=code, violations=violations or (), headers=headers)


def _summary(exc: ContractViolation) -> str:
    first = exc.violations[0].message
    more = len(exc.violations) - 1
    return f"Validation failed: {first}" + (f" (and {more} more)" if more else "")


def _authenticate(request: Request, emulator: Emulator, op: Operation) -> Token | None:
    if op.security == "AdminToken":
        check_admin(request, emulator, op)
        return None
    if op.security != "BearerAuthentication":
        return None
    header = _header(request.scope, b"authorization")
    if not header:
        raise UnauthorizedError("Full authentication is required to access this resource")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise UnauthorizedError("The token is invalid: expected 'Bearer <token>'")
    return emulator.verify_token(value.strip())


_HTTP1 = ("1.0", "1.1")
OFFLOAD_BYTES = 64 * 1024
"""Bodies above this size are parsed and validated in a worker thread, so a big (or hostile)
body never holds the event loop while other clients, `/health` included, wait (issue 12)."""


def _parse_and_validate(op: Operation, request: Request, raw: bytes, lenient: bool = True
                        ) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    present, body = _parse_body(op, request, raw)
    return _validate(op, request, body, present, lenient)


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of header `name` (lower case), as `request.headers.get` gives it,
    without building Starlette's `Headers` (a tenth of the endpoint's own CPU time)."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _no_body(scope: Scope) -> bool:
    """An HTTP/1.x request without `Content-Length` or `Transfer-Encoding` has no body
    (RFC 9112 §6.3): most calls, answered without reading (a coroutine fewer, issue 14)."""
    if scope.get("http_version") not in _HTTP1:
        return False
    for key, _ in scope["headers"]:
        if key == b"content-length" or key == b"transfer-encoding":
            return False
    return True


async def _read_body(request: Request, limit: int) -> bytes:
    declared = None
    for key, value in request.scope["headers"]:
        if key == b"content-length":
            declared = bytes(value).decode("latin-1")
            break
    if declared and declared.isdecimal() and int(declared) > limit:
        raise PayloadTooLarge()
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _media_type(request: Request) -> str:
    return (_header(request.scope, b"content-type") or "").split(";")[0].strip().lower()


def _parse_body(op: Operation, request: Request, raw: bytes) -> tuple[bool, Any]:
    """(whether a body was sent, its parsed value): JSON `null` is a body, and a wrong one."""
    if not raw.strip():
        if op.body_required:
            raise ContractViolation([Violation("body", "body", "required",
                                               "body: a request body is required")])
        return False, None
    if not op.takes_body:
        return False, None  # the platform ignores a body on operations that take none
    media = _media_type(request)
    if media not in op.body_media_types and not (
        media.endswith("+json") and "application/json" in op.body_media_types
    ):
        accepted = ", ".join(op.body_media_types)
        raise MediaTypeRejected(
            f"Content type '{media or 'none'}' is not supported; use {accepted}"
        )
    if media == "application/x-www-form-urlencoded":
        try:
            return True, dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise ContractViolation([Violation("body", "body", "encoding",
                                               "body: is not valid UTF-8")]) from None
    take_seen()  # a parse that failed half-way may have left it set
    try:
        # `json.loads(raw, parse_float=..., parse_constant=...)`, without a new decoder
        body = _DECODER.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
    except UnicodeDecodeError:
        raise ContractViolation([Violation("body", "body", "encoding",
                                           "body: is not valid UTF-8")]) from None
    except RecursionError:
        raise ContractViolation([Violation("body", "body", "json",
                                           "body: JSON is nested too deeply")]) from None
    except ValueError as exc:
        raise ContractViolation([Violation("body", "body", "json",
                                           f"body: malformed JSON ({exc})")]) from None
    if take_seen():
        raise ContractViolation(list(non_finite_violations(body, "body")))
    return True, body


def _json_number(text: str) -> float | int | NonFinite:
    """A JSON number with a fraction or exponent; integral ones (`826.0`) become ints.

    JSON Schema calls `826.0` an integer, so it passes `type: integer`; handing it on as a
    float would break the integer arithmetic behind it (order totals are Decimal).
    """
    value = float(text)
    if not math.isfinite(value):  # 1e999: beyond any double
        return NonFinite(text)
    return int(value) if value.is_integer() and abs(value) < 2**63 else value


_DECODER = json.JSONDecoder(parse_float=_json_number, parse_constant=NonFinite)


def _validate(
    op: Operation, request: Request, body: Any, present: bool, lenient: bool
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """(body, path parameters, query parameters) as the handler gets them, coerced as Spring
    and Jackson would when `lenient` (`mockbsc.contract.coerce`); every broken rule raises."""
    problems: list[Violation] = []
    path: dict[str, Any] = {}
    query: dict[str, Any] = {}
    asked = bool(request.scope.get("query_string"))  # else no query to parse (most calls)
    for param in op.parameters:
        if param.location == "path":
            text = request.path_params.get(param.name)
        elif param.location == "query":
            text = request.query_params.get(param.name) if asked else None
        else:
            continue
        if text == "" and lenient and param.location == "query" and param.convert is not str:
            text = None  # Spring: an empty number or boolean is "not given" (the default)
        if text is None:
            if param.required:
                problems.append(Violation(param.location, param.name, "required",
                                          f"{param.name}: is required"))
            elif param.default is not None:
                query[param.name] = param.default
            continue
        value, found = accept(param.validator, param.convert(text), param.location, param.name,
                              lenient)
        problems.extend(found)
        (path if param.location == "path" else query)[param.name] = value
    if present and op.body_validator is not None and _media_type(request) != (
        "application/x-www-form-urlencoded"
    ):
        body, found = accept(op.body_validator, body, "body", "body", lenient)
        problems.extend(found)
    if problems:
        raise ContractViolation(problems)
    return body, path, query
