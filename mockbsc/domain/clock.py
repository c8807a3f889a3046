"""The one source of time for everything the emulator does (expiry, queues, usage, retries)."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from mockbsc.domain.errors import ClockError, InvalidRequestError

ClockMode = Literal["system", "manual"]


class Clock(Protocol):
    """What the domain needs of time: read it, and (for the control API) move it forward."""

    mode: ClockMode

    def now(self) -> datetime: ...

    def advance(self, seconds: float) -> datetime: ...

    def set(self, moment: datetime) -> datetime: ...


class SystemClock:
    """Wall-clock time plus an offset, so that the control API can still move time forward.

    Why an offset and not a frozen time: a laptop user wants tokens and queues to run in real
    time, yet still skip ahead ("what does the SIM look like tomorrow?").
    """

    mode: ClockMode = "system"

    def __init__(self) -> None:
        self._offset = 0.0

    @property
    def offset_seconds(self) -> float:
        return self._offset

    def now(self) -> datetime:
        if self._offset:
            return datetime.fromtimestamp(time.time() + self._offset, UTC)
        return datetime.now(UTC)  # a quarter cheaper; read several times per request

    def advance(self, seconds: float) -> datetime:
        self._offset += seconds
        return self.now()

    def set(self, moment: datetime) -> datetime:
        """Move to `moment`; never backwards, because queued work must not run twice."""
        offset = moment.timestamp() - time.time()
        if offset < self._offset - 1e-6:
            raise ClockError(f"cannot move the clock back to {moment.isoformat()}")
        self._offset = offset
        return self.now()


class ManualClock:
    """Frozen time that only moves when told to: deterministic tests and demos."""

    mode: ClockMode = "manual"

    def __init__(self, start: datetime | None = None) -> None:
        # Kept in UTC: the wire formats print the fields of this datetime followed by +0000.
        self._now = start.astimezone(UTC) if start is not None else DEFAULT_EPOCH
        self._start = self._now

    @property
    def offset_seconds(self) -> float:
        return (self._now - self._start).total_seconds()

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, moment: datetime) -> datetime:
        """Move to `moment`; never backwards, because queued work must not run twice."""
        if moment < self._now:
            raise ClockError(f"cannot move the clock back to {moment.isoformat()}")
        self._now = moment.astimezone(UTC)  # a `+02:00` instant would be printed as `+0000`
        return self._now


DEFAULT_EPOCH = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)
"""The clock never moves past this: token expiry, quotas and retry windows are added to the
current time, and near year 9999 that overflows (every token request answered 500)."""


def check_target(now: datetime, seconds: float | None = None,
                 moment: datetime | None = None) -> datetime:
    """The moment `seconds` after `now` (or `moment`), if the clock may move there.

    Raises:
        InvalidRequestError: seconds that are not a finite number, or a moment past `LATEST`.
    """
    if seconds is not None:
        if not math.isfinite(seconds):
            raise InvalidRequestError(f"seconds: {seconds} is not a finite number")
        if seconds > (LATEST - now).total_seconds():
            raise InvalidRequestError(
                f"seconds: the clock cannot move past {LATEST.isoformat()}")
        moment = now + timedelta(seconds=seconds)
    assert moment is not None
    if moment > LATEST:
        raise InvalidRequestError(f"now: the clock cannot move past {LATEST.isoformat()}")
    return moment
