"""The SMS forwarder's retry schedule, as data.

The platform retries a forwarder that does not answer 2xx with a growing back-off (first retry
about 5 minutes, the second about 15 minutes after the message) for 24 hours, then gives up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When to try again: `first_retry` seconds after the first attempt, each wait `factor`
    times the one before but at most `max_interval`, a last try at `window` after the message
    was produced, then give up."""

    first_retry: float = 300.0
    factor: float = 2.0
    max_interval: float = 4 * 3600.0
    window: float = 24 * 3600.0

    def next_attempt(self, created: datetime, last: datetime, attempts: int) -> datetime | None:
        """The moment of the next try after `attempts` failed ones, the last at `last`; None
        when the window is over. A message that waited behind an earlier one past its window
        still gets its one try, because the receiver may be up again by then."""
        deadline = created + timedelta(seconds=self.window)
        if last >= deadline:
            return None
        delay = min(self.first_retry * self.factor ** max(attempts - 1, 0), self.max_interval)
        return min(last + timedelta(seconds=delay), deadline)
