"""The pure ASGI middleware that holds back the answer to a mutating request until the state
file has committed it (`mockbsc.adapters.persister`): an acknowledged change survives a crash,
and a change that could not be saved is never acknowledged (503 in the call's envelope).

Pure ASGI, like the journal's: it only waits before passing `http.response.start` on.
"""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockbsc.adapters.persister import Persister
from mockbsc.api.errors import Envelope, error_response

READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})


def envelope_of(path: str) -> Envelope:
    if path.startswith("/_mockbsc"):
        return "control"
    return "auth" if path.endswith("/oauth/token") else "api"


class DurableMiddleware:
    def __init__(self, app: ASGIApp, persister: Persister) -> None:
        self.app = app
        self.persister = persister

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in READ_ONLY:
            await self.app(scope, receive, send)
            return
        persister = self.persister
        refused = False

        async def committed_first(message: Message) -> None:
            nonlocal refused
            if refused:
                return  # the body of an answer replaced by the 503 below
            # A refused call (4xx/5xx) changed nothing: the hostile-input tests hold every
            # operation to that, so it need not wait for a commit.
            if message["type"] == "http.response.start" and message["status"] < 400:
                ticket = persister.request()
                if not await anyio.to_thread.run_sync(persister.wait, ticket):
                    refused = True
                    await self._unsaved(scope, send)
                    return
            await send(message)

        await self.app(scope, receive, committed_first)

    async def _unsaved(self, scope: Scope, send: Send) -> None:
        path = scope["path"]
        reason = self.persister.failure or "the commit did not complete in time"
        response = error_response(
            envelope_of(path), 503,
            f"The change was not saved: state file {self.persister.store.path}: {reason}",
            path=path, now=self.persister.emulator_of().now(), headers={"Retry-After": "1"})
        await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
