"""What a fresh emulator starts from: organisations, users, products and the fleet's mix.

Loaded from `fixtures/*.yaml` by `mockbsc.adapters.fixtures_file`; the domain only sees these
values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from mockbsc.domain.access.models import User
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
    low_sms: float = 0.1
    empty_sms: float = 0.03
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

    def org_specs(self, sims: int | None, extra_users: Sequence[str]) -> list[OrgSpec]:
        """The organisations to seed: `sims` overrides the default organisation's fleet size,
        and a `--user name:password:org` of an unknown organisation adds it (10 SIMs)."""
        specs = list(self.orgs)
        if sims is not None:
            specs = [OrgSpec(o.id, o.name, sims, o.sms_forward_url)
                     if o.id == self.default_org_id else o for o in specs]
        known = {o.id for o in specs}
        for entry in extra_users:
            parts = entry.split(":")
            if len(parts) == 3 and int(parts[2]) not in known:
                known.add(int(parts[2]))
                specs.append(OrgSpec(int(parts[2]), f"Organisation {parts[2]}", 10))
        return specs

    def api_users(self, extra_users: Sequence[str]) -> list[User]:
        """The fixtures' users plus each `name:password[:org]` given in the settings."""
        users = [User(u.username, u.password, u.org_id, u.user_id, u.api_access)
                 for u in self.users]
        for n, entry in enumerate(extra_users):
            name, password, *org = entry.split(":")
            org_id = int(org[0]) if org else self.default_org_id
            users.append(User(name, password, org_id, 900_000 + n, True))
        return users
