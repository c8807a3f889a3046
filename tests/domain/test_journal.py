"""`RequestJournal.record_call` keeps what `record(JournalEntry.bounded(...))` keeps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mockbsc.domain.journal import BODY_LIMIT, FIELD_LIMIT, JournalEntry, RequestJournal

AT = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
HEADERS = ((b"host", b"127.0.0.1"), (b"authorization", b"Bearer abc"))


def _fields(n: int, **changes: Any) -> dict[str, Any]:
    return {"at": AT, "method": "PUT", "path": f"/management-api/v1/sims/{n}", "query": "a=1",
            "operation": "updateSimUsingPUT", "status": 200, "duration_ms": 1.5, "org_id": 7,
            "fault": None, "reason": None, "body": b'{"label":"x"}', "body_size": 13,
            "headers": HEADERS, **changes}


CASES = [
    {},
    {"path": "/" + "p" * (FIELD_LIMIT + 5)},
    {"query": "q=" + "x" * FIELD_LIMIT},
    {"body": b"b" * (BODY_LIMIT + 1), "body_size": BODY_LIMIT + 1},
    {"body": b"b" * 10, "body_size": 20},  # the middleware kept part of a longer body
    {"operation": None, "org_id": None, "fault": "slow", "reason": "label: too long"},
    {"path": "/" + "p" * (FIELD_LIMIT - 1), "query": "q" * FIELD_LIMIT},  # at the limit: kept
    {"body": b"b" * BODY_LIMIT, "body_size": BODY_LIMIT},  # at the limit: kept whole
]


@pytest.mark.parametrize("changes", CASES)
def test_record_call_keeps_the_bounded_entry(changes: dict[str, Any]) -> None:
    fields = _fields(1, **changes)
    built, kept = RequestJournal(), RequestJournal()
    built.record(JournalEntry.bounded(**fields))
    returned = kept.record_call(**fields, build=True)
    kept.record_call(**fields)
    assert kept.entries() == [*built.entries(), *built.entries()]
    assert returned == built.entries()[0]
    assert kept.bytes == 2 * built.bytes


class Header(bytes):
    """What an ASGI server may hand over: not `bytes` itself."""


@pytest.mark.parametrize("raw", [
    [(b"host", b"h"), (b"x-api-key", b"k")],  # a scope's list of pairs
    [[b"host", b"h"], [b"x-api-key", b"k"]],  # pairs as lists
    [(Header(b"host"), Header(b"h")), (b"x-api-key", bytearray(b"k"))],
], ids=["list", "lists", "subclasses"])
def test_headers_come_back_as_pairs_of_bytes(raw: Any) -> None:
    journal = RequestJournal()
    journal.record_call(**_fields(1, headers=raw))
    [entry] = journal.entries()
    assert entry.headers == ((b"host", b"h"), (b"x-api-key", b"k"))
    assert all(type(part) is bytes for pair in entry.headers for part in pair)
    assert entry.to_dict()["headers"] == {"host": "h", "x-api-key": "[redacted]"}


def test_an_entry_without_a_body_is_not_cut() -> None:
    fields = _fields(1)
    del fields["body"], fields["body_size"]
    entry = JournalEntry.bounded(**fields)
    assert (entry.body, entry.truncated) == (b"", False)


@pytest.mark.parametrize("changes", CASES[-2:], ids=["fields at the limit", "body at the limit"])
def test_what_is_at_the_limit_is_not_marked_cut(changes: dict[str, Any]) -> None:
    assert JournalEntry.bounded(**_fields(1, **changes)).truncated is False


def test_the_byte_budget_drops_the_oldest_of_both_kinds() -> None:
    size = JournalEntry.bounded(**_fields(1)).size
    journal = RequestJournal(capacity=100, max_bytes=3 * size)
    for n in range(5):
        if n % 2:
            journal.record(JournalEntry.bounded(**_fields(n)))
        else:
            journal.record_call(**_fields(n))
    assert [e.path[-1] for e in journal.entries()] == ["2", "3", "4"]
    assert journal.bytes == 3 * size
    assert len(journal) == 3
    journal.clear()
    assert (journal.entries(), journal.bytes) == ([], 0)


def test_capacity_counts_entries() -> None:
    journal = RequestJournal(capacity=2)
    for n in range(4):
        journal.record_call(**_fields(n))
    assert [e.path[-1] for e in journal.entries()] == ["2", "3"]
    journal.record_call(**_fields(9))  # recorded after the others were built
    assert [e.path[-1] for e in journal.entries()] == ["3", "9"]
