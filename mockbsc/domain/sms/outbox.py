"""The SMS forwarder's outbox: deliveries pushed until the receiver answers 2xx, and their
attempt log (the retry schedule is `mockbsc.domain.sms.retry`).

The platform retries a forwarder that does not answer 2xx with a growing back-off (first retry
about 5 minutes, the second about 15 minutes after the message) for 24 hours, then gives up
and raises an error event. A SIM's messages arrive in the order they were produced: a later
one waits until the earlier one is acknowledged or given up.

No I/O here: `claim()` hands out what is due, a `Sender` (outside the domain) sends it outside
the emulator lock, and `complete()` records the outcome at the moment of the attempt.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from mockbsc.domain.sms.records import Sms
from mockbsc.domain.sms.retry import RetryPolicy

NO_URL = "no SMS forwarding URL is set for the organisation"


class DeliveryKind(StrEnum):
    DLR = "dlr"  # delivery report of an MT SMS, sent by PATCH
    MO = "mo"  # SMS from the device, sent by POST

    @property
    def method(self) -> str:
        return "PATCH" if self is DeliveryKind.DLR else "POST"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # given up after the retry window


@dataclass(frozen=True, slots=True)
class WebhookMessage:
    """What is delivered: the SMS as it was when the message was produced, so that every
    retry carries the same id and body (an MO SMS shares its record: what its body shows
    never changes; see `SmsForwarder._enqueue`)."""

    kind: DeliveryKind
    org_id: int
    sms: Sms


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One attempt handed to the sender."""

    delivery_id: int
    method: str
    url: str
    message: WebhookMessage
    at: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the receiver answered: an HTTP status, or an error (refused, timeout, bad URL)."""

    status: int | None = None
    error: str | None = None
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Sender(Protocol):
    """Sends a batch of attempts, at most a bounded number at once, each with a timeout;
    returns one outcome per attempt, in order, and never raises for a receiver's failure."""

    def send(self, batch: Sequence[Outgoing]) -> list[Outcome]: ...


@dataclass(frozen=True, slots=True)
class Attempt:
    at: datetime
    method: str
    url: str | None
    status: int | None
    error: str | None
    duration_ms: float
    next_attempt: datetime | None


@dataclass(slots=True)
class Delivery:
    id: int
    message: WebhookMessage
    created: datetime
    next_attempt: datetime | None
    url: str | None
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: list[Attempt] = field(default_factory=list)
    in_flight: bool = False

    @property
    def kind(self) -> DeliveryKind:
        return self.message.kind

    @property
    def iccid(self) -> str:
        return self.message.sms.iccid

    def __lt__(self, other: Delivery) -> bool:
        """The due heap's order: next attempt, then id (a settled one's None comes last)."""
        mine, theirs = self.next_attempt, other.next_attempt
        if mine == theirs:
            return self.id < other.id
        return theirs is None or (mine is not None and mine < theirs)


class WebhookDispatcher:
    """Deliveries by id plus one FIFO queue per SIM; only a queue's head is ever attempted.

    A SIM's queue is a plain list: it rarely holds more than one id, and an empty `deque`
    costs 624 bytes against a one-item list's 64 (a third of a pending delivery's memory).

    Which head falls due next is kept in a heap of the heads themselves, ordered by (next
    attempt, id), so finding it does not walk every SIM's queue (10,000 pending retries made
    every tick and every request that moved time do that). The heap holds references, not
    (time, id) tuples (64 bytes per pending delivery), which is sound because a delivery's
    next attempt only changes while it is out of the heap: `claim()` pops a head before its
    attempt sets the retry, and `_settle()` moves up the time of a delivery that was behind
    the head, never in the heap. Entries that no longer stand for a waiting head (reset,
    restored, in flight) are dropped when they reach the top.
    """

    def __init__(self, policy: RetryPolicy, lock: threading.RLock,
                 url_of: Callable[[int], str | None]) -> None:
        self.policy = policy
        self._url_of = url_of
        self._idle = threading.Condition(lock)
        self._by_id: dict[int, Delivery] = {}
        self._queues: dict[str, list[int]] = {}
        self._in_flight = 0
        self._next_id = 1
        self._due: list[Delivery] = []
        self.on_attempt: list[Callable[[Delivery, Attempt], None]] = []

    def enqueue(self, message: WebhookMessage, now: datetime) -> Delivery | None:
        """Queue a message for the organisation's forwarding URL; None when it has none."""
        url = self._url_of(message.org_id)
        if url is None:
            return None
        delivery = Delivery(self._next_id, message, now, now, url)
        self._next_id += 1
        self._by_id[delivery.id] = delivery
        queue = self._queues.get(delivery.iccid)
        if queue:
            queue.append(delivery.id)
        else:  # a one-item list of its exact size (an append would reserve four slots)
            self._queues[delivery.iccid] = [delivery.id]
            self._schedule(delivery)
        return delivery

    def next_due(self) -> datetime | None:
        """When the earliest queue head not already in flight falls due."""
        due = self._due
        while due and not self._current(due[0]):
            heapq.heappop(due)
        return due[0].next_attempt if due else None

    def claim(self, now: datetime, until: datetime | None = None) -> list[Outgoing]:
        """Mark every head due by `until` (default: `now`) as in flight and hand it out, each
        attempt at its own moment (`now` for one overdue); a head without a URL fails its
        attempt at once (the user may still set one before the next)."""
        batch = []
        due, popped, limit = self._due, [], now if until is None else max(now, until)
        while due and _before(due[0].next_attempt, limit):  # first: a retry pushed below
            popped.append(heapq.heappop(due))  # waits for the next claim
        for head in popped:
            at = head.next_attempt
            if at is None or not self._current(head):
                continue
            delivery = self._by_id[head.id]  # claimed: it changes (noted by the change log)
            moment = max(at, now)
            url = self._url_of(delivery.message.org_id)
            if url is None:
                self._record(delivery, moment, None, Outcome(error=NO_URL))
                continue
            delivery.in_flight, delivery.url = True, url
            self._in_flight += 1
            batch.append(Outgoing(delivery.id, delivery.kind.method, url, delivery.message,
                                  moment))
        return batch

    def complete(self, sent: Outgoing, outcome: Outcome) -> None:
        """Record an attempt's outcome at the moment it was made."""
        delivery = self._by_id.get(sent.delivery_id)
        self._in_flight = max(0, self._in_flight - 1)
        self._idle.notify_all()
        if delivery is None or not delivery.in_flight:
            return  # the emulator was reset while the attempt was under way
        delivery.in_flight = False
        self._record(delivery, sent.at, sent.url, outcome)

    def wait_idle(self, timeout: float) -> None:
        """Wait (lock released) until attempts claimed by another thread have completed, so
        that whoever moves time never skips past an attempt whose outcome is still open."""
        self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    def listing(self, status: DeliveryStatus | None = None, iccid: str | None = None,
                kind: DeliveryKind | None = None,
                attempted: bool | None = None) -> list[Delivery]:
        """Deliveries oldest first; `attempted`: only those with (True) or without (False) an
        attempt made (a pending one with an attempt is waiting for its retry)."""
        return [d for d in self._by_id.values()
                if (status is None or d.status is status) and (iccid is None or d.iccid == iccid)
                and (kind is None or d.kind is kind)
                and (attempted is None or bool(d.attempts) is attempted)]

    def clear(self) -> None:
        """Forget every delivery; ids keep counting so that an attempt still under way when
        the emulator is reset can never be taken for a new delivery."""
        self._by_id.clear()
        self._queues.clear()
        self._due.clear()

    def reindex(self) -> None:
        """Rebuild the heap of due heads from the queues (after a restore sets them)."""
        for iccid, queue in dict.items(self._queues):
            if not isinstance(queue, list):  # saved when the queues were deques: same ids
                dict.__setitem__(self._queues, iccid, list(queue))
        self._due = [d for d in self._heads() if d.next_attempt is not None and not d.in_flight]
        heapq.heapify(self._due)

    def _heads(self) -> list[Delivery]:
        return [self._by_id[queue[0]] for queue in self._queues.values() if queue]

    def _schedule(self, delivery: Delivery) -> None:
        if delivery.next_attempt is not None and delivery.status is DeliveryStatus.PENDING:
            heapq.heappush(self._due, delivery)

    def _current(self, entry: Delivery) -> bool:
        """Whether a heap entry still stands for a head waiting for its attempt."""
        # Plain dict reads: the change log notes keys read through the stores' own methods
        # (mockbsc.domain.state.changes), and looking at the heap changes nothing.
        if dict.get(self._by_id, entry.id) is not entry or entry.in_flight \
                or entry.next_attempt is None or entry.status is not DeliveryStatus.PENDING:
            return False
        queue = dict.get(self._queues, entry.iccid)
        return queue is not None and len(queue) > 0 and queue[0] == entry.id

    def _record(self, delivery: Delivery, at: datetime, url: str | None,
                outcome: Outcome) -> None:
        if outcome.ok:
            delivery.status, delivery.next_attempt = DeliveryStatus.DELIVERED, None
        else:
            delivery.next_attempt = self.policy.next_attempt(
                delivery.created, at, len(delivery.attempts) + 1)
            if delivery.next_attempt is None:
                delivery.status = DeliveryStatus.FAILED
        attempt = Attempt(at, delivery.kind.method, url, outcome.status, outcome.error,
                          outcome.duration_ms, delivery.next_attempt)
        if delivery.attempts:
            delivery.attempts.append(attempt)
        else:  # a one-item list of its exact size (an append reserves four slots)
            delivery.attempts = [attempt]
        if delivery.status is not DeliveryStatus.PENDING:
            self._settle(delivery, at)
        else:
            self._schedule(delivery)  # its retry
        for listener in self.on_attempt:
            listener(delivery, attempt)

    def _settle(self, delivery: Delivery, at: datetime) -> None:
        """Take the delivery off its SIM's queue; the next one is due now at the latest."""
        queue = self._queues.get(delivery.iccid)
        if queue and queue[0] == delivery.id:
            del queue[0]
        if queue:
            following = self._by_id[queue[0]]
            if following.next_attempt is not None and following.next_attempt < at:
                following.next_attempt = at
            self._schedule(following)
        elif queue is not None:
            del self._queues[delivery.iccid]


def _before(at: datetime | None, limit: datetime) -> bool:
    return at is not None and at <= limit
