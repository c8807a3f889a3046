"""Top-ups: where a top-up becomes an order.

A top-up is an order of its own (TOPUP, or BULK_TOPUP for many SIMs) that adds 500 MB and
250 SMS to each SIM at once and is COMPLETED when it is placed.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from mockbsc.domain.clock import Clock
from mockbsc.domain.fleet.lookup import SimLookup
from mockbsc.domain.fleet.models import INITIAL_DATA_MB, INITIAL_SMS
from mockbsc.domain.fleet.radio import RadioNetwork
from mockbsc.domain.orders.book import OrderBook
from mockbsc.domain.orders.models import Order, OrderStatus, OrderType


class TopUpDesk:
    def __init__(self, lock: threading.RLock, clock: Clock, lookup: SimLookup, book: OrderBook,
                 radio: RadioNetwork) -> None:
        self._lock = lock
        self._clock = clock
        self._lookup = lookup
        self._book = book
        self._radio = radio

    def top_up(self, org_id: int, iccids: Sequence[str], bulk: bool) -> Order:
        """One TOPUP (or BULK_TOPUP) order; every SIM gets 500 MB and 250 SMS at once.

        Raises:
            NotFoundError / ForbiddenError: an ICCID is unknown or another organisation's;
                nothing is topped up then.
        """
        with self._lock:
            sims = [self._lookup.sim(org_id, iccid) for iccid in dict.fromkeys(iccids)]
            now = self._clock.now()
            kind = OrderType.BULK_TOPUP if bulk else OrderType.TOPUP
            order = self._book.place(org_id, kind, now, iccids=[s.iccid for s in sims])
            for sim in sims:
                self._radio.add_volume(sim, sim.data_quota, INITIAL_DATA_MB, now)
                self._radio.add_volume(sim, sim.sms_quota, INITIAL_SMS, now)
            order.status = OrderStatus.COMPLETED
            return order
