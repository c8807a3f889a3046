"""Usage per day between `start_dt` and `end_dt` (inclusive, newest first, at most up to
today), the last 14 days by default, and only a zero TOTAL for a range that cannot be read."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import API

FIRST = "8988280666030217999"
ZERO_TOTAL = [{"date": "TOTAL", "data": {"volume": "0", "volume_tx": "0", "volume_rx": "0"},
               "sms": {"volume": "0", "volume_tx": "0", "volume_rx": "0"}}]


def _rows(client: TestClient, auth: dict[str, str], **params: str) -> Any:
    response = client.get(f"{API}/v1/sims/{FIRST}/usage", headers=auth, params=params)
    assert response.status_code == 200
    return response.json()["stats"]


@pytest.mark.parametrize(("params", "dates"), [
    ({"start_dt": "2026-01-01", "end_dt": "2026-01-03"},
     ["2026-01-03", "2026-01-02", "2026-01-01"]),
    ({"start_dt": "2026-01-04"}, ["2026-01-05", "2026-01-04"]),
    ({"start_dt": "2026-01-04", "end_dt": "2026-02-01"}, ["2026-01-05", "2026-01-04"]),
    ({"start_dt": "2026-01-05", "end_dt": "2026-01-05"}, ["2026-01-05"]),
    ({"start_dt": "2026-01-04T23:59:59Z", "end_dt": "2026-01-05T00:00:00.000+02:00"},
     ["2026-01-05", "2026-01-04"]),
], ids=["closed", "open-end", "end-after-today", "one-day", "timestamps-count-by-their-day"])
def test_usage_rows_cover_the_range_newest_first(
        client: TestClient, auth: dict[str, str], params: dict[str, str],
        dates: list[str]) -> None:
    rows = _rows(client, auth, **params)
    assert [r["date"] for r in rows] == [*dates, "TOTAL"]


def test_end_alone_gives_the_fourteen_days_before_it(
        client: TestClient, auth: dict[str, str]) -> None:
    rows = _rows(client, auth, end_dt="2025-12-24")
    assert len(rows) == 15
    assert (rows[0]["date"], rows[13]["date"]) == ("2025-12-24", "2025-12-11")


def test_total_adds_up_the_rows(client: TestClient, auth: dict[str, str]) -> None:
    rows = _rows(client, auth, start_dt="2026-01-01", end_dt="2026-01-03")
    assert rows[-1] == {"date": "TOTAL",
                        "data": {"volume": "11.921809", "volume_tx": "2.384362",
                                 "volume_rx": "9.537447"},
                        "sms": {"volume": "3", "volume_tx": "3", "volume_rx": "0"}}


@pytest.mark.parametrize("params", [
    {"start_dt": "2026-01-03", "end_dt": "2026-01-01"}, {"start_dt": "x"}, {"end_dt": "2026-99"},
    {"end_dt": "not-a-date-" + "x" * 60},
    {"start_dt": "2026-01-03T00:00:00.000000000+01:00[Europe/Berlin]", "end_dt": "2026-01-01"},
], ids=["inverted", "unreadable-start", "unreadable-end", "long-unreadable-end",
        "long-zoned-start-inverted"])
def test_range_that_cannot_be_read_gives_a_zero_total(
        client: TestClient, auth: dict[str, str], params: dict[str, str]) -> None:
    assert _rows(client, auth, **params) == ZERO_TOTAL
