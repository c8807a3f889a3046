"""The cyclic garbage collector of `mockbsc serve`: full passes when the server is idle.

CPython's collector has three generations. It makes a full pass, over every tracked object
that is not frozen, once ten passes over the middle generation went by and the old one grew
by a quarter. `serve` freezes the seeded fleet at start-up (`gc.freeze()`), but what requests
load and make later is not frozen: the usage history of each SIM read, orders, events. A full
pass over the histories of the 2,000 SIMs the benchmark reads took 15 ms, every connection
waiting: the `GET` p99 at 32 connections was 6-8 ms with them, 4.5-4.8 ms with the collector
off. Under top-ups, whose state grows, the passes grew with it (p99 45-137 ms; 5-7 ms
without them). Measured for issue 14 (docs/performance.md, round 5).

So `serve` switches CPython's own full passes off (the young and middle ones stay as they
are) and an `IdleCollector` thread makes them when the server is idle: no request completed
since its last look and none in flight, once as many middle passes went by as CPython waits
for. A server that is never idle still gets one after `force` middle passes, but no sooner
than `spacing` times the last full pass's own duration after it: forced passes take at most
that share of the time, however big the state grows, and cyclic garbage stays bounded.

Servers in the user's own process (`MockBSCServer`, the pytest plugin) leave that process's
collector as it is.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable

LOG = logging.getLogger(__name__)

FULL_PASS_DUE = 10  # middle passes before a full one: CPython's own threshold
NEVER = 1 << 30  # CPython's threshold for its full passes, while the collector makes them


def _middle_passes() -> int:
    """Middle-generation passes since the last full pass (CPython's own count)."""
    return gc.get_count()[2]


class IdleCollector:
    """Makes the collector's full passes itself, when the server is idle (see the module).

    Args:
        activity: (requests completed so far, requests in flight), read at each look.
        tick: seconds between looks; idle means nothing completed since the last look and
            nothing runs.
        due: middle passes after which an idle server gets a full pass.
        force: middle passes after which a busy server gets one.
        spacing: a forced pass comes no sooner than this many times the last full pass's
            duration after it.
        middle_passes: middle passes since the last full pass.
        collect: makes a full pass.
        clock: seconds, monotonic.
    """

    def __init__(self, activity: Callable[[], tuple[int, int]], *, tick: float = 0.25,
                 due: int = FULL_PASS_DUE, force: int = 100, spacing: float = 50.0,
                 middle_passes: Callable[[], int] = _middle_passes,
                 collect: Callable[[], object] = gc.collect,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.activity = activity
        self.tick = tick
        self.due = due
        self.force = force
        self.spacing = spacing
        self.middle_passes = middle_passes
        self.collect = collect
        self.clock = clock
        self.passes = {"idle": 0, "forced": 0}  # full passes made, by why
        self._seen: int | None = None
        self._last_end = clock()
        self._last_took = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._thresholds: tuple[int, int, int] | None = None

    def step(self) -> str | None:
        """One look: "idle" or "forced" when it made a full pass, else None."""
        completed, in_flight = self.activity()
        quiet = completed == self._seen and in_flight == 0
        self._seen = completed
        pending = self.middle_passes()
        now = self.clock()
        if quiet and pending >= self.due:
            why = "idle"
        elif pending >= self.force and now - self._last_end >= self.spacing * self._last_took:
            why = "forced"
        else:
            return None
        self.collect()
        self._last_end = self.clock()
        self._last_took = self._last_end - now
        self.passes[why] += 1
        LOG.debug("full garbage collection (%s, after %d middle passes): %.1f ms", why,
                  pending, self._last_took * 1000)
        return why

    def start(self) -> None:
        """Switch CPython's own full passes off and start looking, in a daemon thread."""
        self._thresholds = young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, NEVER)
        self._thread = threading.Thread(target=self._run, name="mockbsc-collector",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop looking and give CPython its full passes back."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)

    def _run(self) -> None:
        while not self._stop.wait(self.tick):
            self.step()
