"""The emulated platform as one object: it composes the capabilities and owns the clock, the
lock and the queue of work that falls due.

Every public method takes the one lock: the live server serves from its own thread while a
test changes state directly. Each capability gets only the narrow things it needs (clock,
scheduler, SIM lookup, its stores, callbacks) and never this facade; the facade wires their
callbacks together. Time-dependent work is queued in the scheduler and run by `run_due()` /
`advance()`, each job at its own due moment, interleaved with webhook attempts.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, ParamSpec, TypeVar

from mockbsc.domain.access.models import Organisation, Token
from mockbsc.domain.access.rate_limits import RateLimiter
from mockbsc.domain.access.tokens import TokenStore
from mockbsc.domain.clock import Clock, ManualClock, SystemClock, check_target
from mockbsc.domain.faults.rules import FaultBook, parse_specs
from mockbsc.domain.fleet.events import EventLog
from mockbsc.domain.fleet.lifecycle import Delays, SimChanges, SimLifecycle
from mockbsc.domain.fleet.lifetime import SimLifetime
from mockbsc.domain.fleet.limits import SelfSetLimits
from mockbsc.domain.fleet.lookup import SimLookup
from mockbsc.domain.fleet.models import Sim, SimEvent
from mockbsc.domain.fleet.radio import RadioNetwork
from mockbsc.domain.fleet.recipe import EAGER, BlockIccids
from mockbsc.domain.fleet.registry import SimRegistry
from mockbsc.domain.fleet.seeding import (
    LabelSource,
    explicit_sims,
    label_words,
    seed_block,
)
from mockbsc.domain.fleet.usage import UsageLedger, UsageReport
from mockbsc.domain.journal import RequestJournal
from mockbsc.domain.orders.book import OrderBook, TopUpPrice
from mockbsc.domain.orders.desk import OrderDesk
from mockbsc.domain.orders.topups import TopUpDesk
from mockbsc.domain.paging import Page
from mockbsc.domain.scenario import PlatformSettings, Scenario
from mockbsc.domain.scheduler import Job, Scheduler
from mockbsc.domain.sms.centre import Messaging
from mockbsc.domain.sms.forwarder import SmsForwarder
from mockbsc.domain.sms.outbox import Outcome, Outgoing, Sender, WebhookDispatcher
from mockbsc.domain.sms.records import SmsCenter
from mockbsc.domain.sms.retry import RetryPolicy

__all__ = ["Emulator", "PlatformSettings", "SimChanges", "make_clock", "retry_policy"]

LOG = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def locked(method: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with args[0].lock:  # type: ignore[attr-defined]
            return method(*args, **kwargs)

    return wrapper


def make_clock(settings: PlatformSettings) -> Clock:
    if settings.clock == "manual":
        return ManualClock(settings.start)
    clock = SystemClock()
    if settings.start is not None:
        clock.set(settings.start)
    return clock


def retry_policy(settings: PlatformSettings) -> RetryPolicy:
    return RetryPolicy(settings.webhook_first_retry, settings.webhook_backoff,
                       settings.webhook_max_interval, settings.webhook_window)


class Emulator:
    """Aggregate root; the HTTP layer calls only these methods and the capabilities' own.

    Args:
        settings: the platform's settings (see `PlatformSettings`).
        scenario: organisations, users, products and the fleet's mix.
        clock: the one source of time; made from the settings when None.
        sender: sends webhook attempts; None keeps them queued (pure domain use).
        labels: the device-name pool per seed; Faker's, made in this process, when None.
        seeded_at: seed the fleet as of this instant (a restored state file's), else now.
    """

    def __init__(self, settings: PlatformSettings, scenario: Scenario,
                 clock: Clock | None = None, sender: Sender | None = None,
                 labels: LabelSource | None = None, seeded_at: datetime | None = None) -> None:
        self.settings = settings
        self.scenario = scenario
        self.clock = clock or make_clock(settings)
        self.lock = threading.RLock()
        self.labels = labels or label_words
        self.sender = sender
        self.errors: list[BaseException] = []
        self.on_reset: list[Callable[[], None]] = []  # told after a reset (the change log)
        self.orgs: dict[int, Organisation] = {}
        self.seeded_at = self.clock.now()
        # stores
        self.tokens = TokenStore(self.clock, settings.token_ttl, settings.token_reuse)
        self.sims = SimRegistry()
        self.events = EventLog()
        self.usage = UsageLedger()
        self.orders = OrderBook(
            scenario.products, TopUpPrice(scenario.topup_price_net, scenario.currency)
        )
        self.sms = SmsCenter()
        self.scheduler = Scheduler(self.clock)
        self.webhooks = WebhookDispatcher(retry_policy(settings), self.lock, self.forward_url)
        self.journal = RequestJournal(max_bytes=settings.journal_bytes)
        self.faults = FaultBook("/management-api")
        self.limits = RateLimiter(settings.rate_limits)
        # capabilities
        self.traffic_limits = SelfSetLimits(lambda org_id: self.orgs.get(org_id), self.usage)
        self.network = RadioNetwork(self.events, self.usage, self.traffic_limits)
        self.lookup = SimLookup(self.sims, self.events, self.usage,
                                scenario.mix.history_days, lambda: self.seeded_at)
        self.lifecycle = SimLifecycle(
            self.clock, self.scheduler, self.lookup, self.events, self.network,
            Delays(settings.update_delay, settings.reset_delay, settings.reattach_delay))
        self.messaging = Messaging(self.lock, self.clock, self.scheduler, self.lookup,
                                   self.network, self.sms, settings.sms_delivery_delay)
        self.ordering = OrderDesk(self.lock, self.clock, self.scheduler, self.orders, self.sims,
                                  scenario.mix, settings.order_step)
        self.lifetime = SimLifetime(self.lock, self.clock, self.scheduler, self.lookup, self.sims,
                                    self.events, self.network, self.orders.contract_months)
        self.topups = TopUpDesk(self.lock, self.clock, self.lookup, self.orders, self.network,
                                self.scheduler, self.lifetime, settings.bank_transfer_delay)
        self.forwarder = SmsForwarder(self.lock, self.clock, self.lookup, self.sms,
                                      self.webhooks, self.network, self.events,
                                      lambda org_id: self.orgs.get(org_id))
        # wiring: who hears of what
        self.lifecycle.on_attach.append(self.messaging.on_attach)
        self.messaging.on_final.append(self.forwarder.report)
        self.webhooks.on_attempt.append(self.forwarder.on_attempt)
        self.reset(at=seeded_at)

    # ----------------------------------------------------------------- state and time
    @locked
    def reset(self, seed: int | None = None, sims: int | None = None,
              at: datetime | None = None) -> None:
        """Back to the seeded state: same fleet for the same seed, no tokens, empty queues;
        seeded as of `at` (a restore rebuilds a fleet seeded earlier), else now."""
        changes = {k: v for k, v in (("seed", seed), ("sims", sims)) if v is not None}
        if changes:
            self.settings = self.settings.replace(**changes)
        self.tokens.clear_tokens()
        for store in (self.sims, self.events, self.usage, self.orders, self.sms, self.scheduler,
                      self.webhooks, self.lifecycle):
            store.clear()
        self.errors.clear()
        self.journal.clear()
        self.faults.load(parse_specs(self.settings.faults or ""))
        self.limits.clear()
        self.orgs = {}
        now = self.seeded_at = at or self.clock.now()
        words = self.labels(self.settings.seed)
        index = 0
        for spec in self.scenario.org_specs(self.settings.sims, self.settings.users):
            url = spec.sms_forward_url
            if spec.id == self.scenario.default_org_id and self.settings.sms_forward_url:
                url = self.settings.sms_forward_url  # --sms-forward-url beats the fixtures
            self.orgs[spec.id] = Organisation(spec.id, spec.name, url)
            given = explicit_sims(spec, now, self.scenario.mix, index, words)
            for sim in given:
                self.sims.add(sim)
            index += len(given)
            if spec.sims > 0:  # a given SIM keeps its ICCID: the block skips it
                block = seed_block(spec, spec.sims, self.settings.seed, now,
                                   self.scenario.mix, index, labels=words)
                self.sims.add_block(block)
                first = min((s.activation_date for s in self.sims.made()
                             if s.org_id == spec.id and block.offset_of(s.iccid) is not None),
                            default=now)
                if block.count > EAGER:  # not all drawn yet: the earliest any can be
                    first = block.earliest_activation
                if block.listed:  # the order the SIMs came from: two days before the first
                    self.orders.seed_fleet_order(spec.id, first - timedelta(days=2),
                                                 BlockIccids(block))
            index += spec.sims
            for order in spec.orders:
                self.orders.add_existing(order)
        for user in self.scenario.api_users(self.settings.users):
            self.tokens.add_user(user)
        self.lifetime.start()
        for listener in self.on_reset:
            listener()

    def now(self) -> datetime:
        return self.clock.now()

    def run_due(self) -> int:
        """Run every job due by now; returns how many ran. Sends nothing (safe in a request)."""
        return self._run_until(self.clock.now())

    def run_light_due(self, limit: int = 64) -> bool:
        """Run up to `limit` due light jobs (a queued SIM change, an SMS step: no hop to a worker
        thread); whether work is still due (then the app runs `run_due` off its loop)."""
        now = self.clock.now()
        for _ in range(limit):
            with self.lock:
                if (job := self.scheduler.pop_due_light(now)) is None:
                    break
                self._run(job)  # due by `now`: the clock is past it already
        return (due := self.scheduler.next_due()) is not None and due <= now

    def work_due(self) -> bool:
        """Whether a queued job is due (cheap: the app then runs them off the event loop)."""
        return (due := self.scheduler.next_due()) is not None and due <= self.clock.now()

    def deliver_due(self) -> int:
        """Run due jobs and send the webhook attempts due by now (blocks on the receivers:
        call it from a worker thread, never from request handling)."""
        with self.lock:
            now = self.clock.now()
        return self._timeline(now)

    def deliveries_due(self) -> bool:
        with self.lock:
            due = self.webhooks.next_due()
            return self.sender is not None and due is not None and due <= self.clock.now()

    def advance(self, seconds: float) -> int:
        """Move time forward, running each job and sending each webhook attempt that falls
        due at its own moment (attempts go out through the sender, outside the lock)."""
        with self.lock:
            target = check_target(self.clock.now(), seconds)
        ran = self._timeline(target)
        with self.lock:
            self._move_to(target)
        return ran

    def set_time(self, moment: datetime) -> int:
        with self.lock:
            check_target(self.clock.now(), moment=moment)
            if moment < self.clock.now():
                self.clock.set(moment)  # raises ClockError: time never moves back
        ran = self._timeline(moment)
        with self.lock:
            self.clock.set(max(moment, self.clock.now()))
        return ran

    def forward_url(self, org_id: int) -> str | None:
        """Where an organisation's SMS are forwarded (set it: `forwarder.set_url`)."""
        org = self.orgs.get(org_id)
        return org.sms_forward_url if org else None

    def _timeline(self, until: datetime) -> int:
        """Run jobs and webhook attempts up to `until`, each at its moment; returns how many.

        Jobs due at a moment run before the attempts due then (a delivery report is due the
        moment its SMS is delivered). Attempts are sent outside the lock, so that the API
        keeps answering and a receiver may call it back; all due before the next job go out as
        one batch, each stamped with its own moment. Without a sender only jobs run.
        """
        ran = 0
        hooks, sender = self.webhooks, self.sender
        while True:
            with self.lock:
                if sender is not None:
                    hooks.wait_idle(self.settings.webhook_timeout * 2 + 1)
                job_due = self.scheduler.next_due()
                hook_due = hooks.next_due() if sender is not None else None
                if job_due is None or job_due > until or (hook_due is not None
                                                          and hook_due < job_due):
                    if sender is None or hook_due is None or hook_due > until:
                        return ran
                    window = until if job_due is None or job_due > until else \
                        job_due - timedelta(microseconds=1)  # just before the next job
                    job_due = None  # attempts first
                    self._move_to(hook_due)
                    batch = hooks.claim(self.clock.now(), window)
            if job_due is not None or sender is None:  # outside the lock: _run_until takes
                ran += self._run_until(job_due or until)  # it per job (a big order's batches)
                continue
            ran += len(batch)
            outcomes = self._send(sender, batch)
            with self.lock:
                for sent, outcome in zip(batch, outcomes, strict=True):
                    hooks.complete(sent, outcome)

    def _send(self, sender: Sender, batch: list[Outgoing]) -> list[Outcome]:
        if not batch:
            return []
        try:
            outcomes = sender.send(batch)
            if len(outcomes) != len(batch):
                raise ValueError(f"sender answered {len(outcomes)} outcomes for {len(batch)}")
            return outcomes
        except Exception as exc:  # a sender bug: the attempts failed; surfaced by check()
            LOG.exception("webhook sender failed")
            self.errors.append(exc)
            return [Outcome(error=f"sender error: {exc}") for _ in batch]

    def _run_until(self, until: datetime) -> int:
        ran = 0
        while True:
            with self.lock:  # per job: a long queue lets other callers in between jobs
                if (job := self.scheduler.pop_due(until)) is None:
                    return ran
                self._move_to(job.due_at)
                self._run(job)
            ran += 1

    def _run(self, job: Job) -> None:
        try:
            self.scheduler.run(job)
        except Exception as exc:  # a failing job must not stop the queue; surfaced by check()
            LOG.exception("queued job %s%r failed", job.kind, tuple(job.args))
            self.errors.append(exc)

    def _move_to(self, moment: datetime) -> None:
        if moment > self.clock.now():
            self.clock.set(moment)

    # ----------------------------------------------------------------- tokens
    @locked
    def issue_token(self, username: str, password: str) -> tuple[Token, int]:
        token = self.tokens.issue(self.tokens.authenticate(username, password))
        return token, self.tokens.expires_in(token)

    @locked
    def verify_token(self, value: str) -> Token:
        return self.tokens.verify(value)

    # ----------------------------------------------------------------- SIMs
    def list_sims(self, org_id: int, page: int, page_size: int, q: str | None,
                  sort: str | None) -> Page[Sim]:
        if q or sort:  # the seeded IMEIs a filter reads, before the lock: seconds for 1M
            self.sims.prepare_filters(org_id)
        return self._list_sims(org_id, page, page_size, q, sort)

    @locked
    def _list_sims(self, org_id: int, page: int, page_size: int, q: str | None,
                   sort: str | None) -> Page[Sim]:
        return self.sims.listing(org_id, page, page_size, q, sort)

    @locked
    def get_sim(self, org_id: int, iccid: str) -> Sim:
        return self.lookup.sim(org_id, iccid)

    @locked
    def queue_changes(self, org_id: int, changes: Sequence[SimChanges]) -> None:
        self.lifecycle.queue_changes(org_id, changes)

    @locked
    def request_reset(self, org_id: int, iccid: str) -> None:
        self.lifecycle.request_reset(org_id, iccid)

    @locked
    def sim_events(self, org_id: int, iccid: str, page: int, page_size: int,
                   sort: str | None) -> Page[SimEvent]:
        self.lookup.sim(org_id, iccid)
        return self.events.listing(iccid, self.clock.now(), page, page_size, sort)

    @locked
    def sim_usage(self, org_id: int, iccid: str, start: str | None,
                  end: str | None) -> UsageReport:
        self.lookup.sim(org_id, iccid)
        return self.usage.report(iccid, self.clock.now().date(), start, end)

    # ----------------------------------------------------------------- control plane
    @locked
    def attach(self, iccid: str, operator: str | None = None, country: str | None = None,
               rat: str | None = None) -> Sim:
        return self.lifecycle.attach(iccid, operator, country, rat)

    @locked
    def detach(self, iccid: str) -> Sim:
        return self.lifecycle.detach(iccid)

    @locked
    def consume(self, iccid: str, megabytes: float) -> Sim:
        return self.lifecycle.consume(iccid, megabytes)

    def check(self) -> None:
        """Raise the first error a queued job or handler hit (pytest-httpserver's check())."""
        if self.errors:
            raise self.errors[0]

    def describe(self) -> dict[str, Any]:
        return {"sims": len(self.sims), "jobs": len(self.scheduler), "clock": self.clock.mode}
