"""What a fresh emulator starts from: organisations, users, products and the fleet's mix.

Loaded from `fixtures/*.yaml` by `mockbsc.adapters.fixtures_file`; the domain only sees these
values. `PlatformSettings` is the other half of a platform's starting point: the settings it
reads (delays, clock, limits), as a protocol so that the domain never imports `mockbsc.config`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from mockbsc.domain.access.models import User
from mockbsc.domain.orders.models import Order, Product


@dataclass(frozen=True, slots=True)
class QuotaSpec:
    """A quota as the fixtures give it (an imported SIM's); dates left out are generated."""

    volume: float
    total_volume: float
    last_volume_added: float | None = None
    expiry: datetime | None = None
    last_status_change: datetime | None = None
    threshold_reached: datetime | None = None
    exceeded: datetime | None = None


@dataclass(frozen=True, slots=True)
class SimSpec:
    """An explicit SIM of the fixtures (`sims:` list of an organisation, what `mockbsc
    import` writes): only the ICCID is required, every field left out is drawn from a random
    stream seeded by the ICCID, so the same file gives the same SIM on any machine."""

    iccid: str
    iccid_with_luhn: str | None = None
    imsi: str | None = None
    msisdn: str | None = None
    imei: str | None = None
    imei_lock: bool | None = None
    status: str | None = None
    activation_date: datetime | None = None
    ip_address: str | None = None
    label: str | None = None
    data_quota: QuotaSpec | None = None
    sms_quota: QuotaSpec | None = None
    connection: str | None = None  # ONLINE, ATTACHED or OFFLINE (GET .../status)
    mcc: str | None = None
    mnc: str | None = None


@dataclass(frozen=True, slots=True)
class OrgSpec:
    id: int
    name: str
    sims: int
    sms_forward_url: str | None = None
    explicit: tuple[SimSpec, ...] = ()
    """SIMs given one by one in the fixtures; `sims` more are generated after them."""
    orders: tuple[Order, ...] = ()
    """Orders the organisation starts with (an imported one's), as they were: they do not
    progress further."""


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
            specs = [replace(o, sims=sims) if o.id == self.default_org_id else o
                     for o in specs]
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


class PlatformSettings(Protocol):
    """What the domain reads of the settings, as plain values (`mockbsc.config.Settings` is
    one; the domain never imports it)."""

    @property
    def clock(self) -> Literal["system", "manual"]: ...
    @property
    def start(self) -> datetime | None: ...
    @property
    def seed(self) -> int: ...
    @property
    def sims(self) -> int | None: ...
    @property
    def users(self) -> tuple[str, ...]: ...
    @property
    def token_ttl(self) -> int: ...
    @property
    def journal_bytes(self) -> int: ...
    @property
    def token_reuse(self) -> bool: ...
    @property
    def update_delay(self) -> float: ...
    @property
    def reset_delay(self) -> float: ...
    @property
    def reattach_delay(self) -> float: ...
    @property
    def order_step(self) -> float: ...
    @property
    def bank_transfer_delay(self) -> float: ...
    @property
    def sms_delivery_delay(self) -> float: ...
    @property
    def sms_forward_url(self) -> str | None: ...
    @property
    def webhook_first_retry(self) -> float: ...
    @property
    def webhook_backoff(self) -> float: ...
    @property
    def webhook_max_interval(self) -> float: ...
    @property
    def webhook_window(self) -> float: ...
    @property
    def webhook_timeout(self) -> float: ...
    @property
    def faults(self) -> str | None: ...
    @property
    def rate_limits(self) -> str: ...

    def replace(self, **changes: Any) -> Any:
        """A copy with `changes` applied (a reset may change the seed and the fleet size)."""
