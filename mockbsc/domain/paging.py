"""Pages and sort keys of the platform's listings (SIMs, events, SMS, orders).

Every listing answers with one page plus the totals that the `X-Total-Count`/`X-Total-Pages`
headers report, and takes `sort` as a comma list of fields, `-` for descending.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(slots=True, frozen=True)
class Page(Generic[T]):
    """One page of a listing plus the totals the `X-*` pagination headers report."""

    items: Sequence[T]
    page: int
    page_size: int
    total: int

    @property
    def total_pages(self) -> int:
        """At least 1: an empty listing is one empty page, so that a client looping
        `while currentPage != totalPages` (1NCE's own onboarding code) ends."""
        return max(1, -(-self.total // self.page_size))


def paginate(items: Sequence[T], page: int, page_size: int) -> Page[T]:
    start = (page - 1) * page_size
    return Page(items[start : start + page_size], page, page_size, len(items))


def parse_sort(sort: str | None, allowed: Iterable[str]) -> list[tuple[str, bool]]:
    """`"-imei,ip_address"` -> [("imei", True), ("ip_address", False)] (True = descending);
    keys not in `allowed` are left out, as the platform ignores them (1NCE's own example
    sorts SMS by `status,ip_address`)."""
    keys: list[tuple[str, bool]] = []
    allowed_set = set(allowed)
    for part in (sort or "").split(","):
        part = part.strip()
        if not part:
            continue
        descending = part.startswith("-")
        name = part.lstrip("-+")
        if name in allowed_set:  # the platform ignores keys it does not know (issue 13)
            keys.append((name, descending))
    return keys
