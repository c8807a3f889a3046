"""Run every test alone, each in a process of its own, and list the ones that fail.

`pytest-randomly` shuffles the order of every run, which finds a test that leans on an
earlier one only when the shuffle happens to move it. Running each test *alone* finds them
all: a test that passes in the suite but fails alone depends on state another test left
behind (a module-level cache, a session fixture another test changed, a server or a file).

Starting one interpreter per test costs seconds of imports and collection each (an hour for
the suite on a 2-core machine), so this is a pytest plugin instead: pytest collects once,
then for each test the run loop forks a child that runs that one test with every fixture
set up afresh (session ones included, since the parent sets up none) and torn down at its
end. The child has imported the test modules, as a lone run would, and run nothing else.

    python -m tests.each_alone                       # every test under tests/ but the slow ones
    python -m tests.each_alone -j 2 tests/api       # a part, two at a time
    python -m tests.each_alone --slow                # the slow ones too (venvs, a browser)

Not ``contracts/``: schemathesis loads the schema of an ASGI app at collection, with the app's
lifespan running in a thread of the collecting process; a forked child has no such thread and
hangs in the teardown that stops it. Those few files are each run alone as files instead
(``python -m pytest -p no:randomly contracts/test_links.py`` and so on). A test that hangs is
killed after ``--timeout`` seconds and counted as failed.

Exit status 0 when every test passed alone; 1 with the failures listed (each with the end of
its report) otherwise. It runs on demand (docs/testing.md), not in ``.ci/run``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import pytest
from _pytest.runner import runtestprotocol


class EachAlone:
    """The run loop: one forked child per test, at most ``jobs`` at a time."""

    def __init__(self, jobs: int, logs: Path, timeout: float) -> None:
        self.jobs = jobs
        self.logs = logs
        self.timeout = timeout
        self.failures: list[tuple[str, Path]] = []

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        items = list(session.items)
        running: dict[int, tuple[str, Path, float]] = {}
        started = time.monotonic()
        done = 0
        for index, item in enumerate(items):
            while len(running) >= self.jobs:
                done += self._reap(running)
            log = self.logs / f"{index:05d}.log"
            pid = os.fork()
            if pid == 0:
                self._child(item, log)
            running[pid] = (item.nodeid, log, time.monotonic())
        while running:
            done += self._reap(running)
        elapsed = time.monotonic() - started
        print(f"\n{len(items)} tests, each alone, in {elapsed:.0f} s: "
              f"{len(items) - len(self.failures)} passed or skipped, {len(self.failures)} failed")
        for node, log in self.failures:
            print(f"FAILED alone: {node}  (report: {log})")
        if self.failures:
            session.testsfailed = len(self.failures)
        return True

    def _child(self, item: pytest.Item, log: Path) -> None:
        """Run one test with fresh fixtures; exit 0 if it passed or skipped, 1 if not."""
        failed = True
        try:
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            reports = runtestprotocol(item, nextitem=None, log=False)
            failed = any(report.failed for report in reports)
            for report in reports:
                if report.failed:
                    print(f"--- {report.when} ---\n{report.longreprtext}")
        except BaseException as error:  # the child must reach os._exit whatever happens
            print(f"the child broke: {error!r}")
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(1 if failed else 0)

    def _reap(self, running: dict[int, tuple[str, Path, float]]) -> int:
        """Wait for a child to end; one that outlives the timeout is killed and failed."""
        while True:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid:
                break
            now = time.monotonic()
            for late, (_node, log, started) in running.items():
                if now - started > self.timeout:
                    os.kill(late, signal.SIGKILL)
                    with log.open("a") as file:
                        file.write(f"\nkilled: still running after {self.timeout:.0f} s\n")
            time.sleep(0.02)
        node, log, _ = running.pop(pid)
        if os.waitstatus_to_exitcode(status) != 0:
            self.failures.append((node, log))
            print(f"\nFAILED alone: {node}", flush=True)
        else:
            log.unlink(missing_ok=True)
        return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("selection", nargs="*", default=["tests"])
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--slow", action="store_true", help="include tests marked slow")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per test")
    parser.add_argument("--logs", type=Path, default=None, help="folder for the failures' reports")
    args = parser.parse_args(argv)
    logs = args.logs or Path(tempfile.mkdtemp(prefix="mockbsc-alone-"))
    logs.mkdir(parents=True, exist_ok=True)
    marker = [] if args.slow else ["-m", "not slow"]
    plugin = EachAlone(args.jobs, logs, args.timeout)
    return int(pytest.main(["-q", "-p", "no:randomly", "-p", "no:xdist", *marker,
                            *args.selection], plugins=[plugin]))


if __name__ == "__main__":
    sys.exit(main())
