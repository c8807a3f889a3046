"""The platform's rate limits, measured on the emulator clock (off unless switched on).

api-facts.md §1: `/orders`, `/products` (and `/support`) allow 100 requests per IP per
5 minutes; `/sims` calls are limited to 10 requests per second per organisation; excess gets
429. A sliding window per key: a manual clock makes the limits testable without waiting.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `requests` calls per `window` seconds, counted per client or organisation."""

    name: str
    prefixes: tuple[str, ...]
    requests: int
    window: float
    per: str  # "client" (IP address) or "org"

    def applies_to(self, path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in self.prefixes)


PLATFORM_LIMITS = (
    Limit("orders-products", ("/v1/orders", "/v1/products"), 100, 300.0, "client"),
    Limit("sims", ("/v1/sims",), 10, 1.0, "org"),
)
PROFILES: dict[str, tuple[Limit, ...]] = {"off": (), "platform": PLATFORM_LIMITS}


class RateLimited(Exception):
    """The call is over a limit; `retry_after` is whole seconds until one more fits."""

    def __init__(self, limit: Limit, retry_after: int) -> None:
        per = "organisation" if limit.per == "org" else "client"
        super().__init__(f"Rate limit exceeded: at most {limit.requests} requests per "
                         f"{limit.window:g} s per {per} on {', '.join(limit.prefixes)}")
        self.limit = limit
        self.retry_after = retry_after


class RateLimiter:
    """Sliding-window counters; a rejected call does not count against the window."""

    def __init__(self, profile: str = "off") -> None:
        self.profile = profile
        self.limits = PROFILES[profile]
        self._calls: dict[tuple[str, str], deque[datetime]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()

    def check(self, path: str, client: str | None, org_id: int | None, now: datetime) -> None:
        """Count a call to `path` (under the API base); raise RateLimited when over a limit.

        Calls without the key a limit counts by (an unauthenticated `/v1/sims` call has no
        organisation) are not limited: they fail authentication anyway.
        """
        if not self.limits:
            return
        with self._lock:
            for limit in self.limits:
                if not limit.applies_to(path):
                    continue
                key = client if limit.per == "client" else (
                    None if org_id is None else str(org_id))
                if key is None:
                    continue
                calls = self._calls.setdefault((limit.name, key), deque())
                horizon = now - timedelta(seconds=limit.window)
                while calls and calls[0] <= horizon:
                    calls.popleft()
                if len(calls) >= limit.requests:
                    wait = (calls[0] - horizon).total_seconds()
                    raise RateLimited(limit, max(1, math.ceil(wait)))
                calls.append(now)
