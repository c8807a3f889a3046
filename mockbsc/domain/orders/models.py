"""Entities of ordering: products with their charges, orders and their lines and statuses.

Plain slotted dataclasses; wire names and formats live in `mockbsc.api.serialize`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(slots=True, frozen=True)
class Charge:
    name: str
    amount_net: float
    currency: str


@dataclass(slots=True, frozen=True)
class Product:
    id: int
    name: str
    material: str
    package_size: int
    min_quantity: int
    max_quantity: int
    max_quantity_per_customer: int
    min_contract_duration: int
    one_time_charges: tuple[Charge, ...] = ()
    recurring_charges: tuple[Charge, ...] = ()


class OrderType(StrEnum):
    FIRST_ORDER = "FIRST_ORDER"
    ADDITIONAL_ORDER = "ADDITIONAL_ORDER"
    TOPUP = "TOPUP"
    BULK_TOPUP = "BULK_TOPUP"
    TARIFF_CHANGE = "TARIFF_CHANGE"


class OrderStatus(StrEnum):
    CREATED = "CREATED"
    IN_PROGRESS = "IN_PROGRESS"
    SHIPPED = "SHIPPED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


ORDER_PROGRESSION = (
    OrderStatus.CREATED,
    OrderStatus.IN_PROGRESS,
    OrderStatus.SHIPPED,
    OrderStatus.COMPLETED,
)


@dataclass(slots=True, frozen=True)
class OrderLine:
    product_id: int
    quantity: int


@dataclass(slots=True)
class Order:
    number: int
    org_id: int
    order_type: OrderType
    date: datetime
    status: OrderStatus
    invoice_number: str
    invoice_amount: str
    currency: str
    lines: list[OrderLine] = field(default_factory=list)
    iccids: list[str] = field(default_factory=list)
    shipping_address: dict[str, str] | None = None
    customer_reference: str | None = None
