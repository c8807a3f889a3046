"""The scheduler runs jobs by due time, and jobs due at the same moment in the order they
were scheduled (its jobs compare by hand, not through `order=True`)."""

from __future__ import annotations

from datetime import timedelta

from mockbsc.domain.clock import DEFAULT_EPOCH, ManualClock
from mockbsc.domain.scheduler import Scheduler


def test_jobs_run_by_due_time_then_in_the_order_they_were_scheduled() -> None:
    clock = ManualClock(DEFAULT_EPOCH)
    scheduler = Scheduler(clock)
    ran: list[str] = []
    scheduler.handles("note", ran.append)
    later = DEFAULT_EPOCH + timedelta(seconds=5)
    for name, due in [("late-1", later), ("early", DEFAULT_EPOCH), ("late-2", later),
                      ("late-3", later), ("middle", DEFAULT_EPOCH + timedelta(seconds=1))]:
        scheduler.schedule(due, "note", name)
    assert [job.args[0] for job in scheduler.jobs()] == [
        "early", "middle", "late-1", "late-2", "late-3"]
    while (job := scheduler.pop_due(later)) is not None:
        scheduler.run(job)
    assert ran == ["early", "middle", "late-1", "late-2", "late-3"]


def test_a_job_not_yet_due_stays_queued() -> None:
    clock = ManualClock(DEFAULT_EPOCH)
    scheduler = Scheduler(clock)
    scheduler.handles("note", lambda name: None)
    scheduler.after(10, "note", "later")
    assert scheduler.pop_due(clock.now()) is None
    assert scheduler.next_due() == DEFAULT_EPOCH + timedelta(seconds=10)
    assert len(scheduler) == 1
