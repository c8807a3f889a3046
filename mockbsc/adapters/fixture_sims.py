"""Explicit SIMs and orders in a fixtures file (`sims:` as a list and `orders:` under an
organisation), both ways.

`mockbsc import` writes them (`to_entry`, orders as the API lists them), `mockbsc serve
--fixtures` reads them (`sims_of`, `orders_of`). Field names are the platform's own wire
names where it has one (`iccid`, `imei_lock`, `ip_address`, quota `volume`/`total_volume`/
`expiry_date`...), so a file reads like the API's answers. Dates are ISO 8601 (a missing
offset means UTC) or the wire's own formats (`2021-08-26T12:13:02.000+0000`,
`2031-11-26 00:00:00`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from mockbsc.domain.orders.models import Order, OrderLine, OrderStatus, OrderType
from mockbsc.domain.scenario import QuotaSpec, SimSpec

SIM_FIELDS = ("iccid", "iccid_with_luhn", "imsi", "msisdn", "imei", "imei_lock", "status",
              "activation_date", "ip_address", "label", "data_quota", "sms_quota",
              "connection", "mcc", "mnc")
QUOTA_FIELDS = ("volume", "total_volume", "last_volume_added", "expiry_date",
                "last_status_change_date", "threshold_reached_date", "quota_exceeded_date")
CONNECTIONS = ("ONLINE", "ATTACHED", "OFFLINE")


def sims_of(raw: Any, where: str) -> tuple[int, tuple[SimSpec, ...]]:
    """(SIMs to generate, explicit SIMs) of an organisation's `sims:` value.

    An integer generates that many; a list holds explicit SIMs (mappings with at least an
    `iccid`) and `{generate: N}` items, mixed freely.

    Raises:
        ValueError: a wrong value, naming where it is.
    """
    if raw is None:
        return 0, ()
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw, ()
    if not isinstance(raw, list):
        raise ValueError(f"{where}: a number of SIMs or a list of SIMs")
    generated, explicit, seen = 0, [], set()
    for n, item in enumerate(raw):
        here = f"{where}[{n}]"
        if not isinstance(item, Mapping):
            raise ValueError(f"{here}: a SIM (mapping with an iccid) or {{generate: N}}")
        if "generate" in item:
            generated += int(item["generate"])
            continue
        spec = sim_spec(item, here)
        if spec.iccid in seen:
            raise ValueError(f"{here}.iccid: {spec.iccid} is listed twice")
        seen.add(spec.iccid)
        explicit.append(spec)
    return generated, tuple(explicit)


def sim_spec(item: Mapping[str, Any], where: str) -> SimSpec:
    unknown = sorted(set(item) - set(SIM_FIELDS))
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(unknown)}")
    iccid = _text(item.get("iccid"))
    if not iccid:
        raise ValueError(f"{where}.iccid: required")
    connection = _text(item.get("connection"))
    if connection is not None and connection.upper() not in CONNECTIONS:
        raise ValueError(f"{where}.connection: one of {', '.join(CONNECTIONS)}")
    lock = item.get("imei_lock")
    if lock is not None and not isinstance(lock, bool):
        raise ValueError(f"{where}.imei_lock: true or false")
    return SimSpec(
        iccid=iccid, iccid_with_luhn=_text(item.get("iccid_with_luhn")),
        imsi=_text(item.get("imsi")), msisdn=_text(item.get("msisdn")),
        imei=_text(item.get("imei")), imei_lock=lock, status=_text(item.get("status")),
        activation_date=parse_date(item.get("activation_date"), f"{where}.activation_date"),
        ip_address=_text(item.get("ip_address")), label=_text(item.get("label")),
        data_quota=_quota(item.get("data_quota"), f"{where}.data_quota"),
        sms_quota=_quota(item.get("sms_quota"), f"{where}.sms_quota"),
        connection=connection.upper() if connection else None,
        mcc=_text(item.get("mcc")), mnc=_text(item.get("mnc")),
    )


def _quota(raw: Any, where: str) -> QuotaSpec | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or "volume" not in raw:
        raise ValueError(f"{where}: a mapping with at least 'volume'")
    unknown = sorted(set(raw) - set(QUOTA_FIELDS))
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(unknown)}")
    volume = float(raw["volume"])
    added = raw.get("last_volume_added")
    return QuotaSpec(
        volume=volume, total_volume=float(raw.get("total_volume", volume)),
        last_volume_added=None if added is None else float(added),
        expiry=parse_date(raw.get("expiry_date"), f"{where}.expiry_date"),
        last_status_change=parse_date(raw.get("last_status_change_date"),
                                      f"{where}.last_status_change_date"),
        threshold_reached=parse_date(raw.get("threshold_reached_date"),
                                     f"{where}.threshold_reached_date"),
        exceeded=parse_date(raw.get("quota_exceeded_date"), f"{where}.quota_exceeded_date"),
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def parse_date(value: Any, where: str) -> datetime | None:
    """A date of the file or of the wire, as an aware UTC datetime (None stays None)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0))
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{where}: {text!r} is not a date (ISO 8601 or the wire's "
                             "'2031-11-26 00:00:00')") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace(
        "+00:00", "Z")


def to_entry(spec: SimSpec) -> dict[str, Any]:
    """The fixtures mapping of an explicit SIM (fields without a value left out)."""
    entry: dict[str, Any] = {
        "iccid": spec.iccid, "iccid_with_luhn": spec.iccid_with_luhn, "imsi": spec.imsi,
        "msisdn": spec.msisdn, "imei": spec.imei, "imei_lock": spec.imei_lock,
        "status": spec.status, "activation_date": iso(spec.activation_date),
        "ip_address": spec.ip_address, "label": spec.label,
        "data_quota": _quota_entry(spec.data_quota), "sms_quota": _quota_entry(spec.sms_quota),
        "connection": spec.connection, "mcc": spec.mcc, "mnc": spec.mnc,
    }
    return {k: v for k, v in entry.items() if v is not None}


def _quota_entry(quota: QuotaSpec | None) -> dict[str, Any] | None:
    if quota is None:
        return None
    entry = {"volume": quota.volume, "total_volume": quota.total_volume,
             "last_volume_added": quota.last_volume_added, "expiry_date": iso(quota.expiry),
             "last_status_change_date": iso(quota.last_status_change),
             "threshold_reached_date": iso(quota.threshold_reached),
             "quota_exceeded_date": iso(quota.exceeded)}
    return {k: v for k, v in entry.items() if v is not None}


def orders_of(raw: Any, org_id: int, where: str) -> tuple[Order, ...]:
    """An organisation's `orders:`, each as `GET /v1/orders` lists it (`sims` may also be
    plain ICCIDs).

    Raises:
        ValueError: a wrong or missing field, naming where it is.
    """
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValueError(f"{where}: a list of orders")
    orders = []
    for n, item in enumerate(raw):
        here = f"{where}[{n}]"
        if not isinstance(item, Mapping):
            raise ValueError(f"{here}: an order (mapping)")
        try:
            kind = OrderType(str(item.get("order_type", "ADDITIONAL_ORDER")))
            status = OrderStatus(str(item.get("order_status", "COMPLETED")))
        except ValueError:  # the schema names the field; this is for a caller without it
            raise ValueError(f"{here}: order_type or order_status is not a known value") \
                from None
        moment = parse_date(item.get("order_date"), f"{here}.order_date")
        if moment is None:
            raise ValueError(f"{here}.order_date: required")
        sims = [str(s["iccid"]) if isinstance(s, Mapping) else str(s)
                for s in item.get("sims") or []]
        lines = [OrderLine(int(p["product_id"]), int(p["quantity"]))
                 for p in item.get("products") or []]
        address = item.get("shipping_address")
        orders.append(Order(
            number=int(item["order_number"]), org_id=org_id, order_type=kind, date=moment,
            status=status, invoice_number=str(item.get("invoice_number", "")),
            invoice_amount=str(item.get("invoice_amount", "0.00")),
            currency=str(item.get("currency", "EUR")), lines=lines, iccids=sims,
            shipping_address={str(k): str(v) for k, v in address.items()}
            if isinstance(address, Mapping) else None,
            customer_reference=_text(item.get("customer_reference"))))
    return tuple(orders)
