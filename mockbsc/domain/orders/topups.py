"""Top-ups: where a top-up becomes an order, when it is paid, and auto top-up.

A top-up is an order of its own (TOPUP, or BULK_TOPUP for many SIMs) that adds 500 MB and
250 SMS to each SIM once paid (1NCE, S5): by credit card at once, by bank transfer "after 2-3
days" (`bank_transfer_delay`, the order IN_PROGRESS until then); the order is COMPLETED when
the volume is credited. Auto top-up (1NCE's `POST /v1/sims/autoTopup`) checks "every 4 hours"
whether a SIM is below 20 % and then tops it up.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

from mockbsc.domain.clock import Clock
from mockbsc.domain.fleet.lifetime import SimLifetime
from mockbsc.domain.fleet.lookup import SimLookup
from mockbsc.domain.fleet.models import INITIAL_DATA_MB, INITIAL_SMS, QuotaLevel, Sim
from mockbsc.domain.fleet.radio import RadioNetwork
from mockbsc.domain.orders.book import OrderBook
from mockbsc.domain.orders.models import Order, OrderStatus, OrderType
from mockbsc.domain.scheduler import Scheduler

PAID_AT_ONCE = ("creditcard", "monthlyinvoice")  # bank transfer and boleto wait for payment
AUTO_TOPUP_EVERY = timedelta(hours=4)


class TopUpDesk:
    def __init__(self, lock: threading.RLock, clock: Clock, lookup: SimLookup, book: OrderBook,
                 radio: RadioNetwork, scheduler: Scheduler, lifetime: SimLifetime,
                 bank_transfer_delay: float) -> None:
        self._lock = lock
        self._clock = clock
        self._lookup = lookup
        self._book = book
        self._radio = radio
        self._scheduler = scheduler
        self._lifetime = lifetime
        self._bank_transfer_delay = bank_transfer_delay
        scheduler.handles("topup_paid", self._paid)
        scheduler.handles("auto_topup", self._auto_topup)
        radio.on_low.append(self._on_low)

    def top_up(self, org_id: int, iccids: Sequence[str], bulk: bool,
               payment_method: str = "creditcard") -> Order:
        """One TOPUP (or BULK_TOPUP) order; every SIM gets 500 MB and 250 SMS when paid.

        Raises:
            NotFoundError / ForbiddenError: an ICCID is unknown or another organisation's.
            ExpiredSimError: a SIM's lifetime ended (S1's 422). Nothing is topped up then.
        """
        with self._lock:
            sims = self._lifetime.ensure_active(org_id, iccids)
            now = self._clock.now()
            kind = OrderType.BULK_TOPUP if bulk else OrderType.TOPUP
            order = self._book.place(org_id, kind, now, iccids=[s.iccid for s in sims])
            if payment_method in PAID_AT_ONCE or self._bank_transfer_delay <= 0:
                self._credit(order, sims, now)
            else:
                order.status = OrderStatus.IN_PROGRESS  # waiting for the transfer
                self._scheduler.after(self._bank_transfer_delay, "topup_paid", order.number)
            return order

    def _credit(self, order: Order, sims: Sequence[Sim], at: datetime) -> None:
        for sim in sims:
            self._radio.add_volume(sim, sim.data_quota, INITIAL_DATA_MB, at)
            self._radio.add_volume(sim, sim.sms_quota, INITIAL_SMS, at)
        order.status = OrderStatus.COMPLETED

    def _paid(self, number: int) -> None:
        """The bank transfer arrived: the volume is credited to the SIMs still there."""
        order = self._book.find(number)
        if order is None or order.status is OrderStatus.COMPLETED:
            return
        sims = [self._lookup.any_org(i) for i in order.iccids if self._lookup.find(i)]
        self._credit(order, sims, self._clock.now())

    # ------------------------------------------------------------------ auto top-up
    def set_auto_topup(self, org_id: int, iccids: Sequence[str], enabled: bool) -> None:
        """Switch auto top-up for the SIMs; a SIM already below 20 % is checked next round.

        Raises:
            NotFoundError / ForbiddenError / ExpiredSimError: nothing is changed then.
        """
        with self._lock:
            sims = self._lifetime.ensure_active(org_id, iccids)
            now = self._clock.now()
            for sim in sims:
                sim.auto_topup = enabled
                self._on_low(sim, now)

    def _on_low(self, sim: Sim, at: datetime) -> None:
        if sim.auto_topup and _low(sim):
            self._scheduler.schedule(_next_round(at), "auto_topup", sim.iccid)

    def _auto_topup(self, iccid: str) -> None:
        sim = self._lookup.find(iccid)
        now = self._clock.now()
        if sim is None or not sim.auto_topup or not _low(sim) or sim.data_quota.expiry <= now:
            return  # topped up since, switched off, or expired
        sim = self._lookup.any_org(iccid)
        order = self._book.place(sim.org_id, OrderType.TOPUP, now, iccids=[iccid])
        self._credit(order, [sim], now)  # paid with the stored payment method


def _low(sim: Sim) -> bool:
    return sim.data_quota.level is not QuotaLevel.PLENTY \
        or sim.sms_quota.level is not QuotaLevel.PLENTY


def _next_round(at: datetime) -> datetime:
    """The next of the 4-hourly auto top-up rounds (00:00, 04:00, ... of the clock's zone)."""
    midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
    rounds = (at - midnight) // AUTO_TOPUP_EVERY + 1
    return midnight + rounds * AUTO_TOPUP_EVERY
