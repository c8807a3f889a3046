"""Run the benchmark suite and print every figure of issue 5 beside its target.

    python -m benchmarks            # full run (a few minutes; includes one million SIMs)
    python -m benchmarks --quick    # CI smoke: short wrk runs, no million-SIM fleet (~1.5 min)
    python -m benchmarks --only throughput,startup
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from benchmarks.report import (
    EXIT_INVALID,
    EXIT_MISSED,
    EXIT_NO_WRK,
    EXIT_PASSED,
    Figure,
    exit_status,
    invalid,
    print_table,
)
from benchmarks.wrk import WrkMissing, ensure_wrk

SECTIONS = ("startup", "scale", "throughput", "webhooks", "durability", "sandboxes")
VERDICTS = {
    EXIT_PASSED: "Every target holds (exit 0).",
    EXIT_MISSED: "A target was missed (exit 1).",
    EXIT_INVALID: "INVALID: a run did not deliver its load or crashed; its figures are not "
                  "reported (exit 3).",
}


def log(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="short runs for CI: 2 s of load per figure, no 1M-SIM fleet")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections of {', '.join(SECTIONS)}")
    parser.add_argument("--duration", type=float, default=None,
                        help="seconds of load per wrk run (default 10, 2 with --quick)")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    duration = args.duration or (2.0 if args.quick else 10.0)
    try:
        ensure_wrk()
    except WrkMissing as exc:
        print(f"benchmarks: {exc}", file=sys.stderr)
        return EXIT_NO_WRK

    runners: dict[str, Callable[[], list[Figure]]] = {
        "startup": lambda: _startup(args.quick),
        "scale": lambda: _scale(args.quick, duration),
        "throughput": lambda: _throughput(duration, 2 if args.quick else 4),
        "webhooks": lambda: _webhooks(args.quick, duration),
        "durability": lambda: _durability(args.quick, duration),
        "sandboxes": lambda: _sandboxes(args.quick),
    }
    figures: list[Figure] = []
    started = time.perf_counter()
    for name in chosen:
        log(f"section {name}")
        try:
            figures += runners[name]()
        except Exception as exc:  # one broken section must not hide the others' figures
            log(f"section {name} invalid: {exc!r}")
            figures.append(invalid(f"section {name}", f"{type(exc).__name__}: "
                                   f"{str(exc)[:160]}"))
    print()
    print_table(figures)
    status = exit_status(figures)
    print(f"\n{len(figures)} figures in {time.perf_counter() - started:.0f} s"
          f"{' (--quick)' if args.quick else ''}; ratios are against the reference measured "
          f"in this run, call for call. {VERDICTS[status]}")
    return status


def _startup(quick: bool) -> list[Figure]:
    from benchmarks import startup

    return startup.measure(quick, log)


def _scale(quick: bool, duration: float) -> list[Figure]:
    from benchmarks import scale

    return scale.measure(quick, duration, log)


def _throughput(duration: float, rounds: int) -> list[Figure]:
    from benchmarks import throughput

    return throughput.measure(duration, log, rounds)


def _webhooks(quick: bool, duration: float) -> list[Figure]:
    from benchmarks import webhooks

    return webhooks.measure(quick, duration, log)


def _durability(quick: bool, duration: float) -> list[Figure]:
    from benchmarks import durability

    return durability.measure(quick, duration, log)


def _sandboxes(quick: bool) -> list[Figure]:
    from benchmarks import sandboxes

    return sandboxes.measure(quick, log)
