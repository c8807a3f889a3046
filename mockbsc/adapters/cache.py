"""The user's cache (the platform's own place, by platformdirs: `$XDG_CACHE_HOME/mockbsc`,
else `~/.cache/mockbsc` on Linux, `~/Library/Caches/mockbsc` on macOS): start-up work kept
between processes, best effort. `MOCKBSC_CACHE_DIR` moves it; `MOCKBSC_NO_CACHE=1` turns it
off (nothing read, nothing written).

Only derived data lives here (Faker's label pools, parsed contracts), each file named by
what it was made from, so a stale entry is never read; a cache that cannot be read or
written is simply not used.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path | None:
    """The directory, or None: caching is off, or there is no home to put it in (a uid
    without passwd entry)."""
    if os.environ.get("MOCKBSC_NO_CACHE", "").lower() in ("1", "true", "yes", "on"):
        return None
    if os.environ.get("MOCKBSC_CACHE_DIR"):
        return Path(os.environ["MOCKBSC_CACHE_DIR"])
    if not os.environ.get("XDG_CACHE_HOME"):
        try:
            Path.home()
        except RuntimeError:  # "Could not determine home directory."
            return None
    import platformdirs

    base = Path(platformdirs.user_cache_dir("mockbsc", appauthor=False))
    return base if base.is_absolute() else None  # "~/..." when there is no home after all


def read(name: str) -> bytes | None:
    """The file's bytes, or None: missing, unreadable, or one that someone else could have
    written (not owned by this user, or writable by group or others; issue 12: a parsed
    contract decides which calls need a token)."""
    directory = cache_dir()
    if directory is None:
        return None
    path = directory / name
    try:
        if not _private(path) or not _private(directory):
            return None
        return path.read_bytes()
    except OSError:
        return None


def _private(path: Path) -> bool:
    if not hasattr(os, "getuid"):  # pragma: no cover - Windows: ACLs, not mode bits
        return True
    info = path.stat()
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def write(name: str, data: bytes) -> None:
    """Write atomically (other processes may read it at the same time); errors are ignored."""
    directory = cache_dir()
    if directory is None:
        return
    path = directory / name
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(partial, path)
    except OSError:
        pass
