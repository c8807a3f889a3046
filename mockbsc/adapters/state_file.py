"""`--state-file`: the emulator's state kept in SQLite (WAL mode), restored at start.

Why SQLite and not a file of our own: a transaction either lands whole or not at all, so a
process killed at any moment leaves the last committed state, never a torn file; WAL lets a
commit append without rewriting the database.

Durability is a group commit: every mutating request asks for a save and waits for the
commit that covers it before its answer goes out, so nothing acknowledged is lost; requests
arriving while a save runs share the next one. Work that happens on its own (due jobs,
webhook attempts) is saved by the writer thread within `interval` seconds.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockbsc.config import SettingsError, settings_of
from mockbsc.domain.errors import DomainError
from mockbsc.domain.platform import Emulator
from mockbsc.domain.state.snapshot import export_state, import_state

LOG = logging.getLogger(__name__)
SCHEMA = """CREATE TABLE IF NOT EXISTS state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    saved_at REAL NOT NULL,
    body BLOB NOT NULL
)"""


class StateFileError(SettingsError):
    """The state file cannot be opened or does not hold a state this mockbsc can load."""


class StateFile:
    """One SQLite database holding the latest state document (zlib-compressed JSON)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False,
                                       isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # each commit reaches the disk
            self._db.execute(SCHEMA)
        except sqlite3.Error as exc:
            raise StateFileError(f"state file {self.path}: {exc}") from None
        self._lock = threading.Lock()
        self._last: bytes | None = None

    def load(self) -> dict[str, Any] | None:
        """The saved state document, or None when nothing was saved yet."""
        with self._lock:
            try:
                row = self._db.execute("SELECT body FROM state WHERE id = 1").fetchone()
            except sqlite3.Error as exc:
                raise StateFileError(f"state file {self.path}: {exc}") from None
        if row is None:
            return None
        try:
            document: dict[str, Any] = json.loads(zlib.decompress(row[0]))
        except (zlib.error, ValueError) as exc:
            raise StateFileError(f"state file {self.path}: unreadable state ({exc})") from None
        self._last = row[0]
        return document

    def save(self, emulator: Emulator) -> bool:
        """Commit the emulator's current state; False when it equals the last one saved."""
        body = zlib.compress(json.dumps(export_state(emulator)).encode(), 1)
        with self._lock:
            if body == self._last:
                return False
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("INSERT OR REPLACE INTO state (id, saved_at, body) "
                                 "VALUES (1, ?, ?)", (time.time(), body))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._last = body
            return True

    def close(self) -> None:
        with self._lock:
            self._db.close()


class Persister:
    """The writer thread and the group commit that mutating requests wait on."""

    def __init__(self, store: StateFile, emulator_of: Callable[[], Emulator],
                 interval: float = 1.0) -> None:
        self.store = store
        self.emulator_of = emulator_of
        self.interval = interval
        self._cond = threading.Condition()
        self._requested = 0
        self._committed = 0
        self._stopping = False
        self.saves = 0
        self._thread = threading.Thread(target=self._run, name="mockbsc-state-file",
                                        daemon=True)

    def start(self) -> Persister:
        self._thread.start()
        return self

    def request(self) -> int:
        """Ask for a save covering everything done so far; returns the ticket to wait on."""
        with self._cond:
            self._requested += 1
            self._cond.notify_all()
            return self._requested

    def wait(self, ticket: int, timeout: float = 30.0) -> bool:
        """Block until the save covering `ticket` is committed (True) or `timeout` passed."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._committed < ticket and not self._stopping:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return self._committed >= ticket

    def flush(self) -> None:
        self.wait(self.request())

    def stop(self) -> None:
        """Save one last time and end the writer thread."""
        self.flush()
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout=10)
        self.store.close()

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._requested == self._committed and not self._stopping:
                    self._cond.wait(self.interval)
                if self._stopping:
                    return
                target = self._requested
            try:
                if self.store.save(self.emulator_of()):
                    self.saves += 1
            except Exception as exc:  # kept for check(); the writer goes on
                LOG.exception("saving the state file failed")
                self.emulator_of().errors.append(exc)
            with self._cond:
                self._committed = max(self._committed, target)
                self._cond.notify_all()


def open_state_file(emulator: Emulator, emulator_of: Callable[[], Emulator]) -> Persister:
    """Restore `emulator` from its `--state-file` (if it holds a state) and start saving.

    Raises:
        StateFileError: the file is not a SQLite database or its state cannot be loaded.
    """
    path = settings_of(emulator).state_file
    assert path, "open_state_file needs settings.state_file"
    store = StateFile(path)
    document = store.load()
    if document is not None:
        try:
            import_state(emulator, document)
        except DomainError as exc:
            raise StateFileError(f"state file {path}: {exc.message}") from None
        LOG.info("restored the state from %s", path)
    persister = Persister(store, emulator_of).start()
    if document is None:
        persister.flush()  # a fresh file holds the seeded state from the first moment
    return persister
