"""What a fresh emulator starts from: organisations, users, products and the fleet's mix.

Loaded from `fixtures/*.yaml` by `mockbsc.adapters.fixtures_file`; the domain only sees these
values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from mockbsc.domain.orders.models import Product


@dataclass(frozen=True, slots=True)
class OrgSpec:
    id: int
    name: str
    sims: int
    sms_forward_url: str | None = None


@dataclass(frozen=True, slots=True)
class UserSpec:
    username: str
    password: str
    org_id: int
    user_id: int
    api_access: bool = True


@dataclass(frozen=True, slots=True)
class FleetMix:
    """Shares of the seeded fleet in each state, so a listing looks like a real fleet."""

    disabled: float = 0.1
    attached: float = 0.7
    online: float = 0.5
    low_data: float = 0.1
    empty_data: float = 0.03
    labelled: float = 0.6
    history_days: int = 30


@dataclass(frozen=True, slots=True)
class Scenario:
    orgs: tuple[OrgSpec, ...]
    users: tuple[UserSpec, ...]
    products: tuple[Product, ...]
    default_org_id: int
    topup_price_net: Decimal = Decimal("10.00")
    currency: str = "EUR"
    mix: FleetMix = field(default_factory=FleetMix)
