"""SIM orders over time: placed, stepped CREATED → IN_PROGRESS → SHIPPED → COMPLETED one step
per `order_step` seconds, and their SIMs shipped into the fleet when they complete.

SIMs are shipped `SHIP_BATCH` at a time, each batch its own queued job, so that a 100,000-SIM
order never holds the emulator lock (and every request waiting on it) for seconds; each SIM
gets a serial no SIM in the fleet has, so orders never share an ICCID (issue 12).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence

from mockbsc.domain.clock import Clock
from mockbsc.domain.fleet.identities import identities_for
from mockbsc.domain.fleet.models import INITIAL_DATA_MB, INITIAL_SMS, Quota, SimStatus
from mockbsc.domain.fleet.registry import SimRegistry
from mockbsc.domain.fleet.seeding import make_sim
from mockbsc.domain.orders.book import OrderBook
from mockbsc.domain.orders.models import Order, OrderLine, OrderStatus, OrderType, Product
from mockbsc.domain.paging import Page
from mockbsc.domain.scenario import FleetMix
from mockbsc.domain.scheduler import Scheduler

SHIP_BATCH = 1000
SERIAL_BASE = 800_000_000


class OrderDesk:
    def __init__(self, lock: threading.RLock, clock: Clock, scheduler: Scheduler,
                 book: OrderBook, sims: SimRegistry, mix: FleetMix, order_step: float) -> None:
        self._lock = lock
        self._clock = clock
        self._scheduler = scheduler
        self._book = book
        self._sims = sims
        self.mix = mix  # public: a reset may re-read the fixtures
        self._order_step = order_step
        scheduler.handles("order_step", self._order_step_due)
        scheduler.handles("order_ship", self._ship_due, heavy=True)

    def page(self, org_id: int, page: int, page_size: int, sort: str | None) -> Page[Order]:
        with self._lock:
            return self._book.listing(org_id, page, page_size, sort)

    def get(self, org_id: int, number: int) -> Order:
        with self._lock:
            return self._book.get(org_id, number)

    def products(self) -> list[Product]:
        return self._book.product_list()

    def place(self, org_id: int, lines: Sequence[OrderLine], address: dict[str, str] | None,
              reference: str | None) -> Order:
        with self._lock:
            self._book.check_lines(lines, org_id)
            order = self._book.place(org_id, OrderType.ADDITIONAL_ORDER, self._clock.now(),
                                     lines, shipping_address=address,
                                     customer_reference=reference)
            self._scheduler.after(self._order_step, "order_step", order.number)
            return order

    def _order_step_due(self, number: int) -> None:
        order = self._book.find(number)
        if order is None:
            return
        if self._book.advance(order) is OrderStatus.COMPLETED:
            self._ship_due(number)
        else:
            self._scheduler.after(self._order_step, "order_step", number)

    def _ship_due(self, number: int) -> None:
        """The next `SHIP_BATCH` SIMs of a completed order join the fleet, not yet activated;
        the rest are queued as another job, due at once."""
        order = self._book.find(number)
        if order is None:
            return
        count = sum(line.quantity for line in order.lines)
        shipped = len(order.iccids)
        rng = random.Random(f"mockbsc:order:{order.number}:{shipped}")
        serial = SERIAL_BASE + (order.number % 100_000) * 1_000 + shipped
        now = self._clock.now()
        for _ in range(min(SHIP_BATCH, count - shipped)):
            serial = self._free_serial(serial)
            sim = make_sim(rng, order.org_id, serial, len(self._sims), now, self.mix,
                           ["new"], status=SimStatus.DISABLED, activated=now)
            sim.label = None
            sim.device.attached = sim.device.online = False
            sim.imei = None
            _fresh(sim.data_quota, INITIAL_DATA_MB)
            _fresh(sim.sms_quota, INITIAL_SMS)
            self._sims.add(sim)
            order.iccids.append(sim.iccid)
            serial += 1
        if len(order.iccids) < count:
            self._scheduler.after(0, "order_ship", number)

    def _free_serial(self, serial: int) -> int:
        """The first serial from `serial` on whose ICCID no SIM has (an order of 1,001 SIMs
        runs into the next order's range of 1,000)."""
        while self._sims.find(identities_for(serial)[0]) is not None:
            serial += 1
        return serial


def _fresh(quota: Quota, volume: float) -> None:
    """A new SIM's quota: the whole flat volume, no threshold reached (the seeded fleet's
    draw of used volume is for SIMs with a past)."""
    quota.volume = quota.total_volume = quota.last_volume_added = volume
    quota.threshold_reached = quota.exceeded = None
