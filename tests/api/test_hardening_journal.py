"""Issue 12, journal: bounded in bytes as well as in entries; long fields are cut and marked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.journal import JournalEntry, RequestJournal
from mockbsc.domain.platform import Emulator
from tests.conftest import API

LONG = "x=" + "a" * 60_000


def _entry(query: str) -> JournalEntry:
    return JournalEntry.bounded(at=datetime(2026, 1, 5, tzinfo=UTC), method="GET",
                                path="/management-api/v1/sims", query=query,
                                operation=None, status=401, duration_ms=0.1)


def test_a_long_query_is_cut_and_marked_in_the_journal(client: TestClient,
                                                       emulator: Emulator) -> None:
    assert client.get(f"{API}/v1/sims?{LONG}").status_code == 401
    entry = emulator.journal.last()
    assert entry.truncated
    assert len(entry.query) == 2048
    listed = client.get("/_mockbsc/requests").json()[-1]
    assert listed["truncated"] is True
    assert len(listed["query"]) == 2048


def test_a_short_entry_is_not_marked(client: TestClient) -> None:
    client.get(f"{API}/v1/sims?pageSize=1")
    assert "truncated" not in client.get("/_mockbsc/requests").json()[-1]


def test_the_journal_stays_within_its_byte_budget() -> None:
    journal = RequestJournal(max_bytes=100_000)
    for _ in range(1_000):
        journal.record(_entry(LONG))
    assert journal.bytes <= 100_000
    assert 0 < len(journal) < 1_000
    journal.clear()
    assert journal.bytes == 0


@pytest.mark.mockbsc(journal_bytes=50_000)
def test_the_byte_budget_is_a_setting(client: TestClient, emulator: Emulator) -> None:
    for _ in range(100):
        client.get(f"{API}/v1/sims?{LONG}")
    assert emulator.journal.max_bytes == 50_000
    assert emulator.journal.bytes <= 50_000
    assert len(emulator.journal) < 100
