"""Fixtures to scenario, scenario plus seed to fleet: the same seed gives the same fleet.

Identities, states and quotas come from `random.Random(seed)` (stable across machines and
Python builds); only cosmetic text (labels) comes from Faker, seeded the same way.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from mockbsc.domain.models import (
    INITIAL_DATA_MB,
    INITIAL_SMS,
    QUOTA_LIFETIME_YEARS,
    Charge,
    Device,
    Product,
    Quota,
    Sim,
    SimStatus,
)
from mockbsc.domain.networks import NETWORKS
from mockbsc.domain.identities import identities_for, imei_for, static_ip
from mockbsc.domain.scenario import FleetMix, OrgSpec, Scenario, UserSpec

TACS = ("86823905", "86676903", "35347009", "86469504", "35912108")
SERIAL_BLOCK = 10_000_000  # each organisation's SIMs come from their own serial block


class FixtureError(ValueError):
    """A fixtures file is missing a field or has a wrong value; the message says which."""


def default_fixtures_path() -> Path:
    packaged = Path(__file__).parent / "_data" / "fixtures" / "default.yaml"
    if packaged.exists():
        return packaged
    return Path(__file__).resolve().parent.parent / "fixtures" / "default.yaml"


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Read a fixtures YAML file into a Scenario.

    Raises:
        FixtureError: the file cannot be read or a required field is missing or wrong.
    """
    source = Path(path) if path else default_fixtures_path()
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FixtureError(f"fixtures {source}: {exc}") from None
    if not isinstance(raw, dict):
        raise FixtureError(f"fixtures {source}: expected a mapping at the top")
    try:
        return _scenario(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise FixtureError(f"fixtures {source}: bad or missing field {exc}") from None


def _scenario(raw: Mapping[str, Any]) -> Scenario:
    orgs = tuple(
        OrgSpec(int(o["id"]), str(o["name"]), int(o.get("sims", 0)), o.get("sms_forward_url"))
        for o in raw["organisations"]
    )
    users = tuple(
        UserSpec(str(u["username"]), str(u["password"]), int(u["organisation"]),
                 int(u["user_id"]), bool(u.get("api_access", True)))
        for u in raw.get("users", [])
    )
    products = tuple(_product(p) for p in raw.get("products", []))
    topup = raw.get("topup", {})
    mix = FleetMix(**raw.get("fleet", {}))
    default_org = int(raw.get("default_organisation", orgs[0].id))
    if default_org not in {o.id for o in orgs}:
        raise ValueError(f"'default_organisation' {default_org} is not among the organisations")
    return Scenario(orgs, users, products, default_org,
                    Decimal(str(topup.get("amount_net", "10.00"))),
                    str(topup.get("currency", "EUR")), mix)


def _product(p: Mapping[str, Any]) -> Product:
    def charges(key: str) -> tuple[Charge, ...]:
        return tuple(Charge(str(c["name"]), float(c["amount_net"]), str(c["currency"]))
                     for c in p.get(key, []))

    return Product(
        id=int(p["id"]), name=str(p["product"]), material=str(p.get("material", "")),
        package_size=int(p.get("package_size", 1)), min_quantity=int(p.get("minQuantity", 1)),
        max_quantity=int(p.get("maxQuantity", 1000)),
        max_quantity_per_customer=int(p.get("maxQuantityPerCustomer", 100000)),
        min_contract_duration=int(p.get("min_contract_duration", 120)),
        one_time_charges=charges("one_time_charges"),
        recurring_charges=charges("recurring_charges"),
    )


def label_words(seed: int) -> list[str]:
    """A pool of device names from Faker: cheap per SIM, realistic to read."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    kinds = ("tracker", "meter", "sensor", "gateway", "logger", "pump", "charger", "beacon")
    return [f"{fake.city()} {kinds[i % len(kinds)]}" for i in range(64)]


def generate_sims(
    org: OrgSpec, count: int, seed: int, now: datetime, mix: FleetMix, index_base: int,
    first_serial: int | None = None, labels: list[str] | None = None,
) -> Iterator[Sim]:
    """`count` SIMs of `org`, the same ones for the same (seed, org, count) on any machine."""
    rng = random.Random(f"mockbsc:{seed}:{org.id}")
    words = labels if labels is not None else label_words(seed)
    serial0 = first_serial if first_serial is not None else 100_000_000 + (
        org.id % 90 + 2) * SERIAL_BLOCK + (org.id * 7919) % 1_000_000
    for n in range(count):
        yield make_sim(rng, org.id, serial0 + n, index_base + n, now, mix, words)


def make_sim(
    rng: random.Random, org_id: int, serial: int, index: int, now: datetime, mix: FleetMix,
    words: list[str], status: SimStatus | None = None, activated: datetime | None = None,
) -> Sim:
    iccid, iccid_luhn, imsi, msisdn = identities_for(serial)
    activation = activated or (now - timedelta(seconds=rng.randint(7 * 86400, 700 * 86400)))
    activation = activation.replace(microsecond=0)
    expiry = datetime.combine(
        activation.date() + timedelta(days=round(365.25 * QUOTA_LIFETIME_YEARS) + 1),
        time(0), activation.tzinfo)
    roll = rng.random()
    if roll < mix.empty_data:
        data_left = 0.0
    elif roll < mix.empty_data + mix.low_data:
        data_left = round(rng.uniform(1, INITIAL_DATA_MB * 0.19), 6)
    else:
        data_left = round(rng.uniform(INITIAL_DATA_MB * 0.25, INITIAL_DATA_MB), 6)
    sms_left = float(INITIAL_SMS - rng.randint(0, 30))
    chosen_status = status or (SimStatus.DISABLED if rng.random() < mix.disabled
                               else SimStatus.ENABLED)
    network = NETWORKS[rng.randrange(len(NETWORKS))]
    imei = imei_for(TACS[rng.randrange(len(TACS))], rng.randrange(1_000_000))
    device = Device(network=network, imei=imei, rat=rng.choice(("2G", "4G", "LTE-M", "4G")),
                    lac=rng.randint(1000, 65000), cid=rng.randint(1000, 65000))
    seen = chosen_status is SimStatus.ENABLED and rng.random() < mix.attached
    if seen:
        device.attached = True
        device.last_updated = now - timedelta(seconds=rng.randint(60, 86400))
        device.last_updated_gprs = device.last_updated
        if data_left > 0 and rng.random() < mix.online / max(mix.attached, 1e-9):
            device.online = True
            device.session_started = device.last_updated + timedelta(seconds=2)
    label = words[rng.randrange(len(words))] if rng.random() < mix.labelled else None
    return Sim(
        iccid=iccid, iccid_with_luhn=iccid_luhn, imsi=imsi, msisdn=msisdn, org_id=org_id,
        status=chosen_status, activation_date=activation, ip_address=static_ip(index),
        imei_lock=rng.random() < 0.1,
        data_quota=_quota(data_left, INITIAL_DATA_MB, activation, expiry, now),
        sms_quota=_quota(sms_left, INITIAL_SMS, activation, expiry, now),
        device=device, imei=imei if (seen or rng.random() < 0.5) else None, label=label,
        history_seed=rng.getrandbits(32),
        history_loaded=status is not None,
    )


def _quota(left: float, total: float, activation: datetime, expiry: datetime,
           now: datetime) -> Quota:
    quota = Quota(left, total, total, activation + timedelta(seconds=16), expiry)
    if quota.level.value >= 1:
        quota.threshold_reached = now - timedelta(days=2)
        quota.last_status_change = quota.threshold_reached
    if quota.level.value == 2:
        quota.exceeded = now - timedelta(days=1)
        quota.last_status_change = quota.exceeded
    return quota
