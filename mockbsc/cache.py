"""The user's cache (`$XDG_CACHE_HOME/mockbsc`, else `~/.cache/mockbsc`): start-up work kept
between processes, best effort.

Only derived data lives here (Faker's label pools, parsed contracts), each file named by
what it was made from, so a stale entry is never read; a cache that cannot be read or
written is simply not used.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mockbsc"


def read(name: str) -> bytes | None:
    try:
        return (cache_dir() / name).read_bytes()
    except OSError:
        return None


def write(name: str, data: bytes) -> None:
    """Write atomically (other processes may read it at the same time); errors are ignored."""
    path = cache_dir() / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError:
        pass
