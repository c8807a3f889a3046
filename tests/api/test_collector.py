"""`IdleCollector`: full garbage-collection passes when the server is idle, forced ones spaced
by their own cost, and `mockbsc serve` running with it."""

from __future__ import annotations

import gc
import logging
import threading
from typing import Any

import pytest

from mockbsc.api.collector import NEVER, IdleCollector
from mockbsc.cli import main


class World:
    """What the collector reads: requests completed and in flight, middle passes, a clock."""

    def __init__(self) -> None:
        self.completed = 0
        self.in_flight = 0
        self.middle = 0
        self.now = 100.0
        self.pass_takes = 0.0
        self.collected = 0

    def collect(self) -> None:
        self.collected += 1
        self.middle = 0
        self.now += self.pass_takes

    def collector(self, **options: Any) -> IdleCollector:
        return IdleCollector(lambda: (self.completed, self.in_flight),
                             middle_passes=lambda: self.middle, collect=self.collect,
                             clock=lambda: self.now, **options)


def test_an_idle_server_gets_its_full_pass_once_it_is_due() -> None:
    world = World()
    collector = world.collector(due=10, force=100)
    world.middle = 9
    assert collector.step() is None  # first look: nothing seen before it
    assert collector.step() is None  # idle, but not due
    world.middle = 10
    assert collector.step() == "idle"
    assert (world.collected, collector.passes) == (1, {"idle": 1, "forced": 0})
    assert collector.step() is None  # nothing pending any more


def test_a_busy_server_waits_until_its_pass_is_forced() -> None:
    world = World()
    collector = world.collector(due=10, force=100)
    world.middle = 50
    for _ in range(5):
        world.completed += 7  # requests completed since the last look
        assert collector.step() is None
    world.in_flight = 1  # nothing completed, but a request is being served
    assert collector.step() is None
    world.in_flight = 0
    world.middle = 100
    world.completed += 1
    assert collector.step() == "forced"
    assert collector.passes == {"idle": 0, "forced": 1}


def test_forced_passes_are_spaced_by_their_own_cost() -> None:
    world = World()
    collector = world.collector(due=10, force=100, spacing=40.0)
    world.pass_takes = 0.25  # a big state: each full pass takes 250 ms
    world.middle = 100
    world.completed += 1
    assert collector.step() == "forced"
    world.middle = 500
    world.now += 9.5  # under 40 x 0.25 s since it ended
    world.completed += 1
    assert collector.step() is None
    world.now += 0.5
    world.completed += 1
    assert collector.step() == "forced"
    world.middle = 10  # once idle, the due count applies again, whatever the spacing
    assert collector.step() == "idle"


def test_by_default_as_cpython_when_idle_every_100_middle_passes_when_busy_at_most_2_percent(
        ) -> None:
    world = World()
    collector = world.collector()
    world.pass_takes = 0.25
    world.middle = 99
    world.completed += 1
    assert collector.step() is None
    world.middle = 100
    world.completed += 1
    assert collector.step() == "forced"
    world.middle = 100
    world.now += 12.0  # a forced pass comes no sooner than 50 x 0.25 s after the last
    world.completed += 1
    assert collector.step() is None
    world.now += 0.5
    world.completed += 1
    assert collector.step() == "forced"
    world.middle = 9
    assert collector.step() is None  # idle, but CPython would wait for its tenth
    world.middle = 10
    assert collector.step() == "idle"


def test_each_pass_is_counted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    world = World()
    collector = world.collector()
    world.pass_takes = 0.25
    caplog.set_level(logging.DEBUG, logger="mockbsc.api.collector")
    collector.step()
    for _ in range(2):
        world.middle = 10
        assert collector.step() == "idle"
    assert collector.passes == {"idle": 2, "forced": 0}
    assert [r.getMessage() for r in caplog.records] == [
        "full garbage collection (idle, after 10 middle passes): 250.0 ms"] * 2


def _collector_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "mockbsc-collector"]


def test_start_switches_cpythons_full_passes_off_and_stop_gives_them_back() -> None:
    before = gc.get_threshold()
    looked = threading.Event()
    collector = IdleCollector(lambda: (looked.set(), (0, 0))[1], tick=0.001,
                              middle_passes=lambda: 0)
    collector.start()
    try:
        assert gc.get_threshold() == (before[0], before[1], NEVER)
        assert looked.wait(5)  # its thread looks at the server
        (thread,) = _collector_threads()
        assert thread.daemon  # never what keeps the process alive
    finally:
        collector.stop()
    assert gc.get_threshold() == before
    assert not _collector_threads()


def test_stop_before_start_changes_nothing() -> None:
    before = gc.get_threshold()
    IdleCollector(lambda: (0, 0)).stop()
    assert gc.get_threshold() == before


def test_serve_runs_with_the_idle_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    before = gc.get_threshold()
    during: list[tuple[int, int, int]] = []

    def run(self: uvicorn.Server, sockets: Any = None) -> None:
        during.append(gc.get_threshold())
        self.started = True

    monkeypatch.setattr(uvicorn.Server, "run", run)
    try:
        assert main(["serve", "--sims", "10", "--port", "0"]) == 0
    finally:
        gc.unfreeze()  # serve froze this test process's objects
    assert during == [(before[0], before[1], NEVER)]
    assert gc.get_threshold() == before
