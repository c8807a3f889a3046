"""Work that falls due later (queued SIM updates, resets, order steps, SMS delivery), as data.

Jobs are `(due_at, kind, args)` records rather than closures so that state can be exported and
restored, and so that moving the clock runs them in due order, each at its own moment.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mockbsc.domain.clock import Clock


@dataclass(slots=True, frozen=True)
class Job:
    due_at: datetime
    seq: int
    kind: str = field(compare=False)
    args: tuple[str | int | float, ...] = field(compare=False, default=())

    def __lt__(self, other: Job) -> bool:
        """By due time, then by scheduling order: `order=True`'s rule without its two tuples
        per comparison (a heap push or pop on a busy queue makes a dozen)."""
        due, other_due = self.due_at, other.due_at
        return due < other_due or (due == other_due and self.seq < other.seq)


JobHandler = Callable[..., None]


class Scheduler:
    """A min-heap of jobs ordered by due time, then by the order they were scheduled.

    Each capability registers the runner of its own job kinds (`handles`), so the queue can
    run any job without knowing what the kinds mean.
    """

    def __init__(self, clock: Clock) -> None:
        self._heap: list[Job] = []
        self._seq = 0
        self._clock = clock
        self._handlers: dict[str, JobHandler] = {}
        self._heavy: set[str] = set()

    def handles(self, kind: str, handler: JobHandler, heavy: bool = False) -> None:
        """Register the runner of a job kind; `heavy` kinds (a batch of an order's SIMs) take
        long enough that a server runs them off its event loop."""
        self._handlers[kind] = handler
        if heavy:
            self._heavy.add(kind)

    def after(self, seconds: float, kind: str, *args: str | int | float) -> Job:
        """Schedule a job `seconds` from now on the platform's clock."""
        return self.schedule(self._clock.now() + timedelta(seconds=seconds), kind, *args)

    def run(self, job: Job) -> None:
        """Run one job with the runner registered for its kind."""
        self._handlers[job.kind](*job.args)

    def __len__(self) -> int:
        return len(self._heap)

    def schedule(self, due_at: datetime, kind: str, *args: str | int | float) -> Job:
        self._seq += 1
        job = Job(due_at, self._seq, kind, args)
        heapq.heappush(self._heap, job)
        return job

    def next_due(self) -> datetime | None:
        return self._heap[0].due_at if self._heap else None

    def pop_due(self, until: datetime) -> Job | None:
        """The earliest job due at or before `until`, removed from the queue; else None."""
        if self._heap and self._heap[0].due_at <= until:
            return heapq.heappop(self._heap)
        return None

    def pop_due_light(self, until: datetime) -> Job | None:
        """`pop_due`, but None when the earliest due job is of a heavy kind."""
        if self._heap and self._heap[0].due_at <= until and self._heap[0].kind not in self._heavy:
            return heapq.heappop(self._heap)
        return None

    def jobs(self) -> list[Job]:
        return sorted(self._heap)

    def clear(self) -> None:
        """Empty, numbering from 1 again: a reset's own jobs (the fleet's quota expiry) then
        have the same numbers in a server and in its restore from the change log."""
        self._heap.clear()
        self._seq = 0
