"""What keeps a web page the developer visits away from mockbsc (issue 12).

* **DNS rebinding.** A page on `evil.example` whose name then resolves to 127.0.0.1 reaches
  the mock as a same-origin page, with `Host: evil.example`. A request that arrived on a
  loopback address must name a loopback host; `--allowed-hosts` sets the list (and then
  applies on every address). A sidecar bound to 0.0.0.0 and reached over its network keeps
  answering its service name without a list.
* **Cross-origin state changes.** A "simple" cross-origin POST needs no preflight, so a page
  could reset the mock. State-changing control calls from another origin get 403, and with a
  body that is not JSON 415.

`checked_host()` is also what `Location` headers are built from: never an unchecked `Host`.
"""

from __future__ import annotations

import functools
import ipaddress

from starlette.types import ASGIApp, Receive, Scope, Send

from mockbsc.api.errors import Envelope, error_response
from mockbsc.config import settings_of

CONTROL_PREFIXES = ("/_mockbsc", "/health")
CHANGING = frozenset({"POST", "PUT", "DELETE", "PATCH"})


@functools.lru_cache(maxsize=1024)  # per request otherwise: a fifth of a GET's own CPU time
def _is_loopback_ip(text: str) -> bool:
    try:
        return ipaddress.ip_address(text.strip("[]")).is_loopback
    except ValueError:
        return False


def is_loopback_name(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost") or _is_loopback_ip(host)


@functools.lru_cache(maxsize=1024)
def host_name(header: str) -> str:
    """`Host` without its port, lower case (`[::1]:8080` → `[::1]`)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header.partition("]")[0] + "]"
    return header.rpartition(":")[0] if header.count(":") == 1 else header


def _matches(host: str, allowed: tuple[str, ...]) -> bool:
    return any(pattern == "*" or host == pattern
               or (pattern.startswith("*.") and host.endswith(pattern[1:]))
               for pattern in allowed)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def host_allowed(scope: Scope) -> bool | None:
    """True/False when the request's `Host` was checked (and passed or not); None when no
    rule applies (no `--allowed-hosts`, and the request did not arrive on loopback)."""
    allowed = tuple(settings_of(scope["app"].state.emulator).allowed_hosts)
    server = scope.get("server")
    host: bytes | None = None
    for name, value in scope["headers"]:
        if name == b"host":
            host = bytes(value)
            break
    key = (host, allowed, server[0] if server else None)
    verdict = _VERDICTS.get(key, _UNKNOWN)
    if verdict is _UNKNOWN:  # per request otherwise: a tenth of a GET's own CPU time
        if len(_VERDICTS) >= 1024:  # many Host headers: keep the memory bounded
            _VERDICTS.clear()
        verdict = _VERDICTS[key] = _verdict(
            None if host is None else host.decode("latin-1"), allowed,
            None if server is None or not server else str(server[0]))
    return verdict  # type: ignore[return-value]  # not _UNKNOWN any more


_UNKNOWN = object()
_VERDICTS: dict[tuple[object, tuple[str, ...], object], object] = {}


def _verdict(header: str | None, allowed: tuple[str, ...], server: str | None) -> bool | None:
    host = host_name(header or "")
    if allowed:
        return _matches(host, tuple(a.lower() for a in allowed))
    if server is not None and _is_loopback_ip(server):
        return is_loopback_name(host)
    return None


def checked_host(scope: Scope) -> bool:
    """Whether the `Host` header may go into a URL the server builds (`Location`): it
    passed the check. Otherwise the server's own address is used."""
    return host_allowed(scope) is True


class BrowserGuard:
    """Pure ASGI middleware: refuses rebinding hosts and cross-origin control changes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self.refusal(scope)
            if refusal is not None:
                status, message = refusal
                path = str(scope["path"])
                envelope: Envelope = "control" if path.startswith(CONTROL_PREFIXES) else "api"
                emulator = scope["app"].state.emulator
                response = error_response(envelope, status, message, path=path,
                                          now=emulator.now())
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def refusal(scope: Scope) -> tuple[int, str] | None:
        if host_allowed(scope) is False:
            host = (_header(scope, b"host") or "")[:100]
            return 400, (f"Host '{host}' is not allowed here (DNS rebinding protection); "
                         "list it with --allowed-hosts")
        if scope["method"] not in CHANGING or not str(scope["path"]).startswith("/_mockbsc"):
            return None
        origin = _header(scope, b"origin")
        fetch_site = _header(scope, b"sec-fetch-site")
        own = f"{scope.get('scheme', 'http')}://{(_header(scope, b'host') or '').lower()}"
        if (origin is not None and origin.lower() != own) or fetch_site in ("cross-site",
                                                                           "same-site"):
            return 403, ("cross-origin requests may not change the mock's state "
                         f"(Origin {(origin or fetch_site or '')[:100]!r})")
        media = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        length = _header(scope, b"content-length")
        has_body = (length is not None and length.strip() not in ("", "0")) or \
            _header(scope, b"transfer-encoding") is not None
        if has_body and media != "application/json" and not media.endswith("+json"):
            return 415, (f"Content type '{media or 'none'}' is not supported on the control "
                         "API; use application/json")
        return None
