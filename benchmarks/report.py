"""Figures and the table that prints them, each with its target and PASS/MISS."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TextIO


@dataclass(slots=True)
class Figure:
    """One measured figure. `passed` is None when the figure has no target (report only)."""

    name: str
    value: str
    target: str
    passed: bool | None
    note: str = ""

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "MISS", None: "info"}[self.passed]


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
