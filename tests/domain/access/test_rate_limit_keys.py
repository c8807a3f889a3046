"""`RateLimiter` on the domain API: what each limit counts by (a client's calls across
organisations, an organisation's), calls without that key not counted, the wait measured from
the oldest call in the window, and the limit named on the refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mockbsc.domain.access.rate_limits import PLATFORM_LIMITS, RateLimited, RateLimiter

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _refusal(limiter: RateLimiter, path: str, client: str | None, org_id: int | None,
             at: datetime) -> RateLimited:
    with pytest.raises(RateLimited) as caught:
        limiter.check(path, client, org_id, at)
    return caught.value


def test_orders_are_counted_per_client_across_organisations() -> None:
    limiter = RateLimiter("platform")
    for n in range(100):
        limiter.check("/v1/orders", "10.0.0.1", 4321 if n % 2 else 5678, T0)
    refused = _refusal(limiter, "/v1/orders", "10.0.0.1", 1111, T0)
    assert (refused.limit, refused.retry_after) == (PLATFORM_LIMITS[0], 300)
    limiter.check("/v1/orders", "10.0.0.2", 4321, T0)  # another client


def test_sims_calls_are_counted_per_organisation_across_clients() -> None:
    limiter = RateLimiter("platform")
    for n in range(10):
        limiter.check("/v1/sims", f"10.0.0.{n}", 4321, T0)
    refused = _refusal(limiter, "/v1/sims/8988280666030217999", "10.0.0.99", 4321, T0)
    assert (refused.limit, refused.retry_after) == (PLATFORM_LIMITS[1], 1)
    assert str(refused) == ("Rate limit exceeded: at most 10 requests per 1 s per "
                            "organisation on /v1/sims")
    limiter.check("/v1/sims", "10.0.0.1", 5678, T0)  # another organisation


def test_calls_without_the_key_a_limit_counts_by_are_not_counted() -> None:
    limiter = RateLimiter("platform")
    for _ in range(50):
        limiter.check("/v1/sims", "10.0.0.1", None, T0)
        limiter.check("/v1/orders", None, 4321, T0)


def test_the_wait_runs_until_the_oldest_call_leaves_the_window() -> None:
    limiter = RateLimiter("platform")
    limiter.check("/v1/products", "10.0.0.1", 4321, T0)
    later = T0 + timedelta(seconds=100)
    for _ in range(99):
        limiter.check("/v1/products", "10.0.0.1", 4321, later)
    assert _refusal(limiter, "/v1/orders", "10.0.0.1", 4321, later).retry_after == 200
