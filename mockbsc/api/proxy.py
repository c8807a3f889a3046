"""`mockbsc proxy`: a validating, recording proxy in front of any BSC-compatible server.

Every call under `/management-api` goes to the upstream unchanged (method, path, query,
headers but the hop-by-hop ones, body) and its answer comes back unchanged (status, headers,
body). Meanwhile the exchange is judged against the contract
(`mockbsc.contract.conformance`): each broken rule is kept, with the operation, the side,
the rule, the detail and the exchange's id, at `GET /_mockbsc/violations` and logged. With a
record directory each exchange is also written as a VCR.py cassette, secrets removed
(`mockbsc.adapters.cassettes`). `/health` answers locally.

Judging and writing happen after the answer is read, off the event loop
(`run_in_threadpool`), so a large listing does not stall other calls.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockbsc.adapters import cassettes
from mockbsc.config import VERSION
from mockbsc.contract.conformance import Conformance, Exchange

LOG = logging.getLogger("mockbsc.proxy")
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-connection",
                        "te", "trailer", "transfer-encoding", "upgrade", "host",
                        "content-length"})
MAX_KEPT = 10_000  # violations kept in memory; the oldest go first (all are logged)
MAX_BODY_BYTES = 64 * 1024 * 1024  # a larger request body is refused (413), never buffered


@dataclass(frozen=True, slots=True)
class ProxyViolation:
    exchange: int
    operation: str | None
    side: str
    rule: str
    detail: str
    method: str
    path: str
    status: int


class Violations:
    """The violations seen so far (bounded), safe across threads."""

    def __init__(self, limit: int = MAX_KEPT) -> None:
        self._items: deque[ProxyViolation] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def add(self, items: list[ProxyViolation]) -> None:
        with self._lock:
            self._items.extend(items)

    def list(self) -> list[ProxyViolation]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def create_proxy_app(upstream: str, record: Path | None = None,
                     transport: httpx.AsyncBaseTransport | None = None,
                     conformance: Conformance | None = None,
                     max_body_bytes: int = MAX_BODY_BYTES) -> Starlette:
    """The proxy's ASGI app. `upstream` is the server's root (`http://host:port`, the part
    before `/management-api`); `transport` lets tests put an app in its place."""
    judge = conformance or Conformance()
    base = judge.base
    violations = Violations()
    counter = itertools.count(1)
    root = upstream.rstrip("/")
    if root.endswith(base):
        root = root[: -len(base)]
    if record is not None:
        record.mkdir(parents=True, exist_ok=True)
    state: dict[str, httpx.AsyncClient] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with httpx.AsyncClient(base_url=root, transport=transport, timeout=60.0,
                                     follow_redirects=False) as client:
            state["client"] = client
            yield

    async def forward(request: Request) -> Response:
        client = state.get("client")
        if client is None:  # served without its lifespan: one client, closed at exit
            client = state["client"] = httpx.AsyncClient(base_url=root, transport=transport)
        body = await _read_body(request, max_body_bytes)
        if body is None:
            return JSONResponse({"status": 413, "error": "Payload Too Large",
                                 "message": f"request body over {max_body_bytes} bytes",
                                 "path": request.url.path}, status_code=413)
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
        try:
            answer = await client.request(request.method, request.url.path,
                                          params=request.url.query or None,
                                          headers=headers, content=body)
        except httpx.HTTPError as exc:
            LOG.warning("upstream %s unreachable: %s", root, exc)
            return JSONResponse({"status": 502, "error": "Bad Gateway",
                                 "message": f"upstream {root}: {exc}",
                                 "path": request.url.path}, status_code=502)
        number = next(counter)
        exchange = Exchange(request.method, request.url.path, request.url.query,
                            dict(request.headers), body, answer.status_code,
                            dict(answer.headers), answer.content)
        await run_in_threadpool(_after, number, exchange, request, answer)
        out_headers = [(k, v) for k, v in answer.headers.multi_items()
                       if k.lower() not in HOP_BY_HOP and k.lower() != "content-encoding"]
        response = Response(answer.content, status_code=answer.status_code)
        response.raw_headers = [*[(k.lower().encode("latin-1"), v.encode("latin-1"))
                                  for k, v in out_headers],
                                (b"content-length", str(len(answer.content)).encode())]
        return response

    def _after(number: int, exchange: Exchange, request: Request,
               answer: httpx.Response) -> None:
        operation, issues = judge.check(exchange)
        found = [ProxyViolation(number, operation, i.side, i.rule, i.detail, exchange.method,
                                exchange.path, exchange.status) for i in issues]
        for v in found:
            LOG.warning("contract violation: exchange %d %s %s (%s) %s %s: %s", number,
                        v.method, v.path, v.operation, v.side, v.rule, v.detail)
        violations.add(found)
        if record is not None:
            uri = root + exchange.path + (f"?{exchange.query}" if exchange.query else "")
            recording = cassettes.Recording(
                method=exchange.method, uri=uri, status=exchange.status,
                request_headers=_multi(request.headers.items()),
                request_body=exchange.request_body.decode("utf-8", "replace"),
                response_headers=_multi(answer.headers.multi_items()),
                response_body=answer.content.decode("utf-8", "replace"),
                message=answer.reason_phrase)
            cassettes.write(record / f"{number:06d}-{operation or 'unrouted'}.yaml",
                            [recording])

    async def list_violations(request: Request) -> Response:
        return JSONResponse([asdict(v) for v in violations.list()])

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": VERSION, "mode": "proxy",
                             "upstream": root, "violations": len(violations.list())})

    routes = [
        Route("/health", health, methods=["GET"]),
        Route("/_mockbsc/health", health, methods=["GET"]),
        Route("/_mockbsc/violations", list_violations, methods=["GET"]),
        Route(base + "/{rest:path}", forward,
              methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.violations = violations
    return app


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is longer than `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdecimal() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _multi(items: Any) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for key, value in items:
        headers.setdefault(key, []).append(value)
    return headers
