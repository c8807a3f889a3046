"""`Front`'s shortcut (straight to the journal) answers exactly as its whole chain (gzip,
sandbox dispatch, browser guard, journal) does, for every kind of call it takes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.types import Message

from mockbsc.api.app import build_emulator, create_app
from mockbsc.api.front import Front
from mockbsc.config import Settings
from tests.conftest import API

CALLS = [
    ("GET", f"{API}/v1/sims/{{iccid}}", b"", []),
    ("GET", f"{API}/v1/sims", b"", [(b"accept-encoding", b"identity")]),
    ("GET", f"{API}/v1/sims", b"", [(b"accept-encoding", b"gzip")]),  # the chain's gzip
    ("PUT", f"{API}/v1/sims/{{iccid}}", b'{"label": "front"}',
     [(b"content-type", b"application/json")]),
    ("PUT", f"{API}/v1/sims/{{iccid}}", b'{"label": 7}', [(b"content-type", b"application/json")]),
    ("GET", f"{API}/v1/no-such-thing", b"", []),  # 404
    ("DELETE", f"{API}/v1/sims/{{iccid}}", b"", []),  # 405
    ("GET", "/health", b"", []),
    ("GET", f"{API}/v1/sims", b"", [(b"host", b"evil.example")]),  # the guard refuses
    ("POST", "/_mockbsc/reset", b"", [(b"origin", b"http://evil.example")]),  # refused too
]


def _answer(target: Any, app: Any, method: str, path: str, body: bytes,
            headers: list[tuple[bytes, bytes]], token: str) -> list[Message]:
    names = {name for name, _ in headers}
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "server": ("127.0.0.1", 8080), "client": ("127.0.0.1", 5000),
        "app": app, "state": {},
        "headers": ([] if b"host" in names else [(b"host", b"127.0.0.1:8080")])
        + [(b"authorization", f"Bearer {token}".encode())] + headers
        + ([(b"content-length", str(len(body)).encode())] if body else [])}
    sent: list[Message] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Message:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(target(scope, receive, send))
    return sent


IDS = ["get sim", "list identity", "list gzip", "put sim", "put invalid", "404", "405",
       "health", "foreign host", "cross-origin reset"]


@pytest.mark.parametrize(("method", "path", "body", "headers"), CALLS, ids=IDS)
def test_the_shortcut_answers_as_the_whole_chain(method: str, path: str, body: bytes,
                                                 headers: list[tuple[bytes, bytes]]) -> None:
    answers = []
    for shortcut in (True, False):
        emulator = build_emulator(Settings(clock="manual", sims=20))
        app = create_app(emulator)
        front = app.build_middleware_stack().app  # under Starlette's ServerErrorMiddleware
        assert isinstance(front, Front)
        token = emulator.issue_token("demo", "demo-password")[0].value
        iccid = next(s.iccid for s in emulator.sims.all()
                     if s.org_id == emulator.scenario.default_org_id)
        target = front if shortcut else front.chain
        answers.append(_answer(target, app, method, path.format(iccid=iccid), body, headers,
                               token))
        journal = [(e.method, e.path, e.status, e.operation) for e in emulator.journal.entries()]
        answers.append(journal)
    assert answers[0] == answers[2]  # the same messages
    assert answers[1] == answers[3]  # the same journal entries
    assert answers[0][0]["type"] == "http.response.start"
