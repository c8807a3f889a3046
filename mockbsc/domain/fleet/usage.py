"""Daily usage per SIM, as `GET /usage` reports it: newest day first, then a TOTAL row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from mockbsc.domain.fleet.models import DailyUsage

DEFAULT_DAYS = 14
MAX_HISTORY = timedelta(days=183)  # "usage query limited to the last 6 months"


@dataclass(slots=True, frozen=True)
class UsageReport:
    days: list[DailyUsage]
    total: DailyUsage


class UsageLedger:
    def __init__(self) -> None:
        self._by_iccid: dict[str, dict[date, DailyUsage]] = {}

    def day(self, iccid: str, day: date) -> DailyUsage:
        days = self._by_iccid.setdefault(iccid, {})
        entry = days.get(day)
        if entry is None:
            entry = days[day] = DailyUsage(day)
        return entry

    def add_data(self, iccid: str, day: date, rx_mb: float, tx_mb: float) -> None:
        entry = self.day(iccid, day)
        entry.data_rx += rx_mb
        entry.data_tx += tx_mb

    def add_sms(self, iccid: str, day: date, mo: int = 0, mt: int = 0) -> None:
        entry = self.day(iccid, day)
        entry.sms_mo += mo
        entry.sms_mt += mt

    def month(self, iccid: str, today: date) -> DailyUsage:
        """The SIM's use in the calendar month of `today`, summed (self-set limits)."""
        total = DailyUsage(today.replace(day=1))
        for day, row in dict.get(self._by_iccid, iccid, {}).items():
            if (day.year, day.month) == (today.year, today.month):
                total.data_rx += row.data_rx
                total.data_tx += row.data_tx
                total.sms_mo += row.sms_mo
                total.sms_mt += row.sms_mt
        return total

    def report(self, iccid: str, today: date, start: str | None, end: str | None) -> UsageReport:
        """Days from `start` to `end` (inclusive), newest first, zero days included.

        Without dates the last 14 days; an unparsable or inverted range gives only the TOTAL
        row, as the live platform answered `start_dt=2000&end_dt=1998`.
        """
        first, last = parse_range(today, start, end)
        days = self._by_iccid.get(iccid, {})
        rows: list[DailyUsage] = []
        day = last
        while first is not None and day >= first:
            rows.append(days.get(day) or DailyUsage(day))
            day -= timedelta(days=1)
        total = DailyUsage(today)
        for row in rows:
            total.data_rx += row.data_rx
            total.data_tx += row.data_tx
            total.sms_mo += row.sms_mo
            total.sms_mt += row.sms_mt
        return UsageReport(rows, total)

    def clear(self) -> None:
        self._by_iccid.clear()


def parse_range(today: date, start: str | None, end: str | None) -> tuple[date | None, date]:
    last = _parse(end) if end else today
    first = _parse(start) if start else (last - timedelta(days=DEFAULT_DAYS - 1) if last else None)
    if first is None or last is None or first > last:
        return None, today
    last = min(last, today)
    first = max(first, today - MAX_HISTORY)
    return (first if first <= last else None), last


def _parse(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
