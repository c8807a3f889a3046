"""How mockbsc listens: uvicorn's options and a protocol that bounds every connection.

uvicorn arms its keep-alive timer only after a response, so a client that connects and sends
nothing, or dribbles its headers a byte at a time, holds a socket (and a file descriptor)
forever (issue 12). `guarded_protocol()` wraps uvicorn's HTTP protocol class with three rules:

* the request head must arrive within `header_timeout` seconds of the connection opening or
  of the previous response (else 408, or a silent close if nothing came);
* at most `max_connections` connections are open; the next one is answered 503 and closed;
* malformed HTTP gets a JSON 400 (uvicorn answers plain text), and so does a request head
  larger than `MAX_HEAD_BYTES`: h11 refuses one by itself, httptools (the default since
  uvicorn comes with its `standard` extras) would read it until the header deadline.

The wrapper uses only what both of uvicorn's protocols (h11 and httptools) have:
`connection_made`, `data_received`, `on_response_complete`, `connection_lost`,
`send_400_response`, `connections`, `cycle` and `transport`.
"""

from __future__ import annotations

import asyncio
import importlib.util
from typing import TYPE_CHECKING, Any

from mockbsc.api.errors import raw_error
from mockbsc.config import Settings

MAX_HEAD_BYTES = 16 * 1024
"""h11's limit on a request head, kept with httptools (Tomcat, under Spring Boot, allows 8 KiB
of headers and answers 400 beyond)."""

if TYPE_CHECKING:
    import uvicorn
    from starlette.types import ASGIApp


def base_protocol() -> type[asyncio.Protocol]:
    """uvicorn's choice for `http="auto"`: httptools when installed, else h11."""
    if importlib.util.find_spec("httptools") is not None:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return HttpToolsProtocol
    from uvicorn.protocols.http.h11_impl import H11Protocol

    return H11Protocol


def guarded_protocol(settings: Settings,
                     base: type[asyncio.Protocol] | None = None) -> type[asyncio.Protocol]:
    """`base` (default: `base_protocol()`) with the header deadline, the connection cap and
    JSON answers to malformed requests, configured from `settings`."""
    parent: Any = base or base_protocol()
    header_timeout = settings.header_timeout
    max_connections = settings.max_connections

    class Guarded(parent):  # type: ignore[misc]
        _deadline: asyncio.TimerHandle | None = None  # the timer, while one is pending
        _due: float | None = None  # loop time the awaited head is due by; None: none awaited
        _partial = False
        _head_bytes = 0

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            if len(self.connections) > max_connections:
                transport.write(raw_error(503, f"more than {max_connections} connections are "
                                               "open; try again later"))
                transport.close()
                return
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._head_done():
                self._disarm()
                self._head_bytes = 0
            elif not self.transport.is_closing():
                self._partial = True
                self._head_bytes += len(data)
                if self._head_bytes > MAX_HEAD_BYTES:
                    self.send_400_response(f"request head is larger than {MAX_HEAD_BYTES} "
                                           "bytes")

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self._head_done():  # waiting for the next request's head
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel()
            super().connection_lost(exc)

        def send_400_response(self, msg: str) -> None:
            self._cancel()
            self.transport.write(raw_error(400, f"Invalid HTTP request: {msg}"))
            self.transport.close()

        def _head_done(self) -> bool:
            cycle = self.cycle
            return cycle is not None and not cycle.response_complete

        def _arm(self) -> None:
            """Await a head by `header_timeout` from now. The pending timer, if any, is kept
            (it moves on to the new deadline when it fires): making and cancelling a timer
            per request was a few percent of a keep-alive request's CPU time."""
            self._partial = False
            self._head_bytes = 0
            self._due = self.loop.time() + header_timeout
            if self._deadline is None:
                self._deadline = self.loop.call_at(self._due, self._expire)

        def _disarm(self) -> None:
            self._due = None  # a pending timer finds nothing awaited when it fires

        def _cancel(self) -> None:
            self._due = None
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expire(self) -> None:
            self._deadline = None
            if self._due is None:
                return
            if self.loop.time() < self._due:  # re-armed since it was set: wait on
                self._deadline = self.loop.call_at(self._due, self._expire)
                return
            self._due = None
            if self.transport.is_closing() or self._head_done():
                return
            if self._partial:
                self.transport.write(raw_error(408, "the request head did not arrive within "
                                                    f"{header_timeout:g} s"))
            self.transport.close()

    Guarded.__name__ = Guarded.__qualname__ = f"Guarded{parent.__name__}"
    return Guarded


def uvicorn_config(app: ASGIApp, settings: Settings, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for mockbsc: the guarded protocol, the keep-alive timeout, no
    websockets, no access log; `options` (host, port, log_level, lifespan, …) are passed on."""
    import uvicorn

    options.setdefault("access_log", False)
    options.setdefault("ws", "none")  # no websockets; importing them brings deprecations
    # The platform sends no `Server` header (S4: none of the 21 recordings has one), and
    # each header costs uvicorn two regex checks per response (issue 14's hot path).
    options.setdefault("server_header", False)
    keep_alive: Any = settings.keep_alive_timeout  # typed int, used as a delay: 0.5 works
    return uvicorn.Config(app, http=guarded_protocol(settings), timeout_keep_alive=keep_alive,
                          **options)
