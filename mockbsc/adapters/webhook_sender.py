"""`HttpSender`: the real webhook sender, pushing SMS forwarder messages to receivers by httpx.

It runs in whichever thread drives deliveries (the app's pump worker or a clock-advance
request's worker thread), never in the app's event loop and never under the emulator lock.
Each call has a total deadline, and at most `concurrency` calls are in flight at once across
all batches.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from mockbsc.config import VERSION, Settings
from mockbsc.domain.sms.outbox import Outcome, Outgoing

if TYPE_CHECKING:
    import httpx

Renderer = Callable[[Outgoing], bytes]
"""The exact bytes of a delivery's body (the wire format is the API layer's to decide)."""


MAX_ANSWER_BYTES = 64 * 1024
"""How much of a receiver's answer is read: only its status counts, and a receiver that sends
400 MB must not fill the memory (issue 12); the rest is left unread."""


class HttpSender:
    """Sends batches of webhook attempts; a receiver's failure becomes an `Outcome`.

    Every call has a *total* deadline of `timeout` seconds (connect, send, the answer's head
    and up to `MAX_ANSWER_BYTES` of its body): a receiver that answers one byte every two
    seconds no longer holds a delivery, and the messages queued behind it, for minutes. A
    batch runs on one small event loop in the calling thread, so the deadline cancels a call
    wherever it waits.
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
        return _run_to_end(self._batch(batch))

    async def _batch(self, batch: Sequence[Outgoing]) -> list[Outcome]:
        """One event loop and one client (connections kept alive) for the whole batch, at
        most `concurrency` calls at once, each under its own total deadline."""
        import httpx  # here: importing it costs a server's start-up about 0.1 s

        slots = asyncio.Semaphore(self.concurrency)
        # trust_env=False: a proxy from the environment must not swallow calls to localhost.
        async with httpx.AsyncClient(
            timeout=self.timeout, trust_env=False,
            headers={"User-Agent": f"mockbsc/{VERSION} (SMS forwarder)"},
        ) as client:
            async def one(sent: Outgoing) -> Outcome:
                async with slots:
                    return await self._one(client, sent)

            return list(await asyncio.gather(*(one(sent) for sent in batch)))

    async def _one(self, client: httpx.AsyncClient, sent: Outgoing) -> Outcome:
        body = self.render(sent)
        started = time.perf_counter()
        try:
            status = await self._call(client, sent, body)
        except Exception as exc:  # refused, timeout, DNS, bad URL: the receiver's problem
            # By name too: httpcore's own ReadTimeout may escape httpx's mapping.
            import httpx

            if isinstance(exc, httpx.TimeoutException | TimeoutError) \
                    or "Timeout" in type(exc).__name__:
                return Outcome(error=f"timeout after {self.timeout:g} s",
                               duration_ms=_since(started))
            return Outcome(error=f"{type(exc).__name__}: {exc}", duration_ms=_since(started))
        return Outcome(status=status, duration_ms=_since(started))

    async def _call(self, client: httpx.AsyncClient, sent: Outgoing, body: bytes) -> int:
        async with asyncio.timeout(self.timeout), client.stream(
                sent.method, sent.url, content=body,
                headers={"Content-Type": "application/json"}) as response:
            read = 0
            async for chunk in response.aiter_raw():
                read += len(chunk)
                if read >= MAX_ANSWER_BYTES:
                    break
            return response.status_code


T = TypeVar("T")


def _run_to_end(call: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(call)`, in a helper thread when this one already runs a loop (a test
    that moves the clock from inside an async test)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run(call)
    with ThreadPoolExecutor(1, thread_name_prefix="mockbsc-webhook") as pool:
        return pool.submit(_run, call).result()


def _run(call: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(call)` on uvloop when it is installed (it comes with mockbsc): the
    sender's own CPU time per call is what bounds deliveries per second."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency (uvicorn[standard])
        return asyncio.run(call)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(call)


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
