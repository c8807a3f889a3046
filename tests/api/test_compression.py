"""`Compression` sends what Starlette's `GZipMiddleware` sends, message for message, to a client
that accepts gzip, and the app's own messages, untouched (no `Vary`), to any other, for every
kind of response the app makes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import Message, Receive, Scope, Send

from mockbsc.api.compression import Compression

JSON = [(b"content-type", b"application/json;charset=UTF-8"), (b"content-length", b"11")]
RESPONSES: dict[str, tuple[list[Message], bytes]] = {
    "json": ([{"type": "http.response.start", "status": 200, "headers": JSON}], b'{"a":"bcd"}'),
    "empty": ([{"type": "http.response.start", "status": 201,
                "headers": [(b"content-type", b"application/json")]}], b""),
    "png": ([{"type": "http.response.start", "status": 200,
              "headers": [(b"content-type", b"image/png")]}], b"\x89PNG...."),
    "video": ([{"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"video/mp4; codecs=x")]}], b"frames"),
    "encoded": ([{"type": "http.response.start", "status": 200,
                  "headers": [*JSON, (b"content-encoding", b"br")]}], b"brotli"),
    "partial": ([{"type": "http.response.start", "status": 206, "headers": JSON}], b"part"),
    "vary": ([{"type": "http.response.start", "status": 200,
               "headers": [*JSON, (b"vary", b"Origin"), (b"vary", b"Cookie")]}], b"{}"),
    "untyped": ([{"type": "http.response.start", "status": 200}], b"plain"),
    "one byte": ([{"type": "http.response.start", "status": 200, "headers": JSON}], b"1"),
}
# Sent as they are, never compressed: a file by path, and early hints before the answer.
PASSED_ON = ("pathsend", "pathsend png", "early hint")


def _app(kind: str, streamed: bool) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if kind.startswith("pathsend"):
            start = RESPONSES["png" if kind.endswith("png") else "json"][0][0]
            await send({**start, "headers": list(start["headers"])})
            await send({"type": "http.response.pathsend", "path": "/tmp/answer.json"})
            return
        if kind == "early hint":
            await send({"type": "http.response.early_hint", "links": ["</a.css>; rel=preload"]})
        start, body = RESPONSES["json" if kind == "early hint" else kind]
        await send({**start[0], "headers": list(start[0].get("headers", []))}
                   if "headers" in start[0] else dict(start[0]))
        if streamed:
            await send({"type": "http.response.body", "body": body[:3], "more_body": True})
            await send({"type": "http.response.body", "body": body[3:], "more_body": False})
        else:
            await send({"type": "http.response.body", "body": body})
    return app


def _messages(middleware: Any, accept: bytes | None) -> list[Message]:
    headers = [(b"host", b"127.0.0.1")] + ([(b"accept-encoding", accept)] if accept else [])
    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers}
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append({**message, "headers": list(message["headers"])}
                    if "headers" in message else dict(message))

    asyncio.run(middleware(scope, receive, send))
    return sent


ACCEPTS_GZIP = [b"gzip", b"br, gzip;q=0.5"]


@pytest.mark.parametrize("kind", sorted(RESPONSES) + list(PASSED_ON))
@pytest.mark.parametrize("streamed", [False, True])
@pytest.mark.parametrize("accept", ACCEPTS_GZIP)
def test_same_messages_as_starlettes_gzip(kind: str, streamed: bool, accept: bytes) -> None:
    theirs = _messages(GZipMiddleware(_app(kind, streamed), minimum_size=1, compresslevel=6),
                       accept)
    ours = _messages(Compression(_app(kind, streamed), minimum_size=1, compresslevel=6),
                     accept)
    assert ours == theirs


@pytest.mark.parametrize("kind", sorted(RESPONSES) + list(PASSED_ON))
@pytest.mark.parametrize("streamed", [False, True])
@pytest.mark.parametrize("accept", [None, b"identity", b"br"])
def test_the_apps_own_messages_without_gzip(kind: str, streamed: bool,
                                            accept: bytes | None) -> None:
    """No `Vary: Accept-Encoding` added (the platform sends none, S4), nothing held back."""
    plain = _messages(_app(kind, streamed), accept)
    ours = _messages(Compression(_app(kind, streamed), minimum_size=1, compresslevel=6),
                     accept)
    assert ours == plain


def test_only_the_first_accept_encoding_counts() -> None:
    """Starlette reads the first header of a name; a second `Accept-Encoding: gzip` is not
    honoured by either."""
    scope_headers = [(b"accept-encoding", b"identity"), (b"accept-encoding", b"gzip")]
    for middleware in (GZipMiddleware, Compression):
        sent: list[Message] = []

        async def send(message: Message, sent: list[Message] = sent) -> None:
            sent.append(message)

        async def receive() -> Message:
            return {"type": "http.request", "body": b""}

        asyncio.run(middleware(_app("json", False), minimum_size=1)(
            {"type": "http", "headers": scope_headers}, receive, send))
        assert (b"content-encoding", b"gzip") not in sent[0]["headers"]
