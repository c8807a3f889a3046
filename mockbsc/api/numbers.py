"""Numbers a request body may carry: finite ones.

Python's `json` reads `NaN`, `Infinity` and `1e999` (as inf), none of which is JSON (RFC 8259
§6) nor a value the platform's Java model holds; a NaN quota or an infinite clock step would
also poison the saved state. The body parser turns each such token into a `NonFinite` marker
and the request is refused with a 400 naming every field that carries one. The range of each
field the model reads is the contract's (`minimum`/`maximum`, at most a Java long), checked
by validation like any other rule.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from mockbsc.contract.document import Violation

_SEEN = threading.local()


class NonFinite:
    """A number token the model cannot hold (what the parser saw is kept for the message)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text
        _SEEN.flag = True


def take_seen() -> bool:
    """Whether a `NonFinite` was made on this thread since the last call (a body parse is
    synchronous, so the flag belongs to the parse that just ran)."""
    seen = getattr(_SEEN, "flag", False)
    _SEEN.flag = False
    return bool(seen)


def non_finite_violations(value: Any, name: str) -> Iterator[Violation]:
    """A violation for each `NonFinite` in a parsed body, named by its dotted path."""
    if isinstance(value, NonFinite):
        yield Violation("body", name, "finite",
                        f"{name}: {value.text} is not a finite number")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from non_finite_violations(item, f"{name}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from non_finite_violations(item, f"{name}[{index}]")
