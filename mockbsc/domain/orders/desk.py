"""SIM orders over time: placed, stepped CREATED → IN_PROGRESS → SHIPPED → COMPLETED one step
per `order_step` seconds, and their SIMs shipped into the fleet when they complete.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence

from mockbsc.domain.clock import Clock
from mockbsc.domain.fleet.models import SimStatus
from mockbsc.domain.fleet.registry import SimRegistry
from mockbsc.domain.fleet.seeding import make_sim
from mockbsc.domain.orders.book import OrderBook
from mockbsc.domain.orders.models import Order, OrderLine, OrderStatus, OrderType, Product
from mockbsc.domain.paging import Page
from mockbsc.domain.scenario import FleetMix
from mockbsc.domain.scheduler import Scheduler


class OrderDesk:
    def __init__(self, lock: threading.RLock, clock: Clock, scheduler: Scheduler,
                 book: OrderBook, sims: SimRegistry, mix: FleetMix, order_step: float) -> None:
        self._lock = lock
        self._clock = clock
        self._scheduler = scheduler
        self._book = book
        self._sims = sims
        self._mix = mix
        self._order_step = order_step
        scheduler.handles("order_step", self._order_step_due)

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
            self._book.check_lines(lines)
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
            self._ship_sims(order)
        else:
            self._scheduler.after(self._order_step, "order_step", number)

    def _ship_sims(self, order: Order) -> None:
        """A completed order's SIMs join the fleet, not yet activated."""
        rng = random.Random(f"mockbsc:order:{order.number}")
        count = sum(line.quantity for line in order.lines)
        base = 800_000_000 + (order.number % 100_000) * 1_000
        now = self._clock.now()
        for n in range(count):
            sim = make_sim(rng, order.org_id, base + n, len(self._sims), now, self._mix,
                           ["new"], status=SimStatus.DISABLED, activated=now)
            sim.label = None
            sim.device.attached = sim.device.online = False
            sim.imei = None
            self._sims.add(sim)
            order.iccids.append(sim.iccid)
