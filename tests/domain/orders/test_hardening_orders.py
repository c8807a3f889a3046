"""Issue 12, orders: product limits per line and per customer, never a reused ICCID, big
orders shipped in batches off the event loop, and every failed queued job logged."""

from __future__ import annotations

import logging

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.orders.models import OrderLine
from mockbsc.domain.platform import Emulator
from tests.conftest import API

STEP = 300 * 4  # CREATED → IN_PROGRESS → SHIPPED → COMPLETED, and a margin
SHIP_BATCH = 1000  # mockbsc.domain.orders.desk.SHIP_BATCH


def _order(client: TestClient, auth: dict[str, str], lines: list[tuple[int, int]]) -> int:
    response = client.post(f"{API}/v1/orders", headers=auth, json={
        "products": [{"productId": p, "quantity": q} for p, q in lines]})
    return int(response.status_code)


def _products(emulator: Emulator) -> tuple[int, int]:
    """(a product taking single SIMs, a product taking up to 10,000 per line)."""
    by_max = sorted(emulator.orders.product_list(), key=lambda p: p.max_quantity)
    return by_max[0].id, by_max[-1].id


def test_50_lines_of_10000_break_the_per_customer_maximum(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    _, big = _products(emulator)
    before = len(list(emulator.sims.all()))
    response = client.post(f"{API}/v1/orders", headers=auth, json={
        "products": [{"productId": big, "quantity": 10_000}] * 50})
    assert response.status_code == 400, response.text
    assert "maximum per customer of 100000" in response.json()["message"]
    assert [o.order_type.value for o in emulator.orders.all()] == ["FIRST_ORDER"] * 2
    assert len(list(emulator.sims.all())) == before


def test_the_per_customer_maximum_counts_earlier_orders(
        client: TestClient, auth: dict[str, str], emulator: Emulator) -> None:
    _, big = _products(emulator)
    for _ in range(10):
        assert _order(client, auth, [(big, 10_000)]) == 201
    assert _order(client, auth, [(big, 10)]) == 400


def test_an_order_after_one_of_1001_sims_ships_all_its_sims(emulator: Emulator) -> None:
    small, _ = _products(emulator)
    org = emulator.scenario.default_org_id
    first = emulator.ordering.place(org, [OrderLine(small, 1000), OrderLine(small, 1)],
                                    None, None)
    second = emulator.ordering.place(org, [OrderLine(small, 5)], None, None)
    emulator.advance(STEP)
    assert emulator.errors == []
    assert len(first.iccids) == 1001
    assert len(second.iccids) == 5
    assert not set(first.iccids) & set(second.iccids)


def test_a_big_order_ships_in_batches(emulator: Emulator) -> None:
    _, big = _products(emulator)
    org = emulator.scenario.default_org_id
    order = emulator.ordering.place(org, [OrderLine(big, 3 * SHIP_BATCH)], None, None)
    emulator.advance(STEP)
    assert len(order.iccids) == 3 * SHIP_BATCH
    assert len(set(order.iccids)) == 3 * SHIP_BATCH


@pytest.mark.parametrize(("heavy", "on_loop"), [(True, False), (False, True)],
                         ids=["heavy-off-the-loop", "light-inline"])
def test_due_heavy_jobs_run_off_the_event_loop(client: TestClient, auth: dict[str, str],
                                               emulator: Emulator, heavy: bool,
                                               on_loop: bool) -> None:
    """Heavy jobs (an order's shipping batches) run in a worker thread; light ones (a queued
    SIM change, an SMS step) run in the request that finds them due, sparing it the hop."""
    import asyncio

    emulator.scheduler.handles("probe", lambda: seen.append(_on_loop()), heavy=heavy)
    seen: list[bool] = []

    def _on_loop() -> bool:
        try:
            asyncio.get_running_loop()
            return True
        except RuntimeError:
            return False

    emulator.scheduler.after(0, "probe")
    client.get(f"{API}/v1/products", headers=auth)
    assert seen == [on_loop]


def test_a_failing_queued_job_is_logged(emulator: Emulator,
                                        caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    emulator.scheduler.handles("broken", broken)
    emulator.scheduler.after(1, "broken")
    with caplog.at_level(logging.ERROR, logger="mockbsc.domain.platform"):
        emulator.advance(2)
    assert any("broken" in r.getMessage() and r.exc_info for r in caplog.records)
    assert isinstance(emulator.errors.pop(), RuntimeError)  # kept for check() as well


def test_a_clock_move_lets_others_in_between_shipping_batches(emulator: Emulator) -> None:
    """Each batch job holds the emulator lock once, on its own: between batches the API gets
    the lock (a 100,000-SIM order no longer holds it, and every waiting request, for seconds)."""
    import re

    _, big = _products(emulator)
    depths: list[int] = []
    ship = emulator.scheduler._handlers["order_ship"]

    def watched(*args: object) -> None:
        depths.append(int(re.search(r"count=(\d+)", repr(emulator.lock)).group(1)))  # type: ignore[union-attr]
        ship(*args)

    emulator.scheduler._handlers["order_ship"] = watched
    emulator.ordering.place(emulator.scenario.default_org_id,
                            [OrderLine(big, 3 * SHIP_BATCH)], None, None)
    emulator.advance(STEP)
    assert depths == [1, 1]  # the two batches after the first, each at lock depth 1
