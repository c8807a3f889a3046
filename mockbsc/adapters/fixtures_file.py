"""The fixtures file (YAML) read into a `Scenario`, and the device-name pool kept in the cache.

The domain makes the fleet from the scenario (`mockbsc.domain.fleet.seeding`); this module is
the file and cache side of it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from mockbsc.adapters import cache
from mockbsc.adapters.fixture_sims import orders_of, sims_of
from mockbsc.adapters.fixtures_schema import DIGEST as SCHEMA_DIGEST
from mockbsc.adapters.fixtures_schema import problems
from mockbsc.domain.fleet.seeding import POOL_SIZE, faker_pool
from mockbsc.domain.orders.models import Charge, Product
from mockbsc.domain.scenario import FleetMix, OrgSpec, Scenario, UserSpec


class FixtureError(ValueError):
    """A fixtures file is missing a field or has a wrong value; the message says which."""


def default_fixtures_path() -> Path:
    package = Path(__file__).resolve().parents[1]  # mockbsc/
    packaged = package / "_data" / "fixtures" / "default.yaml"
    if packaged.exists():
        return packaged
    return package.parent / "fixtures" / "default.yaml"


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Read a fixtures YAML file into a Scenario.

    Raises:
        FixtureError: the file cannot be read or a required field is missing or wrong.
    """
    source = Path(path) if path else default_fixtures_path()
    try:
        text = source.read_bytes()
    except OSError as exc:
        raise FixtureError(f"fixtures {source}: {exc}") from None
    raw = _checked(text, source)
    try:
        return _scenario(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise FixtureError(f"fixtures {source}: {exc}") from None


def _checked(text: bytes, source: Path) -> Any:
    """The fixtures document in `text`, parsed and checked against the schema; from the
    user's cache when this text passed this schema before (`yaml` and `jsonschema` are then
    not even imported: a third of `mockbsc serve`'s start-up). Only a document JSON keeps
    exactly is cached (not one with YAML dates or non-text keys).

    Raises:
        FixtureError: the text is no YAML mapping, or breaks the schema.
    """
    name = f"fixtures-{hashlib.sha256(text).hexdigest()[:32]}-{SCHEMA_DIGEST}.json"
    kept = cache.read(name)
    if kept is not None:
        try:
            document = json.loads(kept)
            if isinstance(document, dict):
                return document
        except ValueError:
            pass
    import yaml

    try:
        raw = yaml.safe_load(text.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise FixtureError(f"fixtures {source}: {exc}") from None
    if not isinstance(raw, dict):
        raise FixtureError(f"fixtures {source}: expected a mapping at the top")
    found = problems(raw)
    if found:
        raise FixtureError(f"fixtures {source}: " + "; ".join(found)) from None
    try:
        encoded = json.dumps(raw)
        if json.loads(encoded) == raw:
            cache.write(name, encoded.encode())
    except (TypeError, ValueError):  # a date, a non-text key: read it from YAML each time
        pass
    return raw


def scenario_of(raw: Mapping[str, Any], source: str) -> Scenario:
    """A fixtures document already parsed (a sandbox's, sent as JSON) as a Scenario.

    Raises:
        FixtureError: a required field is missing or wrong; the message names `source`.
    """
    try:
        return _scenario(raw)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise FixtureError(f"{source}: bad or missing field {exc}") from None


def _scenario(raw: Mapping[str, Any]) -> Scenario:
    orgs = tuple(_org(o, f"organisations[{n}]") for n, o in enumerate(raw["organisations"]))
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


def _org(o: Mapping[str, Any], where: str) -> OrgSpec:
    """An organisation. Its `sims:` is a count to generate or a list of explicit SIMs and
    `{generate: N}` items; `orders:` lists orders it starts with, as `GET /v1/orders` shows
    them (`mockbsc.adapters.fixture_sims` has every field; what `mockbsc import` writes)."""
    org_id = int(o["id"])
    generated, explicit = sims_of(o.get("sims"), f"{where}.sims")
    return OrgSpec(org_id, str(o["name"]), generated, o.get("sms_forward_url"), explicit,
                   orders_of(o.get("orders"), org_id, f"{where}.orders"))


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


def _pool_cache_name(seed: int) -> str | None:
    """The cache entry of `seed`'s pool for the installed Faker, if Faker is installed.

    Keyed by Faker's location and the mtime of its `__init__.py` (any install or upgrade
    changes it), found without importing Faker.
    """
    spec = importlib.util.find_spec("faker")
    if spec is None or not spec.origin:
        return None
    origin = Path(spec.origin)
    try:
        stamp = f"{origin.resolve()}:{origin.stat().st_mtime_ns}"
    except OSError:
        return None
    return f"labels-{hashlib.sha256(stamp.encode()).hexdigest()[:16]}-seed{seed}.json"


@functools.lru_cache(maxsize=8)
def _label_pool(seed: int) -> tuple[str, ...]:
    """Faker's pool for `seed`, from the user's cache when this Faker made it before.

    Importing Faker is the largest part of `mockbsc serve`'s start-up; the pool is 64 short
    strings, so it is kept in the user's cache (`mockbsc.adapters.cache`) and made once per process
    at most.
    """
    name = _pool_cache_name(seed)
    raw = cache.read(name) if name else None
    if raw is not None:
        try:
            cached = json.loads(raw)
            if (isinstance(cached, list) and len(cached) == POOL_SIZE
                    and all(isinstance(w, str) for w in cached)):
                return tuple(cached)
        except ValueError:
            pass
    pool = faker_pool(seed)
    if name:
        cache.write(name, json.dumps(pool).encode())
    return pool


def label_words(seed: int) -> list[str]:
    """The `LabelSource` the app gives the platform: Faker's pool, cached across processes.

    Made once per seed and process (a reset reseeds the fleet, not the pool).
    """
    return list(_label_pool(seed))
