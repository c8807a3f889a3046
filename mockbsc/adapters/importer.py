"""`mockbsc import`: an organisation read through the public API, written as a fixtures file.

GET calls only (plus the token): the SIM listing page by page, each SIM's data and SMS quota
and its status, the products and the orders. What is read lands in a journal beside the
output (`OUT.partial`, one JSON line per SIM) before the next SIM is read, so an interrupted
import run again with the same arguments reads only the SIMs it lacks. The file is written
at the end (atomically) and the journal removed. No password or token reaches either file:
the organisation's user gets the `--local-password` in the fixtures.

This module reads the platform's wire names (it is a client of the API): the mock's own
wire side stays in `mockbsc.api.serialize`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import yaml

from mockbsc.adapters.bsc_client import BscClient, BscClientError
from mockbsc.adapters.fixture_sims import parse_date, to_entry
from mockbsc.adapters.redaction import Redactor
from mockbsc.domain.scenario import QuotaSpec, SimSpec

DEFAULT_LOCAL_PASSWORD = "imported-password"
JOURNAL_VERSION = 1
ORDERS_PAGE_SIZE = 10  # the platform's largest page of orders


@dataclass(slots=True)
class ImportOptions:
    base_url: str
    user: str
    password: str
    out: Path
    limit: int | None = None
    redact: bool = False
    local_password: str = DEFAULT_LOCAL_PASSWORD
    page_size: int = 100


@dataclass(slots=True)
class ImportResult:
    org_id: int
    sims: int
    resumed: int
    calls: int
    waited: float
    products: int
    orders: int
    out: Path


@dataclass(slots=True)
class _Journal:
    """`OUT.partial`: a header line, then one line per finished SIM (appended, flushed)."""

    path: Path
    header: dict[str, Any]
    done: dict[str, dict[str, Any]] = field(default_factory=dict)

    def open(self) -> int:
        """Load what an earlier run finished with the same source; returns how many SIMs."""
        if self.path.exists():
            lines = self.path.read_text(encoding="utf-8").splitlines()
            try:
                first = json.loads(lines[0]) if lines else None
            except ValueError:
                first = None
            if first == self.header:
                for line in lines[1:]:
                    try:
                        record = json.loads(line)
                    except ValueError:
                        break  # a line cut by the interruption: read again
                    self.done[record["sim"]["iccid"]] = record
                return len(self.done)
        self.path.write_text(json.dumps(self.header) + "\n", encoding="utf-8")
        return 0

    def add(self, record: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self.done[record["sim"]["iccid"]] = record


class Progress:
    """`done/total SIMs, rate/s, ETA` on one terminal line; silent when not a terminal."""

    def __init__(self, stream: TextIO | None, clock: Callable[[], float] = time.monotonic):
        self.stream = stream if stream is not None and stream.isatty() else None
        self.clock = clock
        self.started = clock()
        self.base = 0

    def show(self, done: int, total: int, force: bool = False) -> str:
        elapsed = max(self.clock() - self.started, 1e-9)
        rate = max(done - self.base, 0) / elapsed
        eta = (total - done) / rate if rate > 0 else None
        line = (f"{done}/{total} SIMs  {rate:.1f}/s  ETA "
                + (time.strftime("%H:%M:%S", time.gmtime(eta)) if eta is not None else "--"))
        if self.stream is not None:
            self.stream.write("\r" + line + ("\n" if force else ""))
            self.stream.flush()
        return line


def run_import(options: ImportOptions, client: BscClient | None = None,
               progress: TextIO | None = sys.stderr) -> ImportResult:
    """Read the organisation and write the fixtures file (see the module's doc).

    Raises:
        BscClientError: the platform refused or failed a call (the journal keeps what was
            read, for the next run).
    """
    own = client is None
    api = client or BscClient(options.base_url, options.user, options.password)
    try:
        return _import(options, api, progress)
    finally:
        if own:
            api.close()


def _import(options: ImportOptions, api: BscClient, stream: TextIO | None) -> ImportResult:
    info = api.login()
    journal = _Journal(Path(f"{options.out}.partial"),
                       {"version": JOURNAL_VERSION, "base_url": api.base_url,
                        "user": options.user, "limit": options.limit})
    resumed = journal.open()
    listing: list[dict[str, Any]] = []
    total = 0
    for items, count in api.pages("/v1/sims", options.page_size):
        listing += [s for s in items if isinstance(s, dict) and "iccid" in s]
        total = count if count is not None else len(listing)
        if options.limit is not None and len(listing) >= options.limit:
            break
    if options.limit is not None:
        listing, total = listing[: options.limit], min(total, options.limit)
    total = len(listing)
    progress = Progress(stream)
    progress.base = sum(1 for s in listing if s["iccid"] in journal.done)
    records = []
    for n, sim in enumerate(listing, 1):
        record = journal.done.get(sim["iccid"])
        if record is None:
            record = _read_sim(api, sim)
            journal.add(record)
        records.append(record)
        progress.show(n, total)
    if total:
        progress.show(total, total, force=True)
    products = _list(api.json("/v1/products"))
    orders = [o for page, _ in api.pages("/v1/orders", ORDERS_PAGE_SIZE) for o in page]
    org_id = _org_id(info, records)
    specs = [sim_spec_of(r) for r in records]
    orders = [order_entry(o) for o in orders if isinstance(o, dict) and "order_number" in o]
    if options.redact:
        redactor = Redactor()
        specs = [redactor.sim(s) for s in specs]
        orders = [redact_order(o, redactor) for o in orders]
    document = fixtures_document(options, api.base_url, info, org_id, specs, products, orders)
    _write_atomically(options.out, document)
    journal.path.unlink(missing_ok=True)
    return ImportResult(org_id, len(specs), resumed, api.calls, api.waited, len(products),
                        len(orders), options.out)


def _read_sim(api: BscClient, sim: Mapping[str, Any]) -> dict[str, Any]:
    base = f"/v1/sims/{sim['iccid']}"
    record: dict[str, Any] = {"sim": dict(sim)}
    for key, path in (("data", "/quota/data"), ("sms", "/quota/sms"), ("status", "/status")):
        response = api.get(base + path, ok=(200, 404))
        try:
            record[key] = response.json() if response.status_code == 200 else None
        except ValueError:
            record[key] = None
    return record


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _org_id(info: Mapping[str, Any], records: list[dict[str, Any]]) -> int:
    """The organisation's id: the token's `orgId` (BSC shape), else the one a data session
    reports (`pdp_context.organisation_id`), else 1."""
    for value in [info.get("orgId")] + [
            ((r.get("status") or {}).get("pdp_context") or {}).get("organisation_id")
            for r in records]:
        if value is not None and str(value).isdecimal():
            return int(value)
    return 1


def sim_spec_of(record: Mapping[str, Any]) -> SimSpec:
    """A SIM as read (listing entry, quotas, status) -> the fixtures' explicit SIM."""
    sim = record["sim"]
    status = record.get("status") or {}
    location = status.get("location") or {}
    pdp = status.get("pdp_context") or {}
    country = location.get("country") or {}
    return SimSpec(
        iccid=str(sim["iccid"]), iccid_with_luhn=_str(sim.get("iccid_with_luhn")),
        imsi=_str(sim.get("imsi")), msisdn=_str(sim.get("msisdn")),
        imei=_str(sim.get("imei")), imei_lock=sim.get("imei_lock"),
        status=_str(sim.get("status")),
        activation_date=parse_date(sim.get("activation_date"), "activation_date"),
        ip_address=_str(sim.get("ip_address")), label=_str(sim.get("label")),
        data_quota=_quota(record.get("data"), sim.get("quota_status"), sim.get("current_quota")),
        sms_quota=_quota(record.get("sms"), sim.get("quota_status_SMS"),
                         sim.get("current_quota_SMS")),
        connection=_str(status.get("status")) if status.get("status") in (
            "ONLINE", "ATTACHED", "OFFLINE") else None,
        mcc=_str(pdp.get("mcc") or country.get("mcc")), mnc=_str(pdp.get("mnc")),
    )


def _quota(quota: Any, quota_status: Any, current: Any) -> QuotaSpec | None:
    if not isinstance(quota, Mapping) or quota.get("volume") is None:
        return None
    state = quota_status if isinstance(quota_status, Mapping) else {}
    total = quota.get("total_volume", current if current is not None else quota["volume"])
    return QuotaSpec(
        volume=float(quota["volume"]), total_volume=float(total),
        last_volume_added=None if quota.get("last_volume_added") is None
        else float(quota["last_volume_added"]),
        expiry=parse_date(quota.get("expiry_date"), "expiry_date"),
        last_status_change=parse_date(quota.get("last_status_change_date"),
                                      "last_status_change_date"),
        threshold_reached=parse_date(state.get("threshold_reached_date"),
                                     "threshold_reached_date"),
        exceeded=parse_date(state.get("quota_exceeded_date"), "quota_exceeded_date"),
    )


def order_entry(order: Mapping[str, Any]) -> dict[str, Any]:
    """An order as listed, its SIMs as plain ICCIDs (their links name the source's host)."""
    entry = {k: v for k, v in order.items() if k != "sims"}
    iccids = [s.get("iccid") if isinstance(s, Mapping) else s for s in order.get("sims") or []]
    if iccids:
        entry["sims"] = [str(i) for i in iccids if i is not None]
    return entry


def redact_order(order: dict[str, Any], redactor: Redactor) -> dict[str, Any]:
    """The order's ICCIDs replaced as the SIMs' were; address and reference left out."""
    entry = {k: v for k, v in order.items()
             if k not in ("shipping_address", "customer_reference")}
    if "sims" in entry:
        entry["sims"] = [redactor.value("iccid", i) for i in entry["sims"]]
    return entry


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def fixtures_document(options: ImportOptions, source: str, info: Mapping[str, Any],
                      org_id: int, specs: list[SimSpec], products: list[Any],
                      orders: list[Any]) -> dict[str, Any]:
    user_id = info.get("userId")
    document: dict[str, Any] = {
        "default_organisation": org_id,
        "organisations": [{"id": org_id, "name": f"Organisation {org_id}",
                           "sims": [to_entry(s) for s in specs], "orders": orders}],
        "users": [{"username": options.user, "password": options.local_password,
                   "organisation": org_id,
                   "user_id": int(str(user_id)) if str(user_id).isdecimal() else 100001,
                   "api_access": True}],
    }
    known = [p for p in products if isinstance(p, dict) and {"id", "product"} <= set(p)]
    if known:
        document["products"] = known
    return document


def _write_atomically(path: Path, document: dict[str, Any]) -> None:
    stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
    header = (f"# mockbsc fixtures imported {stamp}: serve with `mockbsc serve --fixtures "
              f"{path.name}`.\n# No password or token of the source is in this file.\n")
    text = header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


__all__ = ["DEFAULT_LOCAL_PASSWORD", "BscClientError", "ImportOptions", "ImportResult",
           "run_import"]
