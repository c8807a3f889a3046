"""The writer of the state file: group commits that requests wait on, and the log's folding.

Every mutating request asks for a commit and waits for the one that covers it before its
answer goes out; requests arriving while a commit runs share the next one. A commit takes
the emulator lock only to collect what changed (`ChangeTracker.collect`, proportional to
the change), then appends it outside the lock. Work that happens on its own (due jobs,
webhook attempts, the clock) is collected the same way by the next commit, at the latest
`interval` seconds later. A commit that fails is reported to every request that waited for
it (they answer 503), logged once, and kept: its entries go out with the next commit.

A second thread folds the log into the snapshot in small transactions once it passes
`fold_after` rows, and cuts the WAL back; it never takes the emulator lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from mockbsc.adapters.state_file import StateFile, StateFileError
from mockbsc.config import settings_of
from mockbsc.domain.errors import DomainError
from mockbsc.domain.platform import Emulator
from mockbsc.domain.state.changes import ChangeTracker, Entry
from mockbsc.domain.state.restore import restore

LOG = logging.getLogger(__name__)


class Persister:
    """The group commit that mutating requests wait on, and the threads behind it."""

    def __init__(self, store: StateFile, emulator_of: Callable[[], Emulator],
                 interval: float = 1.0, fold_after: int = 500) -> None:
        self.store = store
        self.emulator_of = emulator_of
        self.interval = interval
        self.fold_after = fold_after
        self.tracker = ChangeTracker(emulator_of())
        self._cond = threading.Condition()
        self._requested = 0
        self._committed = 0
        self._failed = 0
        self._stopping = False
        self._unsaved: list[Entry] = []
        self.failure: str | None = None  # why the last commit failed; None once one lands
        self.saves = 0
        self._fold_wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mockbsc-state-file",
                                        daemon=True)
        self._folder = threading.Thread(target=self._fold, name="mockbsc-state-fold",
                                        daemon=True)

    def start(self) -> Persister:
        self._thread.start()
        self._folder.start()
        return self

    def request(self) -> int:
        """Ask for a commit covering everything done so far; returns the ticket to wait on."""
        with self._cond:
            self._requested += 1
            self._cond.notify_all()
            return self._requested

    def wait(self, ticket: int, timeout: float = 30.0) -> bool:
        """Block until the commit covering `ticket` landed (True), failed or timed out."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._committed < ticket and self._failed < ticket and not self._stopping:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return self._committed >= ticket

    def flush(self) -> bool:
        return self.wait(self.request())

    def stop(self) -> None:
        """Commit one last time and end both threads."""
        self.flush()
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._fold_wake.set()
        self._thread.join(timeout=10)
        self._folder.join(timeout=10)
        self.store.close()

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._requested == self._committed and not self._stopping:
                    self._cond.wait(self.interval)
                if self._stopping:
                    return
                target = self._requested
            saved = self._commit()
            with self._cond:
                if saved:
                    self._committed = max(self._committed, target)
                else:
                    self._failed = max(self._failed, target)
                self._cond.notify_all()

    def _commit(self) -> bool:
        emulator = self.emulator_of()
        try:
            if emulator is not self.tracker.platform:  # MockBSCServer swapped it: all of it
                self.tracker = ChangeTracker(emulator, seeded=False)
            with emulator.lock:
                entries = self.tracker.collect()
        except Exception as exc:  # a state we cannot encode: kept for check(), not saved
            LOG.exception("collecting the changes for the state file failed")
            emulator.errors.append(exc)
            return False
        pending = self._unsaved + entries
        if not pending:
            return True
        try:
            self.store.append(pending)
        except Exception as exc:
            self._unsaved = pending
            if self.failure is None:  # logged once per failing stretch, with its cause
                LOG.error("state file %s: cannot save (%s: %s); changes are answered 503 "
                          "until a save succeeds", self.store.path, type(exc).__name__, exc)
            self.failure = f"{type(exc).__name__}: {exc}"
            return False
        self._unsaved = []
        if self.failure is not None:
            LOG.warning("state file %s: saving again", self.store.path)
            self.failure = None
        self.saves += 1
        if self.store.appended % 64 == 0:
            self._fold_wake.set()
        return True

    def _fold(self) -> None:
        while not self._stopping:
            self._fold_wake.wait(5.0)
            self._fold_wake.clear()
            try:
                if self.store.log_rows() <= self.fold_after:
                    continue
                while not self._stopping and self.store.fold_log() > 0:
                    time.sleep(0.005)  # let a waiting group commit through between batches
                self.store.checkpoint()
            except Exception as exc:  # the log is still whole: folding is tried again
                LOG.warning("state file %s: folding the log failed (%s)", self.store.path,
                            exc)


def open_state_file(emulator: Emulator, emulator_of: Callable[[], Emulator] | None = None,
                    **options: Any) -> Persister:
    """Lock `emulator`'s `--state-file`, restore the state it holds, and start saving.

    Raises:
        StateFileError: another server holds the file, it is not a mockbsc state file, or
            its state cannot be loaded. Nothing was written to the file.
    """
    path = settings_of(emulator).state_file
    assert path, "open_state_file needs settings.state_file"
    store = StateFile(path)
    try:
        folded = store.load()
        if folded is not None:
            restore(emulator, folded)
            LOG.info("restored the state from %s", path)
    except (DomainError, KeyError, TypeError, ValueError) as exc:
        store.close()
        message = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        raise StateFileError(f"state file {path}: {message}") from None
    except BaseException:
        store.close()
        raise
    persister = Persister(store, emulator_of or (lambda: emulator), **options).start()
    if folded is None:
        persister.flush()  # a fresh file holds the seeded state's base from the first moment
    return persister
