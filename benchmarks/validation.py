"""Micro-benchmark of request validation (issue 14): what checking a SIM `PUT` body and an
ICCID path parameter against the contract costs, per call, in one process.

    python -m benchmarks.validation [--rounds N]

Prints microseconds per call (best of five rounds) for a valid body (the fast path every
request takes), a body only Jackson's coercion makes valid (`"imei_lock": "true"`), and an
invalid body (the 400 with its `errors[]`). Written against the public entry points that
`mockbsc.api.operation` calls, so the same script measures an older checkout (run it with
that checkout first on `PYTHONPATH`; one without `mockbsc.contract.validation` is measured
through `document.violations_of`, which had no coercion).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from mockbsc.contract.document import BSC_CONTRACT, Contract

VALID = {"label": "Pump 7", "status": "Disabled", "imei_lock": False}
COERCED = {"label": "Pump 7", "status": "Disabled", "imei_lock": "true"}
INVALID = {"label": "Pump 7\n", "status": "Paused", "imei_lock": "yes"}
ICCID = "8988280666030217999"


def _checker() -> Callable[[Any, Any, str, str], Any]:
    try:
        from mockbsc.contract.validation import accept
    except ImportError:  # before issue 14: fastcheck predicate, then jsonschema for errors
        from mockbsc.contract.document import violations_of as before

        return before  # type: ignore[no-any-return]
    return accept


def per_call(call: Callable[[], Any], rounds: int) -> float:
    """Microseconds per call, best of five rounds of `rounds` calls each."""
    call()  # compile, warm caches
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(rounds):
            call()
        best = min(best, time.perf_counter() - started)
    return best / rounds * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.validation")
    parser.add_argument("--rounds", type=int, default=20_000)
    args = parser.parse_args(argv)
    contract = Contract.load(BSC_CONTRACT)
    op = contract.operations["updateSimUsingPUT"]
    body = op.body_validator
    assert body is not None
    iccid = next(p for p in op.parameters if p.name == "iccid").validator
    check = _checker()
    rows = [
        ("SIM PUT body, valid", lambda: check(body, VALID, "body", "body"), args.rounds),
        ("SIM PUT body, valid once coerced", lambda: check(body, COERCED, "body", "body"),
         args.rounds // 4),
        ("SIM PUT body, invalid (3 errors)", lambda: check(body, INVALID, "body", "body"),
         args.rounds // 20),
        ("ICCID path parameter, valid", lambda: check(iccid, ICCID, "path", "iccid"),
         args.rounds),
    ]
    print(f"validation per call, best of 5 ({check.__module__}.{check.__name__})")
    for name, call, rounds in rows:
        print(f"  {name:<36} {per_call(call, max(rounds, 1)):8.2f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
