"""`--state-file`: the SQLite file that holds the change log, its snapshot and its lock.

Why SQLite and not a file of our own: a transaction either lands whole or not at all, so a
process killed at any moment leaves the last committed state, never a torn file; WAL lets a
commit append without rewriting the database.

The file holds two tables (see `docs/durability.md`): `log`, one row per group commit with
the entries it collected (`mockbsc.domain.state.changes`), and `snapshot`, the log folded:
the last value per key, in the order keys first appeared. Folding moves the oldest log rows
into the snapshot and deletes them in the same transaction, so at every commit
`snapshot + log` is the state. A sidecar `<file>.lock`, held with `flock` for as long as the
server runs, keeps a second server off the file; it names the holder's pid.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from mockbsc.config import SettingsError
from mockbsc.domain.state.changes import BASE, SEEDED_STORES, Entry, fold

APPLICATION_ID = 0x6D425343  # "mBSC" at offset 68 of the SQLite header
SCHEMA_VERSION = 2  # PRAGMA user_version; 1 was one whole-state snapshot per save
HEADER = b"SQLite format 3\x00"
SCHEMA = (
    "CREATE TABLE snapshot (key TEXT NOT NULL UNIQUE, value TEXT)",
    "CREATE TABLE log (seq INTEGER PRIMARY KEY, body BLOB NOT NULL)",
)


class StateFileError(SettingsError):
    """The state file cannot be used: another server holds it, it is not ours, or its
    state cannot be loaded. Nothing was written to it."""


def check_file(path: Path) -> bool:
    """Whether `path` is a fresh file (missing or empty); raises when it is not ours.

    Reads the 100-byte header only: a foreign database is never opened for writing.
    """
    try:
        with path.open("rb") as file:
            head = file.read(100)
    except FileNotFoundError:
        return True
    except OSError as exc:
        raise StateFileError(f"state file {path}: {exc.strerror}") from None
    if not head:
        return True
    if not head.startswith(HEADER) or len(head) < 100:
        raise StateFileError(f"state file {path}: not an SQLite database, so not a mockbsc "
                             "state file; refusing to touch it")
    app_id = int.from_bytes(head[68:72], "big")
    version = int.from_bytes(head[60:64], "big")
    if app_id != APPLICATION_ID:
        raise StateFileError(f"state file {path}: an SQLite database that is not a mockbsc "
                             f"state file (application_id {app_id:#x}); refusing to touch it")
    if version != SCHEMA_VERSION:
        raise StateFileError(f"state file {path}: a mockbsc state file of schema version "
                             f"{version}; this mockbsc reads version {SCHEMA_VERSION}")
    return False


class FileLock:
    """An exclusive `flock` on `<state file>.lock` holding our pid; the OS releases it when
    the process ends, however it ends."""

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(path.name + ".lock")
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StateFileError(f"state file {path}: cannot create {self.path}: "
                                 f"{exc.strerror}") from None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self._fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(self._fd)
            raise StateFileError(f"state file {path} is in use by another mockbsc server "
                                 f"(pid {holder})") from None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA busy_timeout = 10000")
    return db


class StateFile:
    """The open, locked state file: load the state, append group commits, fold the log."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock_file = FileLock(self.path)
        try:
            fresh = check_file(self.path)
            self._db = _connect(self.path)
            if fresh:
                self._create()
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")  # each commit reaches the disk
            self._db.execute("PRAGMA journal_size_limit = 8388608")  # WAL cut back to 8 MiB
            self._folder = _connect(self.path)
        except sqlite3.Error as exc:
            self._lock_file.release()
            raise StateFileError(f"state file {self.path}: {exc}") from None
        except StateFileError:
            self._lock_file.release()
            raise
        self.appended = 0

    def _create(self) -> None:
        """Schema and identity in one transaction, in rollback mode: the header carries our
        application id from the first moment, before WAL mode is switched on."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        for statement in SCHEMA:
            db.execute(statement)
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")

    def load(self) -> dict[str, Any] | None:
        """The folded state (see `mockbsc.domain.state.changes.fold`), None when empty."""
        try:
            folded: dict[str, Any] = {}
            for key, value in self._db.execute("SELECT key, value FROM snapshot ORDER BY rowid"):
                folded[key] = None if value is None else json.loads(value)
            for (body,) in self._db.execute("SELECT body FROM log ORDER BY seq"):
                fold(json.loads(body), folded)
        except (sqlite3.Error, ValueError) as exc:
            raise StateFileError(f"state file {self.path}: unreadable ({exc})") from None
        return folded or None

    def append(self, entries: list[Entry]) -> None:
        """One group commit; raises (sqlite3.Error, OSError) when it did not land."""
        body = json.dumps(entries).encode()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute("INSERT INTO log (body) VALUES (?)", (body,))
            self._db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise
        self.appended += 1

    def log_rows(self) -> int:
        return int(self._folder.execute("SELECT count(*) FROM log").fetchone()[0])

    def fold_log(self, batch: int = 200) -> int:
        """Move up to `batch` of the oldest log rows into the snapshot (one transaction);
        returns how many moved. Runs beside appends on its own connection, no emulator lock.
        """
        db = self._folder
        db.execute("BEGIN IMMEDIATE")
        try:
            rows = db.execute("SELECT seq, body FROM log ORDER BY seq LIMIT ?",
                              (batch,)).fetchall()
            for _, body in rows:
                self._fold_row(db, json.loads(body))
            if rows:
                db.execute("DELETE FROM log WHERE seq <= ?", (rows[-1][0],))
            db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise
        return len(rows)

    @staticmethod
    def _fold_row(db: sqlite3.Connection, entries: list[Entry]) -> None:
        upsert = ("INSERT INTO snapshot (key, value) VALUES (?, ?) "
                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        for key, value in entries:
            if key == BASE:
                db.execute("DELETE FROM snapshot")
            if value is None and not key.startswith(SEEDED_STORES):
                db.execute("DELETE FROM snapshot WHERE key = ?", (key,))
            elif value is None:  # the seed fills this store: remember the removal
                db.execute("DELETE FROM snapshot WHERE key = ?", (key,))
                db.execute(upsert, (key, None))
            else:
                db.execute(upsert, (key, json.dumps(value)))

    def checkpoint(self) -> None:
        """Copy the WAL into the database and cut it back (keeps the WAL bounded)."""
        self._folder.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        for db in (self._db, self._folder):
            with contextlib.suppress(sqlite3.Error):
                db.close()
        self._lock_file.release()


def peek_base(path: str | Path) -> dict[str, Any] | None:
    """The `$base` entry of a state file, read before the lock is taken (None when there is
    none or it cannot be read): a server builds its fleet as of that base instead of seeding
    twice. Only our own files are opened; the real open (`StateFile`) checks all again."""
    path = Path(path)
    try:
        if check_file(path):
            return None
        db = _connect(path)  # ours (checked above); read-write, so a crashed WAL recovers
    except (StateFileError, sqlite3.Error):
        return None
    try:
        row = db.execute("SELECT value FROM snapshot WHERE key = ?", (BASE,)).fetchone()
        base = json.loads(row[0]) if row and row[0] else None
        for (body,) in db.execute("SELECT body FROM log ORDER BY seq"):
            if b'"$base"' in bytes(body):  # parse only the rows that start a state
                base = next((v for k, v in json.loads(body) if k == BASE), base)
        return base if isinstance(base, dict) else None
    except (sqlite3.Error, ValueError):
        return None
    finally:
        db.close()


def sizes(path: Path) -> tuple[int, int]:
    """(database bytes, WAL bytes) of a state file."""
    wal = path.with_name(path.name + "-wal")
    return (path.stat().st_size if path.exists() else 0,
            wal.stat().st_size if wal.exists() else 0)

