"""The webhook outbox without HTTP: a recording sender stands in for the receiver."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from mockbsc.adapters.fixtures_file import load_scenario
from mockbsc.config import Settings
from mockbsc.domain.platform import Emulator
from mockbsc.domain.sms.outbox import DeliveryStatus, Outcome, Outgoing


class RecordingSender:
    """Answers `status` to every call (or fails `failures` calls first); records each call."""

    def __init__(self, failures: int = 0, status: int = 200) -> None:
        self.failures = failures
        self.status = status
        self.sent: list[Outgoing] = []

    def send(self, batch: Sequence[Outgoing]) -> list[Outcome]:
        outcomes = []
        for item in batch:
            self.sent.append(item)
            failing = self.failures > 0
            self.failures -= failing
            outcomes.append(Outcome(error="refused") if failing else Outcome(self.status))
        return outcomes


class BrokenSender:
    def send(self, batch: Sequence[Outgoing]) -> list[Outcome]:
        raise RuntimeError("bug in the sender")


@pytest.fixture
def emu() -> Emulator:
    emulator = Emulator(Settings(clock="manual", sms_forward_url="http://receiver.test/sms"),
                        load_scenario())
    return emulator


def attached_sims(emu: Emulator, count: int) -> list[str]:
    return [s.iccid for s in emu.sims.all() if s.org_id == 4321 and s.device.attached][:count]


def test_a_sims_later_message_waits_for_the_earlier_one_but_others_do_not(emu: Emulator) -> None:
    first, other = attached_sims(emu, 2)
    emu.sender = sender = RecordingSender(failures=1)
    a1 = emu.forwarder.send_mo(first, "a1")[0].id
    a2 = emu.forwarder.send_mo(first, "a2")[0].id
    b1 = emu.forwarder.send_mo(other, "b1")[0].id
    emu.advance(0)
    assert [s.message.sms.id for s in sender.sent] == [a1, b1]  # a1 refused, a2 waits
    emu.advance(300)
    assert [s.message.sms.id for s in sender.sent] == [a1, b1, a1, a2]


def test_a_message_waiting_behind_a_dead_one_keeps_its_own_24_hours(emu: Emulator) -> None:
    [iccid] = attached_sims(emu, 1)
    emu.sender = sender = RecordingSender(failures=10_000)
    emu.forwarder.send_mo(iccid, "first")
    emu.advance(3600)
    emu.forwarder.send_mo(iccid, "second")
    emu.advance(23 * 3600)
    first, second = emu.webhooks.listing()
    assert first.status is DeliveryStatus.FAILED
    assert second.status is DeliveryStatus.PENDING  # tried once, its window ends an hour later
    assert [s.message.sms.payload for s in sender.sent].count("second") == 1
    emu.advance(3600)
    assert second.status is DeliveryStatus.FAILED
    assert second.attempts[-1].at - second.created == timedelta(days=1)


def test_without_a_sender_deliveries_stay_queued(emu: Emulator) -> None:
    [iccid] = attached_sims(emu, 1)
    emu.forwarder.send_mo(iccid, "hello")
    emu.advance(48 * 3600)
    [delivery] = emu.webhooks.listing()
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.attempts == []


def test_a_broken_sender_fails_the_attempt_and_is_reported_by_check(emu: Emulator) -> None:
    [iccid] = attached_sims(emu, 1)
    emu.sender = BrokenSender()
    emu.forwarder.send_mo(iccid, "hello")
    emu.advance(0)
    [delivery] = emu.webhooks.listing()
    assert delivery.attempts[0].error == "sender error: bug in the sender"
    assert not delivery.in_flight
    with pytest.raises(RuntimeError, match="bug in the sender"):
        emu.check()


def test_reset_forgets_deliveries(emu: Emulator) -> None:
    [iccid] = attached_sims(emu, 1)
    emu.forwarder.send_mo(iccid, "hello")
    emu.reset()
    assert emu.webhooks.listing() == []
    assert emu.webhooks.next_due() is None


def test_retries_fall_due_in_time_order_across_many_sims(emu: Emulator) -> None:
    """The next due delivery comes from a heap of queue heads: with heads failing at
    different moments, each retry goes out at its own time and in due order, and one
    delivered head lets its SIM's next message through at once."""
    sims = attached_sims(emu, 6)
    emu.sender = sender = RecordingSender(failures=len(sims))
    for n, iccid in enumerate(sims):
        emu.forwarder.send_mo(iccid, f"first {n}")
        emu.advance(10)  # each first attempt (refused) ten seconds after the one before
    emu.forwarder.send_mo(sims[0], "second 0")
    sender.sent.clear()
    due = emu.webhooks.next_due()
    assert due is not None
    assert due > emu.now()
    emu.advance((due - emu.now()).total_seconds())
    assert [s.message.sms.payload for s in sender.sent] == ["first 0", "second 0"]
    emu.advance(3600)
    assert [s.message.sms.payload for s in sender.sent] == [
        "first 0", "second 0", *(f"first {n}" for n in range(1, 6))]
    assert emu.webhooks.next_due() is None
    assert all(d.status is DeliveryStatus.DELIVERED for d in emu.webhooks.listing())


def test_retries_due_before_the_next_job_go_out_together_each_at_its_moment(
        emu: Emulator) -> None:
    """One clock move sends the retries of many moments as one batch (so the sender can
    make the calls at once), yet each attempt is stamped with its own moment."""
    sims = attached_sims(emu, 4)
    batches: list[list[Outgoing]] = []

    class Batches(RecordingSender):
        def send(self, batch: Sequence[Outgoing]) -> list[Outcome]:
            batches.append(list(batch))
            return super().send(batch)

    emu.sender = Batches(failures=len(sims))
    for iccid in sims:
        emu.forwarder.send_mo(iccid, "hello")
        emu.advance(10)
    expected = sorted(d.next_attempt for d in emu.webhooks.listing()
                      if d.next_attempt is not None)
    batches.clear()
    emu.advance(3600)
    [retries] = batches
    assert [sent.at for sent in retries] == expected
    assert [d.attempts[-1].at for d in emu.webhooks.listing()] == expected
