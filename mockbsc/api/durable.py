"""The pure ASGI middleware that holds back the answer to a mutating request until the state
file has committed it (see `mockbsc.adapters.state_file`): an acknowledged change survives a crash.

Pure ASGI, like the journal's: it only waits before passing `http.response.start` on.
"""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockbsc.adapters.state_file import Persister

READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})


class DurableMiddleware:
    def __init__(self, app: ASGIApp, persister: Persister) -> None:
        self.app = app
        self.persister = persister

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in READ_ONLY:
            await self.app(scope, receive, send)
            return
        persister = self.persister

        async def committed_first(message: Message) -> None:
            # A refused call (4xx/5xx) changed nothing: the hostile-input tests hold every
            # operation to that, so it need not wait for a commit.
            if message["type"] == "http.response.start" and message["status"] < 400:
                ticket = persister.request()
                await anyio.to_thread.run_sync(persister.wait, ticket)
            await send(message)

        await self.app(scope, receive, committed_first)
