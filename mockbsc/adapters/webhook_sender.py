"""`HttpSender`: the real webhook sender, pushing SMS forwarder messages to receivers by aiohttp.

It is called from whichever thread drives deliveries (the app's pump worker or a clock-advance
request's worker thread), never from the app's event loop and never under the emulator lock;
the calls themselves run on the senders' own event loop thread. Each call has a total
deadline, and at most `concurrency` calls of a batch are in flight at once.

aiohttp rather than httpx (which the rest of mockbsc uses): measured A/B on the same receiver,
an httpx call cost 2.2-2.5 ms of CPU and an aiohttp one 0.28-0.33 ms (httpcore's connection
pool and anyio's stream layers are most of httpx's cost); deliveries/s is bound by that CPU.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from mockbsc.config import VERSION, Settings
from mockbsc.domain.sms.outbox import Outcome, Outgoing

if TYPE_CHECKING:
    import aiohttp

Renderer = Callable[[Outgoing], bytes]
"""The exact bytes of a delivery's body (the wire format is the API layer's to decide)."""


_HEADERS = {"Content-Type": "application/json"}
_UNSENT = Outcome(error="not sent")  # a placeholder every worker overwrites

MAX_ANSWER_BYTES = 64 * 1024
"""How much of a receiver's answer is read: only its status counts, and a receiver that sends
400 MB must not fill the memory (issue 12); the rest is left unread."""


class HttpSender:
    """Sends batches of webhook attempts; a receiver's failure becomes an `Outcome`.

    Every call has a *total* deadline of `timeout` seconds (connect, send, the answer's head
    and up to `MAX_ANSWER_BYTES` of its body): a receiver that answers one byte every two
    seconds no longer holds a delivery, and the messages queued behind it, for minutes.
    Batches run on one event loop in a daemon thread shared by every sender of the process,
    with one client whose connections stay open between batches: a clock move releases its
    retries one moment at a time, often one attempt per batch, and a new loop, client and
    connection per batch capped deliveries at about a thousand per second.
    """

    def __init__(self, render: Renderer, timeout: float = 5.0, concurrency: int = 8) -> None:
        self.render = render
        self.timeout = timeout
        self.concurrency = max(1, concurrency)

    @classmethod
    def from_settings(cls, settings: Settings, render: Renderer) -> HttpSender:
        return cls(render, settings.webhook_timeout, settings.webhook_concurrency)

    def send(self, batch: Sequence[Outgoing]) -> list[Outcome]:
        if not batch:
            return []
        return asyncio.run_coroutine_threadsafe(self._batch(batch), _shared.loop()).result()

    async def _batch(self, batch: Sequence[Outgoing]) -> list[Outcome]:
        """At most `concurrency` calls at once, each under its own total deadline: that many
        workers take the batch's attempts in turn (no task per attempt: a clock move may
        release 10,000 at once)."""
        client = _shared.client()
        outcomes: list[Outcome] = [_UNSENT] * len(batch)
        todo = iter(enumerate(batch))

        async def worker() -> None:
            for index, sent in todo:
                outcomes[index] = await self._one(client, sent)

        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(batch)))))
        return outcomes

    async def _one(self, client: aiohttp.ClientSession, sent: Outgoing) -> Outcome:
        body = self.render(sent)
        started = time.perf_counter()
        try:
            status = await self._call(client, sent, body)
        except Exception as exc:  # refused, timeout, DNS, bad URL: the receiver's problem
            # aiohttp's timeouts (ServerTimeoutError, ConnectionTimeoutError) are TimeoutErrors.
            if isinstance(exc, TimeoutError):
                return Outcome(error=sys.intern(f"timeout after {self.timeout:g} s"),
                               duration_ms=_since(started))
            # Interned: a receiver that is down gives each of 10,000 pending deliveries the
            # same text, kept in its attempt log; one copy instead of 10,000 (~150 B each).
            return Outcome(error=sys.intern(f"{type(exc).__name__}: {exc}"),
                           duration_ms=_since(started))
        return Outcome(status=status, duration_ms=_since(started))

    async def _call(self, client: aiohttp.ClientSession, sent: Outgoing, body: bytes) -> int:
        # One total deadline around the whole call: aiohttp's own `total` timeout is not
        # relied on alone, since reading the answer's body happens in this block.
        async with asyncio.timeout(self.timeout), client.request(
                sent.method, sent.url, data=body, headers=_HEADERS) as response:
            read = 0
            async for chunk in response.content.iter_any():
                read += len(chunk)
                if read >= MAX_ANSWER_BYTES:
                    break  # leaving unread: aiohttp closes the connection instead of reusing it
            return response.status


class _Shared:
    """The senders' event loop (uvloop, which comes with mockbsc) in a daemon thread, and
    the one client used on it; made on first use, and again in a forked child."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: aiohttp.ClientSession | None = None

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._thread is None or not self._thread.is_alive():
                try:
                    import uvloop

                    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
                except ImportError:  # pragma: no cover - a dependency (uvicorn[standard])
                    loop = asyncio.new_event_loop()
                self._loop, self._client = loop, None
                self._thread = threading.Thread(target=loop.run_forever, daemon=True,
                                                name="mockbsc-webhooks")
                self._thread.start()
            return self._loop

    def client(self) -> aiohttp.ClientSession:
        """The loop's client (called on that loop only)."""
        if self._client is None:
            import aiohttp  # here: importing it costs a server's start-up about 0.1 s

            # trust_env=False: a proxy from the environment must not swallow calls to
            # localhost. auto_decompress=False: only the answer's status counts.
            self._client = aiohttp.ClientSession(
                trust_env=False, auto_decompress=False,
                headers={"User-Agent": f"mockbsc/{VERSION} (SMS forwarder)"},
                timeout=aiohttp.ClientTimeout())
        return self._client

    def close(self) -> None:
        """At exit: close the client's kept-alive connections on their loop, stop the loop."""
        with self._lock:
            loop, client = self._loop, self._client
            if loop is None or self._thread is None or not self._thread.is_alive():
                return
        if client is not None:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(client.close(), loop).result(timeout=2)
        loop.call_soon_threadsafe(loop.stop)


_shared = _Shared()
atexit.register(_shared.close)


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
