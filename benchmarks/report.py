"""Figures and the table that prints them, each with its target and PASS/MISS/INVALID.

A figure *misses* when it was measured properly and is off its target; it is *invalid* when
no figure could be drawn (the load was not delivered, or the section crashed). The exit
status keeps the two apart: 0 all pass, 1 a target missed, 3 an invalid run (2: no wrk).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TextIO

EXIT_PASSED, EXIT_MISSED, EXIT_NO_WRK, EXIT_INVALID = 0, 1, 2, 3


@dataclass(slots=True)
class Figure:
    """One measured figure. `passed` is None when the figure has no target (report only);
    `invalid` says why no figure could be measured (then `passed` is ignored)."""

    name: str
    value: str
    target: str
    passed: bool | None
    note: str = ""
    invalid: str = ""

    @property
    def verdict(self) -> str:
        if self.invalid:
            return "INVALID"
        return {True: "PASS", False: "MISS", None: "info"}[self.passed]


def invalid(name: str, why: str) -> Figure:
    """A section that produced no trustworthy figure."""
    return Figure(name, "-", "valid run", None, why, invalid=why)


def exit_status(figures: list[Figure]) -> int:
    """3 if any run was invalid, else 1 if any target was missed, else 0."""
    if any(f.invalid for f in figures):
        return EXIT_INVALID
    if any(f.passed is False for f in figures):
        return EXIT_MISSED
    return EXIT_PASSED


def skipped(name: str, target: str, why: str) -> Figure:
    return Figure(name, "-", target, None, f"skipped: {why}")


def print_table(figures: list[Figure], out: TextIO | None = None) -> None:
    stream = out or sys.stdout
    widths = [max(len(f.name) for f in figures), max(len(f.value) for f in figures),
              max(len(f.target) for f in figures)]
    header = f"{'figure':<{widths[0]}}  {'measured':>{widths[1]}}  {'target':<{widths[2]}}  verdict"
    print(header, file=stream)
    print("-" * len(header), file=stream)
    for f in figures:
        line = (f"{f.name:<{widths[0]}}  {f.value:>{widths[1]}}  {f.target:<{widths[2]}}  "
                f"{f.verdict}")
        if f.note:
            line += f"  ({f.note})"
        print(line, file=stream)
