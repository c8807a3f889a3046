"""The user's cache (`$XDG_CACHE_HOME/mockbsc`, else `~/.cache/mockbsc`): start-up work kept
between processes, best effort.

Only derived data lives here (Faker's label pools, parsed contracts), each file named by
what it was made from, so a stale entry is never read; a cache that cannot be read or
written is simply not used.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path | None:
    """The directory, or None when there is no home to put it in (a uid without passwd entry)."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # "Could not determine home directory."
            return None
    return Path(base) / "mockbsc"


def read(name: str) -> bytes | None:
    directory = cache_dir()
    if directory is None:
        return None
    try:
        return (directory / name).read_bytes()
    except OSError:
        return None


def write(name: str, data: bytes) -> None:
    """Write atomically (other processes may read it at the same time); errors are ignored."""
    directory = cache_dir()
    if directory is None:
        return
    path = directory / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError:
        pass
