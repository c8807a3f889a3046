"""Scenario plus seed to fleet: the same seed gives the same SIMs on any machine.

Identities, states and quotas come from `random.Random(seed)` (stable across machines and
Python builds) for an organisation's first SIMs, and from each SIM's own stream after them
(`mockbsc.domain.fleet.recipe`: SIMs are made on first touch); only cosmetic text (labels)
comes from Faker, seeded the same way. Where the label pool comes from is the caller's
choice (`LabelSource`): the app passes one backed by the user's cache, a bare domain makes
it with Faker.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import random
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta

from mockbsc.domain.fleet.identities import identities_for, imei_for, luhn_digit, static_ip
from mockbsc.domain.fleet.models import (
    INITIAL_DATA_MB,
    INITIAL_SMS,
    QUOTA_LIFETIME_YEARS,
    THRESHOLD_PERCENTAGE,
    Device,
    Quota,
    Sim,
    SimStatus,
)
from mockbsc.domain.fleet.operators import NETWORKS
from mockbsc.domain.fleet.recipe import Head, SeedBlock, SimStream
from mockbsc.domain.scenario import FleetMix, OrgSpec, QuotaSpec, SimSpec

TACS = ("86823905", "86676903", "35347009", "86469504", "35912108")
SERIAL_BLOCK = 10_000_000  # each organisation's SIMs come from their own serial block
POOL_SIZE = 64
_KINDS = ("tracker", "meter", "sensor", "gateway", "logger", "pump", "charger", "beacon")

LabelSource = Callable[[int], list[str]]
"""The pool of device names for a seed (64 strings; the same seed, the same pool)."""


def faker_pool(seed: int) -> tuple[str, ...]:
    """Faker's pool of device names for `seed`."""
    from faker import Faker  # imported here: importing Faker takes 0.1 to 0.3 s

    fake = Faker("en_US")
    fake.seed_instance(seed)
    return tuple(f"{fake.city()} {_KINDS[i % len(_KINDS)]}" for i in range(POOL_SIZE))


@functools.lru_cache(maxsize=8)
def _pool(seed: int) -> tuple[str, ...]:
    return faker_pool(seed)


def label_words(seed: int) -> list[str]:
    """A pool of device names from Faker, made once per seed and process."""
    return list(_pool(seed))


def seed_block(
    org: OrgSpec, count: int, seed: int, now: datetime, mix: FleetMix, index_base: int,
    labels: list[str] | None = None,
) -> SeedBlock:
    """The recipe of `org`'s `count` seeded SIMs, the same for the same (seed, org, count) on
    any machine (see `mockbsc.domain.fleet.recipe`)."""
    words = labels if labels is not None else label_words(seed)
    serial0 = 100_000_000 + (org.id % 90 + 2) * SERIAL_BLOCK + (org.id * 7919) % 1_000_000
    factory = _SimFactory(random.Random(), now, mix, words)
    return SeedBlock(org.id, serial0, count, index_base, seed, factory)


def generate_sims(block: SeedBlock) -> Iterator[Sim]:
    """The block's first SIMs (`recipe.EAGER`), made at once from the sequential stream."""
    with _collector_paused():
        sims = list(block.eager())
    return iter(sims)


def explicit_sims(org: OrgSpec, now: datetime, mix: FleetMix, index_base: int,
                  labels: list[str]) -> list[Sim]:
    """The organisation's SIMs given one by one (`OrgSpec.explicit`), fields left out drawn
    from a stream seeded by the ICCID (the same file gives the same fleet on any machine)."""
    return [explicit_sim(spec, org.id, index_base + n, now, mix, labels)
            for n, spec in enumerate(org.explicit)]


def explicit_sim(spec: SimSpec, org_id: int, index: int, now: datetime, mix: FleetMix,
                 labels: list[str]) -> Sim:
    rng = random.Random(f"mockbsc:sim:{spec.iccid}")
    digits = "".join(c for c in spec.iccid if c.isdigit())
    status = SimStatus.DISABLED if spec.status == SimStatus.DISABLED.value else (
        SimStatus.ENABLED if spec.status is not None else None)
    sim = make_sim(rng, org_id, int(digits[-9:] or "0"), index, now, mix, labels, status,
                   spec.activation_date)
    sim.iccid = spec.iccid
    sim.iccid_with_luhn = spec.iccid_with_luhn or (
        spec.iccid + luhn_digit(digits) if digits == spec.iccid else spec.iccid)
    for name in ("imsi", "msisdn", "ip_address"):
        if getattr(spec, name) is not None:
            setattr(sim, name, getattr(spec, name))
    # Optional on the wire, so exactly as written: an imported SIM without them has none.
    sim.imei, sim.label = spec.imei, spec.label
    if spec.imei is not None:
        sim.device.imei = spec.imei
    if spec.imei_lock is not None:
        sim.imei_lock = spec.imei_lock
    _apply_quota(sim.data_quota, spec.data_quota)
    _apply_quota(sim.sms_quota, spec.sms_quota)
    _apply_connection(sim, spec, now)
    return sim


def _apply_quota(quota: Quota, spec: QuotaSpec | None) -> None:
    if spec is None:
        return
    quota.volume, quota.total_volume = spec.volume, spec.total_volume
    quota.last_volume_added = (spec.last_volume_added if spec.last_volume_added is not None
                               else spec.total_volume)
    quota.expiry = spec.expiry or quota.expiry
    quota.last_status_change = spec.last_status_change or quota.last_status_change
    quota.threshold_reached, quota.exceeded = spec.threshold_reached, spec.exceeded


def _apply_connection(sim: Sim, spec: SimSpec, now: datetime) -> None:
    device = sim.device
    if spec.mcc is not None:
        device.network = next((n for n in NETWORKS if (n.mcc, n.mnc) == (spec.mcc, spec.mnc)),
                              device.network)
    if spec.connection is None:
        return
    device.attached = spec.connection in ("ATTACHED", "ONLINE")
    device.online = spec.connection == "ONLINE"
    if not device.attached:
        device.last_updated = device.last_updated_gprs = device.session_started = None
        return
    device.last_updated = device.last_updated or now - 60 * _SECOND
    device.last_updated_gprs = device.last_updated
    device.session_started = (device.last_updated + 2 * _SECOND) if device.online else None


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic GC while a fleet is made: it finds no garbage there (SIMs hold no cycles) and
    its passes over the growing heap are a sixth of the seeding time of 100,000 SIMs."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def make_sim(
    rng: random.Random | SimStream, org_id: int, serial: int, index: int, now: datetime,
    mix: FleetMix, words: list[str], status: SimStatus | None = None,
    activated: datetime | None = None,
) -> Sim:
    """One SIM drawn from `rng` (the same draws, in the same order, give the same SIM)."""
    return _SimFactory(rng, now, mix, words).make(org_id, serial, index, status, activated)


_RATS = ("2G", "4G", "LTE-M", "4G")
_QUOTA_DAYS = round(365.25 * QUOTA_LIFETIME_YEARS) + 1
_SECOND = timedelta(seconds=1)


class _SimFactory:
    """`make_sim` with everything that is the same for every SIM of a batch worked out once.

    A listing page makes up to 100 SIMs and a filtered listing of a big fleet makes every one
    (and drops them), so the per-SIM path avoids `randint`/`choice` wrappers (`_below` draws
    exactly what `Random._randbelow` draws, so streams are unchanged),
    repeated timedelta and expiry arithmetic, and `ipaddress`.
    """

    def __init__(self, rng: random.Random | SimStream, now: datetime, mix: FleetMix,
                 words: list[str]) -> None:
        self.rng = rng
        self.now = now
        self.now_whole = now.replace(microsecond=0)
        self.mix = mix
        self.words = words
        self.low_or_empty = mix.empty_data + mix.low_data
        self.online_share = mix.online / max(mix.attached, 1e-9)
        self.threshold_reached = now - timedelta(days=2)
        self.exceeded = now - timedelta(days=1)
        self.expiries: dict[date, datetime] = {}

    def _below(self, n: int) -> int:
        """`rng.randrange(n)`: CPython's `_randbelow_with_getrandbits`, draw for draw."""
        getrandbits = self.rng.getrandbits
        k = n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return r

    def expiry_of(self, activation: datetime) -> datetime:
        day = activation.date()
        expiry = self.expiries.get(day)
        if expiry is None:
            expiry = datetime.combine(day + timedelta(days=_QUOTA_DAYS), time(0),
                                      activation.tzinfo)
            self.expiries[day] = expiry
        return expiry

    def make(self, org_id: int, serial: int, index: int, status: SimStatus | None = None,
             activated: datetime | None = None) -> Sim:
        rng, below, mix = self.rng, self._below, self.mix
        random_ = rng.random
        iccid, iccid_luhn, imsi, msisdn = identities_for(serial)
        if activated is None:  # randint(7 days, 700 days) in seconds
            activation = self.now_whole - _SECOND * (7 * 86400 + below(693 * 86400 + 1))
        else:
            activation = activated.replace(microsecond=0)
        expiry = self.expiry_of(activation)
        roll = random_()
        if roll < mix.empty_data:
            data_left = 0.0
        elif roll < self.low_or_empty:  # uniform(1, 19 % of the volume)
            data_left = round(1 + (INITIAL_DATA_MB * 0.19 - 1) * random_(), 6)
        else:  # uniform(25 %, 100 % of the volume)
            data_left = round(INITIAL_DATA_MB * 0.25
                              + (INITIAL_DATA_MB - INITIAL_DATA_MB * 0.25) * random_(), 6)
        sms_left = float(INITIAL_SMS - below(31))
        head = rng.head if isinstance(rng, SimStream) else None  # a SIM's own stream
        chosen_status = status or (SimStatus.DISABLED if (
            random_() if head is None else head.disabled) < mix.disabled else SimStatus.ENABLED)
        network = NETWORKS[below(len(NETWORKS))]
        imei = (imei_for(TACS[below(len(TACS))], below(1_000_000)) if head is None
                else imei_for(TACS[head.tac(len(TACS))], head.serial(1_000_000)))
        device = Device(network=network, imei=imei, rat=_RATS[below(4)],
                        lac=1000 + below(64001), cid=1000 + below(64001))
        seen = chosen_status is SimStatus.ENABLED and (
            random_() if head is None else head.attached) < mix.attached
        if seen:
            device.attached = True
            device.last_updated = self.now - _SECOND * (60 + below(86341))
            device.last_updated_gprs = device.last_updated
            if data_left > 0 and random_() < self.online_share:
                device.online = True
                device.session_started = device.last_updated + 2 * _SECOND
        label = self.words[below(len(self.words))] if random_() < mix.labelled else None
        quota_start = activation + 16 * _SECOND
        sim = Sim(
            iccid=iccid, iccid_with_luhn=iccid_luhn, imsi=imsi, msisdn=msisdn, org_id=org_id,
            status=chosen_status, activation_date=activation, ip_address=static_ip(index),
            imei_lock=random_() < 0.1,
            data_quota=self._quota(data_left, INITIAL_DATA_MB, quota_start, expiry),
            sms_quota=self._quota(sms_left, INITIAL_SMS, quota_start, expiry),
            device=device, label=label, imei=imei if (
                seen or (random_() if head is None else head.shown) < 0.5) else None,
            history_seed=rng.getrandbits(32),
            history_loaded=status is not None,
        )
        sms_left = self._sms_left(sim.history_seed, sms_left)
        if sms_left < INITIAL_SMS * THRESHOLD_PERCENTAGE / 100:
            sim.sms_quota = self._quota(sms_left, INITIAL_SMS, quota_start, expiry)
        return sim

    def imei_of(self, head: Head) -> str | None:
        """The IMEI a seeded SIM drawn from its own stream shows, from the stream's head
        alone: what `make` decides from the same words (status, attachment, IMEI, shown)."""
        seen = head.disabled >= self.mix.disabled and head.attached < self.mix.attached
        if seen or head.shown < 0.5:
            return imei_for(TACS[head.tac(len(TACS))], head.serial(1_000_000))
        return None

    def _sms_left(self, history_seed: int, plenty: float) -> float:
        """The SMS quota mixes states as the data quota does (`low_sms`, `empty_sms`).

        Drawn from the SIM's history seed by a multiplicative hash, not from `rng`: a new draw
        would change every later SIM of the same seed."""
        mixed = (history_seed * 0x9E3779B1) & 0xFFFFFFFF
        roll = mixed / 2**32
        if roll < self.mix.empty_sms:
            return 0.0
        if roll < self.mix.empty_sms + self.mix.low_sms:  # 1 .. 19 % of the SMS
            return float(1 + (mixed >> 8) % int(INITIAL_SMS * 0.19))
        return plenty

    def _quota(self, left: float, total: float, start: datetime, expiry: datetime) -> Quota:
        quota = Quota(left, total, total, start, expiry)
        if left <= 0:  # QuotaLevel.EMPTY
            quota.threshold_reached = self.threshold_reached
            quota.exceeded = quota.last_status_change = self.exceeded
        elif left < total * THRESHOLD_PERCENTAGE / 100:  # QuotaLevel.LOW
            quota.threshold_reached = quota.last_status_change = self.threshold_reached
        return quota
