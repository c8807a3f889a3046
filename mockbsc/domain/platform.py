"""The emulated platform as one object: fleet, tokens, orders, SMS centre, queues and clock.

Every public method takes the one lock: the live server serves from its own thread while a
test changes state directly. Time-dependent work is queued in the scheduler and run by
`run_due()` / `advance()`, each job at its own due moment.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ParamSpec, TypeVar

from mockbsc.config import Settings
from mockbsc.domain.access.rate_limits import RateLimiter
from mockbsc.domain.access.tokens import TokenStore
from mockbsc.domain.clock import Clock, ManualClock, SystemClock
from mockbsc.domain.errors import ConflictError, NotFoundError
from mockbsc.domain.faults.rules import FaultBook, parse_specs
from mockbsc.domain.fleet import events as ev
from mockbsc.domain.fleet.events import EventLog
from mockbsc.domain.fleet.history import materialize
from mockbsc.domain.fleet.models import (
    Organisation,
    Sim,
    SimEvent,
    SimStatus,
    Token,
    User,
)
from mockbsc.domain.fleet.operators import network_by
from mockbsc.domain.fleet.radio import RadioNetwork
from mockbsc.domain.fleet.registry import Page, SimRegistry
from mockbsc.domain.fleet.usage import UsageLedger, UsageReport
from mockbsc.domain.journal import RequestJournal
from mockbsc.domain.orders.book import OrderBook, TopUpPrice
from mockbsc.domain.scenario import OrgSpec, Scenario
from mockbsc.domain.scheduler import Job, Scheduler
from mockbsc.domain.sms.outbox import RetryPolicy, Sender, WebhookDispatcher, run_timeline
from mockbsc.domain.sms.records import SmsCenter

P = ParamSpec("P")
R = TypeVar("R")


def locked(method: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with args[0].lock:  # type: ignore[attr-defined]
            return method(*args, **kwargs)

    return wrapper


@dataclass(frozen=True, slots=True)
class SimChanges:
    """A queued `PUT`/`POST /v1/sims` change; None means "leave as it is"."""

    iccid: str
    label: str | None = None
    imei_lock: bool | None = None
    status: SimStatus | None = None


def make_clock(settings: Settings) -> Clock:
    if settings.clock == "manual":
        return ManualClock(settings.start)
    clock = SystemClock()
    if settings.start is not None:
        clock.set(settings.start)
    return clock


class Emulator:
    """Aggregate root; the HTTP layer calls only these methods."""

    def __init__(self, settings: Settings, scenario: Scenario, clock: Clock | None = None,
                 sender: Sender | None = None) -> None:
        self.settings = settings
        self.scenario = scenario
        self.clock = clock or make_clock(settings)
        self.lock = threading.RLock()
        self.tokens = TokenStore(self.clock, settings.token_ttl, settings.token_reuse)
        self.sims = SimRegistry()
        self.events = EventLog()
        self.usage = UsageLedger()
        self.network = RadioNetwork(self.events, self.usage)
        self.orders = OrderBook(
            scenario.products, TopUpPrice(scenario.topup_price_net, scenario.currency)
        )
        self.sms = SmsCenter()
        self.webhooks = WebhookDispatcher(retry_policy(settings), self.lock, self._forward_url)
        self.sender = sender  # None: webhook deliveries stay queued (pure domain use)
        self.scheduler = Scheduler()
        self.orgs: dict[int, Organisation] = {}
        self.errors: list[BaseException] = []
        self.journal = RequestJournal()
        self.faults = FaultBook("/management-api")
        self.limits = RateLimiter(settings.rate_limits)
        self._pending: dict[int, SimChanges] = {}
        self._next_change = 1
        self.on_attach: list[Callable[[Sim], None]] = []
        self._handlers: dict[str, Callable[..., None]] = {
            "apply_changes": self._apply_changes,
            "reset_drop": self._reset_drop,
            "reset_restore": self._reset_restore,
        }
        self.seeded_at = self.clock.now()
        from mockbsc.domain.orders.desk import OrderDesk
        from mockbsc.domain.sms.centre import Messaging

        self.messaging = Messaging(self)
        self.ordering = OrderDesk(self)
        from mockbsc.domain.sms.forwarder import SmsForwarder

        self.forwarder = SmsForwarder(self)
        self.reset()

    # ----------------------------------------------------------------- state and time
    @locked
    def reset(self, seed: int | None = None, sims: int | None = None) -> None:
        """Back to the seeded state: same fleet for the same seed, no tokens, empty queues."""
        from mockbsc.adapters.fixtures_file import generate_sims, label_words

        if seed is not None or sims is not None:
            self.settings = _replace(self.settings, seed=seed, sims=sims)
        self.tokens.clear_tokens()
        for store in (self.sims, self.events, self.usage, self.orders, self.sms, self.scheduler,
                      self.webhooks):
            store.clear()
        self._pending.clear()
        self.errors.clear()
        self.journal.clear()
        self.faults.load(parse_specs(self.settings.faults or ""))
        self.limits.clear()
        self.orgs = {}
        now = self.seeded_at = self.clock.now()
        words = label_words(self.settings.seed)
        index = 0
        for spec in self._org_specs():
            url = spec.sms_forward_url
            if spec.id == self.scenario.default_org_id and self.settings.sms_forward_url:
                url = self.settings.sms_forward_url  # --sms-forward-url beats the fixtures
            self.orgs[spec.id] = Organisation(spec.id, spec.name, url)
            for sim in generate_sims(spec, spec.sims, self.settings.seed, now,
                                     self.scenario.mix, index, labels=words):
                self.sims.add(sim)
            index += spec.sims
        for user in self._users():
            self.tokens.add_user(user)

    def _org_specs(self) -> list[OrgSpec]:
        specs = list(self.scenario.orgs)
        if self.settings.sims is not None:
            specs = [
                OrgSpec(o.id, o.name, self.settings.sims, o.sms_forward_url)
                if o.id == self.scenario.default_org_id else o
                for o in specs
            ]
        known = {o.id for o in specs}
        for entry in self.settings.users:
            parts = entry.split(":")
            if len(parts) == 3 and int(parts[2]) not in known:
                known.add(int(parts[2]))
                specs.append(OrgSpec(int(parts[2]), f"Organisation {parts[2]}", 10))
        return specs

    def _users(self) -> list[User]:
        users = [User(u.username, u.password, u.org_id, u.user_id, u.api_access)
                 for u in self.scenario.users]
        for n, entry in enumerate(self.settings.users):
            name, password, *org = entry.split(":")
            org_id = int(org[0]) if org else self.scenario.default_org_id
            users.append(User(name, password, org_id, 900_000 + n, True))
        return users

    def now(self) -> datetime:
        return self.clock.now()

    @locked
    def run_due(self) -> int:
        """Run every job due by now; returns how many ran. Sends nothing (safe in a request)."""
        return self._run_until(self.clock.now())

    def deliver_due(self) -> int:
        """Run due jobs and send the webhook attempts due by now (blocks on the receivers:
        call it from a worker thread, never from request handling)."""
        with self.lock:
            now = self.clock.now()
        return run_timeline(self, now, self.sender, self._idle_wait())

    def deliveries_due(self) -> bool:
        with self.lock:
            due = self.webhooks.next_due()
            return self.sender is not None and due is not None and due <= self.clock.now()

    def advance(self, seconds: float) -> int:
        """Move time forward, running each job and sending each webhook attempt that falls
        due at its own moment (attempts go out through the sender, outside the lock)."""
        with self.lock:
            target = self.clock.now() + timedelta(seconds=seconds)
        ran = run_timeline(self, target, self.sender, self._idle_wait())
        with self.lock:
            self._move_to(target)
        return ran

    def set_time(self, moment: datetime) -> int:
        with self.lock:
            if moment < self.clock.now():
                self.clock.set(moment)  # raises ClockError: time never moves back
        ran = run_timeline(self, moment, self.sender, self._idle_wait())
        with self.lock:
            self.clock.set(max(moment, self.clock.now()))
        return ran

    def _idle_wait(self) -> float:
        return self.settings.webhook_timeout * 2 + 1

    def _forward_url(self, org_id: int) -> str | None:
        org = self.orgs.get(org_id)
        return org.sms_forward_url if org else None

    def _run_until(self, until: datetime) -> int:
        ran = 0
        while (job := self.scheduler.pop_due(until)) is not None:
            self._move_to(job.due_at)
            self._run(job)
            ran += 1
        return ran

    def _run(self, job: Job) -> None:
        try:
            self._handlers[job.kind](*job.args)
        except Exception as exc:  # a failing job must not stop the queue; surfaced by check()
            self.errors.append(exc)

    def _move_to(self, moment: datetime) -> None:
        if moment > self.clock.now():
            self.clock.set(moment)

    def schedule(self, delay: float, kind: str, *args: str | int | float) -> Job:
        return self.scheduler.schedule(self.clock.now() + timedelta(seconds=delay), kind, *args)

    def handles(self, kind: str, handler: Callable[..., None]) -> None:
        """Register the runner of a job kind (used by the SMS centre and webhooks)."""
        self._handlers[kind] = handler

    # ----------------------------------------------------------------- tokens
    @locked
    def issue_token(self, username: str, password: str) -> tuple[Token, int]:
        token = self.tokens.issue(self.tokens.authenticate(username, password))
        return token, self.tokens.expires_in(token)

    @locked
    def verify_token(self, value: str) -> Token:
        return self.tokens.verify(value)

    # ----------------------------------------------------------------- SIMs
    def sim(self, org_id: int, iccid: str) -> Sim:
        """The organisation's SIM with its seeded history in place (lazily made)."""
        sim = self.sims.get(org_id, iccid)
        if not sim.history_loaded:
            # The history describes the past up to seeding, whenever it is first read, so the
            # same seed tells the same story however far the clock has moved since.
            materialize(sim, self.seeded_at, self.scenario.mix.history_days,
                        self.events, self.usage)
        return sim

    def sim_any_org(self, iccid: str) -> Sim:
        found = self.sims.find(iccid)
        if found is None:
            raise NotFoundError(f"SIM {iccid} not found")
        return self.sim(found.org_id, iccid)

    @locked
    def list_sims(self, org_id: int, page: int, page_size: int, q: str | None,
                  sort: str | None) -> Page[Sim]:
        return self.sims.listing(org_id, page, page_size, q, sort)

    @locked
    def get_sim(self, org_id: int, iccid: str) -> Sim:
        return self.sim(org_id, iccid)

    @locked
    def queue_changes(self, org_id: int, changes: Sequence[SimChanges]) -> None:
        """Accept SIM changes now and apply them later, as the platform's queue does.

        SIMs of other organisations or unknown ICCIDs in a bulk request are skipped when the
        queue runs (the platform accepts the request as a whole).
        """
        for change in changes:
            number = self._next_change
            self._next_change += 1
            self._pending[number] = change
            self.schedule(self.settings.update_delay, "apply_changes", org_id, number)

    def _apply_changes(self, org_id: int, number: int) -> None:
        change = self._pending.pop(number)
        found = self.sims.find(change.iccid)
        if found is None or found.org_id != org_id:
            return
        sim = self.sim(org_id, change.iccid)
        now = self.clock.now()
        if change.label is not None and change.label != sim.label:
            sim.label = change.label
            self.events.record(sim, ev.LABEL_CHANGED, now, f"Label changed to '{change.label}'")
        if change.imei_lock is not None and change.imei_lock != sim.imei_lock:
            sim.imei_lock = change.imei_lock
            self.events.record(sim, ev.IMEI_LOCK_CHANGED, now,
                               f"IMEI lock {'enabled' if change.imei_lock else 'disabled'}")
        if change.status is not None and change.status is not sim.status:
            self._change_status(sim, change.status, now)

    def _change_status(self, sim: Sim, status: SimStatus, now: datetime) -> None:
        before = sim.status
        sim.status = status
        description = f"Status of SIM changed from '{before.value}' to '{status.value}'"
        if status is SimStatus.DISABLED:
            self.network.detach(sim, now)  # deactivation purges the attachment at once
            self.events.record(sim, ev.SIM_SUSPENSION, now, description)
        else:
            self.events.record(sim, ev.SIM_ACTIVATION, now, description)
            self.schedule(self.settings.reattach_delay, "reset_restore", sim.iccid)

    @locked
    def request_reset(self, org_id: int, iccid: str) -> None:
        sim = self.sim(org_id, iccid)
        self.events.record(sim, ev.CONNECTIVITY_RESET, self.clock.now())
        self.schedule(self.settings.reset_delay, "reset_drop", iccid)

    def _reset_drop(self, iccid: str) -> None:
        """The queued reset runs: the SIM is suspended and re-enabled, the device detaches."""
        sim = self.sim_any_org(iccid)
        now = self.clock.now()
        if sim.status is SimStatus.ENABLED:
            self.events.record(sim, ev.SIM_SUSPENSION, now, "Connectivity reset")
        self.network.detach(sim, now)
        self.events.record(sim, ev.ENDPOINT_DISABLED, now)
        self.events.record(sim, ev.ENDPOINT_ENABLED, now)
        if sim.status is SimStatus.ENABLED:
            self.events.record(sim, ev.SIM_ACTIVATION, now, "Connectivity reset")
            self.schedule(self.settings.reattach_delay, "reset_restore", iccid)

    def _reset_restore(self, iccid: str) -> None:
        sim = self.sim_any_org(iccid)
        if sim.status is SimStatus.ENABLED and not sim.device.attached:
            self.attach_device(sim)

    def attach_device(self, sim: Sim, with_session: bool = True) -> None:
        self.network.attach(sim, self.clock.now(), with_session)
        for listener in self.on_attach:
            listener(sim)

    # ----------------------------------------------------------------- reads
    @locked
    def sim_events(self, org_id: int, iccid: str, page: int, page_size: int,
                   sort: str | None) -> Page[SimEvent]:
        self.sim(org_id, iccid)
        return self.events.listing(iccid, self.clock.now(), page, page_size, sort)

    @locked
    def sim_usage(self, org_id: int, iccid: str, start: str | None,
                  end: str | None) -> UsageReport:
        self.sim(org_id, iccid)
        return self.usage.report(iccid, self.clock.now().date(), start, end)

    # ----------------------------------------------------------------- control plane
    @locked
    def attach(self, iccid: str, operator: str | None = None, country: str | None = None,
               rat: str | None = None) -> Sim:
        sim = self.sim_any_org(iccid)
        if sim.status is not SimStatus.ENABLED:
            raise ConflictError(f"SIM {iccid} is disabled and cannot attach")
        network = network_by(operator, country)
        if (operator or country) and network is None:
            raise NotFoundError(f"no simulated network for operator={operator} country={country}")
        if network is not None and network != sim.device.network:
            self.network.detach(sim, self.clock.now())
            sim.device.network = network
        if rat:
            sim.device.rat = rat
        self.attach_device(sim)
        return sim

    @locked
    def detach(self, iccid: str) -> Sim:
        sim = self.sim_any_org(iccid)
        self.network.detach(sim, self.clock.now())
        return sim

    @locked
    def consume(self, iccid: str, megabytes: float) -> Sim:
        sim = self.sim_any_org(iccid)
        self.network.consume_data(sim, megabytes, self.clock.now())
        return sim

    def check(self) -> None:
        """Raise the first error a queued job or handler hit (pytest-httpserver's check())."""
        if self.errors:
            raise self.errors[0]

    def describe(self) -> dict[str, Any]:
        return {"sims": len(self.sims), "jobs": len(self.scheduler), "clock": self.clock.mode}


def _replace(settings: Settings, **changes: Any) -> Settings:
    import dataclasses

    return dataclasses.replace(settings, **{k: v for k, v in changes.items() if v is not None})


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(settings.webhook_first_retry, settings.webhook_backoff,
                       settings.webhook_max_interval, settings.webhook_window)
