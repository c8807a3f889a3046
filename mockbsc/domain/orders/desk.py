"""Orders over time and top-ups, driven by the emulator's fleet and clock.

A top-up is an order of its own (TOPUP, or BULK_TOPUP for many SIMs) that adds 500 MB and
250 SMS at once; a SIM order steps CREATED → IN_PROGRESS → SHIPPED → COMPLETED, one step per
`settings.order_step`, and its SIMs join the fleet when it completes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mockbsc.domain.fleet.models import (
    INITIAL_DATA_MB,
    INITIAL_SMS,
    Order,
    OrderLine,
    OrderStatus,
    OrderType,
    Product,
    SimStatus,
)
from mockbsc.domain.fleet.registry import Page

if TYPE_CHECKING:
    from mockbsc.domain.platform import Emulator


class OrderDesk:
    def __init__(self, emulator: Emulator) -> None:
        self._emu = emulator
        emulator.handles("order_step", self._order_step)

    def top_up(self, org_id: int, iccids: Sequence[str], bulk: bool) -> Order:
        """One TOPUP (or BULK_TOPUP) order; every SIM gets 500 MB and 250 SMS at once.

        Raises:
            NotFoundError / ForbiddenError: an ICCID is unknown or another organisation's;
                nothing is topped up then.
        """
        emu = self._emu
        with emu.lock:
            sims = [emu.sim(org_id, iccid) for iccid in dict.fromkeys(iccids)]
            now = emu.now()
            kind = OrderType.BULK_TOPUP if bulk else OrderType.TOPUP
            order = emu.orders.place(org_id, kind, now, iccids=[s.iccid for s in sims])
            for sim in sims:
                emu.network.add_volume(sim, sim.data_quota, INITIAL_DATA_MB, now)
                emu.network.add_volume(sim, sim.sms_quota, INITIAL_SMS, now)
            order.status = OrderStatus.COMPLETED
            return order

    def page(self, org_id: int, page: int, page_size: int, sort: str | None) -> Page[Order]:
        with self._emu.lock:
            return self._emu.orders.listing(org_id, page, page_size, sort)

    def get(self, org_id: int, number: int) -> Order:
        with self._emu.lock:
            return self._emu.orders.get(org_id, number)

    def products(self) -> list[Product]:
        return self._emu.orders.product_list()

    def place(self, org_id: int, lines: Sequence[OrderLine], address: dict[str, str] | None,
              reference: str | None) -> Order:
        emu = self._emu
        with emu.lock:
            emu.orders.check_lines(lines)
            order = emu.orders.place(org_id, OrderType.ADDITIONAL_ORDER, emu.now(), lines,
                                     shipping_address=address, customer_reference=reference)
            emu.schedule(emu.settings.order_step, "order_step", order.number)
            return order

    def _order_step(self, number: int) -> None:
        emu = self._emu
        order = emu.orders.find(number)
        if order is None:
            return
        if emu.orders.advance(order) is OrderStatus.COMPLETED:
            self._ship_sims(order)
        else:
            emu.schedule(emu.settings.order_step, "order_step", number)

    def _ship_sims(self, order: Order) -> None:
        """A completed order's SIMs join the fleet, not yet activated."""
        from mockbsc.adapters.fixtures_file import make_sim

        emu = self._emu
        rng = random.Random(f"mockbsc:order:{order.number}")
        count = sum(line.quantity for line in order.lines)
        base = 800_000_000 + (order.number % 100_000) * 1_000
        now = emu.now()
        for n in range(count):
            sim = make_sim(rng, order.org_id, base + n, len(emu.sims), now, emu.scenario.mix,
                           ["new"], status=SimStatus.DISABLED, activated=now)
            sim.label = None
            sim.device.attached = sim.device.online = False
            sim.imei = None
            emu.sims.add(sim)
            order.iccids.append(sim.iccid)
