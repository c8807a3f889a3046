"""Products and orders: SIM orders that progress over time, and top-up orders.

Order numbers, invoice numbers and gross amounts follow the platform's examples
(`2000000001`, `"20000002"`, `"19.99"` incl. VAT).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from mockbsc.domain.errors import ForbiddenError, InvalidRequestError, NotFoundError
from mockbsc.domain.fleet.models import QUOTA_LIFETIME_YEARS
from mockbsc.domain.orders.models import (
    ORDER_PROGRESSION,
    Order,
    OrderLine,
    OrderStatus,
    OrderType,
    Product,
)
from mockbsc.domain.paging import Page, paginate, parse_sort

FIRST_ORDER_NUMBER = 2_000_000_001
VAT = Decimal("1.19")
ORDER_SORT_FIELDS = ("order_number", "order_status", "order_date")


@dataclass(slots=True, frozen=True)
class TopUpPrice:
    amount_net: Decimal
    currency: str


class OrderBook:
    def __init__(self, products: Sequence[Product], topup_price: TopUpPrice) -> None:
        self.products = {p.id: p for p in products}
        self.topup_price = topup_price
        self._orders: dict[int, Order] = {}
        self._next_number = FIRST_ORDER_NUMBER

    def contract_months(self, product_id: int | None) -> int:
        """A SIM extension's length: the product's minimum contract duration (S1 `Product`),
        the lifetime flat's ten years when no product is named.

        Raises:
            InvalidRequestError: the product does not exist.
        """
        if product_id is None:
            return QUOTA_LIFETIME_YEARS * 12
        product = self.products.get(product_id)
        if product is None:
            raise InvalidRequestError(f"productId: product {product_id} does not exist")
        return product.min_contract_duration

    def product_list(self) -> list[Product]:
        return list(self.products.values())

    def get(self, org_id: int, number: int) -> Order:
        order = self._orders.get(number)
        if order is None:
            raise NotFoundError("Order not found.")
        if order.org_id != org_id:
            raise ForbiddenError("Order does not belong to user.")
        return order

    def find(self, number: int) -> Order | None:
        return self._orders.get(number)

    def all(self) -> list[Order]:
        return list(self._orders.values())

    def listing(self, org_id: int, page: int, page_size: int, sort: str | None) -> Page[Order]:
        keys = parse_sort(sort or "order_number", ORDER_SORT_FIELDS)
        orders = [o for o in self._orders.values() if o.org_id == org_id]
        attribute = {"order_number": "number", "order_status": "status", "order_date": "date"}
        for name, descending in reversed(keys):
            orders.sort(key=lambda o: getattr(o, attribute[name]), reverse=descending)
        return paginate(orders, page, page_size)

    def check_lines(self, lines: Sequence[OrderLine], org_id: int | None = None) -> None:
        """Reject unknown products and quantities outside the product's limits: each line's
        `minQuantity..maxQuantity` and package size, and, over all of `org_id`'s orders and
        this one, `maxQuantityPerCustomer` (50 lines of 10,000 no longer pass, issue 12).

        Raises:
            InvalidRequestError: naming the product and the rule broken.
        """
        ordered: dict[int, int] = {}
        for line in lines:
            product = self.products.get(line.product_id)
            if product is None:
                raise InvalidRequestError(f"products: product {line.product_id} does not exist")
            if not product.min_quantity <= line.quantity <= product.max_quantity:
                raise InvalidRequestError(
                    f"products: quantity {line.quantity} of product {product.id} is outside "
                    f"{product.min_quantity}..{product.max_quantity}"
                )
            if line.quantity % product.package_size:
                raise InvalidRequestError(
                    f"products: quantity {line.quantity} of product {product.id} is not a "
                    f"multiple of its package size {product.package_size}"
                )
            ordered[product.id] = ordered.get(product.id, 0) + line.quantity
        for product_id, quantity in ordered.items():
            before = self._ordered_by(org_id, product_id) if org_id is not None else 0
            limit = self.products[product_id].max_quantity_per_customer
            if before + quantity > limit:
                raise InvalidRequestError(
                    f"products: {quantity} of product {product_id} (plus {before} ordered "
                    f"before) is more than its maximum per customer of {limit}"
                )

    def _ordered_by(self, org_id: int, product_id: int) -> int:
        """What `org_id` ordered of the product; the seeded fleet's own orders do not count
        (a 100,000-SIM fleet would block every further order)."""
        return sum(line.quantity for order in self._orders.values()
                   if order.org_id == org_id and order.number >= FIRST_ORDER_NUMBER
                   for line in order.lines if line.product_id == product_id)

    def seed_fleet_order(self, org_id: int, at: datetime, iccids: Sequence[str]) -> Order | None:
        """The COMPLETED FIRST_ORDER a seeded organisation's SIMs came from, so that its
        `GET /v1/orders` is not empty. Numbered below the first new order (counting down per
        organisation), so orders placed later keep their numbers. A list is kept as given (the
        seeded fleet's is made on demand: `mockbsc.domain.fleet.recipe.BlockIccids`)."""
        if not iccids or not self.products:
            return None
        product = next(iter(self.products.values()))
        number = FIRST_ORDER_NUMBER - 1 - sum(
            1 for n in self._orders if n < FIRST_ORDER_NUMBER)
        lines = [OrderLine(product.id, len(iccids))]
        net = self._net_amount(OrderType.FIRST_ORDER, lines, 0)
        order = Order(number=number, org_id=org_id, order_type=OrderType.FIRST_ORDER, date=at,
                      status=OrderStatus.COMPLETED,
                      invoice_number=str(number - FIRST_ORDER_NUMBER + 20_000_001),
                      invoice_amount=str((net * VAT).quantize(Decimal("0.01"), ROUND_HALF_UP)),
                      currency=self.topup_price.currency, lines=lines,
                      iccids=iccids if isinstance(iccids, list) else list(iccids))
        self._orders[number] = order
        return order

    def place(
        self,
        org_id: int,
        order_type: OrderType,
        at: datetime,
        lines: Sequence[OrderLine] = (),
        iccids: Sequence[str] = (),
        shipping_address: dict[str, str] | None = None,
        customer_reference: str | None = None,
    ) -> Order:
        net = self._net_amount(order_type, lines, len(iccids))
        number = self._next_number
        self._next_number += 1
        order = Order(
            number=number,
            org_id=org_id,
            order_type=order_type,
            date=at,
            status=OrderStatus.CREATED,
            invoice_number=str(number - FIRST_ORDER_NUMBER + 20_000_001),
            invoice_amount=str((net * VAT).quantize(Decimal("0.01"), ROUND_HALF_UP)),
            currency=self.topup_price.currency,
            lines=list(lines),
            iccids=list(iccids),
            shipping_address=shipping_address,
            customer_reference=customer_reference,
        )
        self._orders[number] = order
        return order

    def add_existing(self, order: Order) -> Order:
        """A copy of an order that exists already (the fixtures'); later orders are numbered
        after it."""
        if order.number in self._orders:
            raise InvalidRequestError(f"order {order.number} exists already")
        copy = replace(order, lines=list(order.lines), iccids=list(order.iccids),
                       shipping_address=dict(order.shipping_address)
                       if order.shipping_address is not None else None)
        self._orders[copy.number] = copy
        self._next_number = max(self._next_number, copy.number + 1)
        return copy

    def advance(self, order: Order) -> OrderStatus:
        """Move an order one step along CREATED → IN_PROGRESS → SHIPPED → COMPLETED."""
        index = ORDER_PROGRESSION.index(order.status)
        if index + 1 < len(ORDER_PROGRESSION):
            order.status = ORDER_PROGRESSION[index + 1]
        return order.status

    def clear(self) -> None:
        self._orders.clear()
        self._next_number = FIRST_ORDER_NUMBER

    def _net_amount(self, order_type: OrderType, lines: Sequence[OrderLine], sims: int) -> Decimal:
        if order_type in (OrderType.TOPUP, OrderType.BULK_TOPUP):
            return self.topup_price.amount_net * max(sims, 1)
        total = Decimal(0)
        for line in lines:
            product = self.products[line.product_id]
            unit = sum((Decimal(str(c.amount_net)) for c in product.one_time_charges), Decimal(0))
            total += unit * line.quantity
        return total
