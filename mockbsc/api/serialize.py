"""Domain objects to wire JSON: the only module that knows the platform's field names.

Fields without a value are left out, never sent as null (the platform's Jackson NON_NULL).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from mockbsc.domain.fleet.limits import LimitOption
from mockbsc.domain.fleet.models import (
    PEAK_THROUGHPUT,
    QUOTA_DESCRIPTIONS,
    THRESHOLD_PERCENTAGE,
    DailyUsage,
    Quota,
    Sim,
    SimEvent,
)
from mockbsc.domain.fleet.usage import UsageReport
from mockbsc.domain.orders.models import Order, Product
from mockbsc.domain.sms.outbox import Attempt, Delivery, DeliveryKind, WebhookMessage
from mockbsc.domain.sms.records import Sms

JSON = dict[str, Any]


def timestamp(moment: datetime) -> str:
    """`2021-08-26T12:13:06.000+0000`, the format of every date but quota and status dates."""
    if moment.year < 1000:  # strftime does not pad such years; keep its output
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"
    # f-string fields instead of strftime: half the cost, and every SIM has a few dates
    return (f"{moment.year}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
            f"{moment.minute:02d}:{moment.second:02d}.{moment.microsecond // 1000:03d}+0000")


def local_time(moment: datetime) -> str:
    """`2031-11-26 00:00:00`, the format of quota and location dates (clients parse it)."""
    if moment.year < 1000:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return (f"{moment.year}-{moment.month:02d}-{moment.day:02d} {moment.hour:02d}:"
            f"{moment.minute:02d}:{moment.second:02d}")


def compact(data: JSON) -> JSON:
    return {k: v for k, v in data.items() if v is not None}


def _quota_status(quota: Quota) -> JSON:
    level = quota.level
    data: JSON = {"id": int(level), "description": QUOTA_DESCRIPTIONS[level]}
    if quota.threshold_reached:
        data["threshold_reached_date"] = timestamp(quota.threshold_reached)
    if quota.exceeded:
        data["quota_exceeded_date"] = timestamp(quota.exceeded)
    return data


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def sim(s: Sim) -> JSON:
    # Built key by key rather than through compact(): the hottest serialiser (every GET of a
    # SIM and every SIM of a listing), and only imei and label can be missing.
    data: JSON = {"iccid": s.iccid, "iccid_with_luhn": s.iccid_with_luhn, "imsi": s.imsi,
                  "current_imsi": s.imsi, "msisdn": s.msisdn}
    if s.imei is not None:
        data["imei"] = s.imei
    data["imei_lock"] = s.imei_lock
    data["status"] = s.status.value
    data["activation_date"] = timestamp(s.activation_date)
    data["ip_address"] = s.ip_address
    data["current_quota"] = _number(s.data_quota.total_volume)
    data["quota_status"] = _quota_status(s.data_quota)
    data["current_quota_SMS"] = _number(s.sms_quota.total_volume)
    data["quota_status_SMS"] = _quota_status(s.sms_quota)
    if s.label is not None:
        data["label"] = s.label
    return data


def quota(q: Quota, data: bool) -> JSON:
    return compact({
        "volume": _number(q.volume),
        "total_volume": _number(q.total_volume),
        "expiry_date": local_time(q.expiry),
        "peak_throughput": PEAK_THROUGHPUT if data else None,
        "last_volume_added": _number(q.last_volume_added),
        "last_status_change_date": local_time(q.last_status_change),
        "threshold_percentage": THRESHOLD_PERCENTAGE,
    })


def status(s: Sim, now: datetime) -> JSON:
    device = s.device
    state = "ONLINE" if device.online else "ATTACHED" if device.attached else "OFFLINE"
    net = device.network
    location = None
    if device.last_updated is not None:
        location = compact({
            "iccid": s.iccid,
            "imsi": s.imsi,
            "last_updated": local_time(device.last_updated),
            "last_updated_gprs": local_time(device.last_updated_gprs)
            if device.last_updated_gprs else None,
            "sgsn_number": net.sgsn_number,
            "sgsn_number_np": "1",
            "operator_id": str(net.operator_id),
            "operator": {"id": net.operator_id, "name": net.operator,
                         "country": {"id": net.country_id, "name": net.country,
                                     "iso_code": net.iso_code}},
            "country": {"country_id": str(net.country_id), "name": net.country,
                        "country_code": net.country_code, "mcc": net.mcc,
                        "iso_code": net.iso_code, "latitude": net.latitude,
                        "longitude": net.longitude},
            "sgsn_ip_address": net.sgsn_ip_address,
        })
    pdp = None
    if device.online and device.session_started is not None:
        pdp = {
            # Stable across processes (hash() of a str is salted per process).
            "pdp_context_id": str(zlib.crc32(
                f"{s.iccid}:{device.session_started.isoformat()}".encode()) % 10**9),
            "endpoint_id": s.iccid[-8:],
            "organisation_id": str(s.org_id),
            "imsi": s.imsi,
            "ue_ip_address": s.ip_address,
            "apn": "iot.telekom.net",
            "created": local_time(device.session_started),
            "duration": str(int((now - device.session_started).total_seconds())),
            "rat_type": rat_type(device.rat),
            "mcc": net.mcc,
            "mnc": net.mnc,
            "lac": str(device.lac),
            "ci": str(device.cid),
        }
    services = ["GPRS", "SMS"] if device.online else ["SMS"] if device.attached else []
    return compact({"status": state, "location": location, "pdp_context": pdp,
                    "services": services})


# 1NCE's `rat_type.description` enum (S1) with the 3GPP TS 29.274 RAT Type ids (S1's example
# pairs "2" with "2G": GERAN). LTE-M (Cat-M1) is E-UTRAN and not in 1NCE's enum: the platform
# reports it as 4G.
RAT_TYPES = {"2G": ("2", "2G"), "3G": ("1", "3G"), "4G": ("6", "4G"), "LTE-M": ("6", "4G"),
             "NB-IoT": ("8", "NB-IoT"), "5G": ("10", "5G")}


def rat_type(rat: str) -> JSON:
    rat_id, description = RAT_TYPES.get(rat, RAT_TYPES["4G"])
    return {"rat_type_id": rat_id, "description": description}


def connectivity(s: Sim, now: datetime, subscriber: bool, ussd: bool) -> JSON:
    device = s.device
    info: JSON | None = None
    if subscriber:
        if device.attached:
            age = int((now - (device.last_updated or now)).total_seconds() // 60)
            info = {"success": True,
                    "state": "attached" if device.online else "assumed_idle",
                    "location": {"current_location_retrieved": device.rat in ("2G", "3G"),
                                 "age_of_location": age,
                                 "cell_global_id": {"mcc": device.network.mcc,
                                                    "mnc": str(int(device.network.mnc)),
                                                    "lac": device.lac, "cid": device.cid}}}
        else:
            info = {"success": True, "state": "not_provided_from_vlr"}
    return compact({
        "subscriber_info": info,
        "ussd_info": {"success": False, "error": "USSD not supported by the device"}
        if ussd else None,
        "request_timestamp": timestamp(now),
        "reply_timestamp": timestamp(now + timedelta(milliseconds=202)),
    })


def event(e: SimEvent) -> JSON:
    return compact({
        "id": e.id,
        "timestamp": timestamp(e.timestamp),
        "event_type": e.event_type,
        "event_severity": e.severity,
        "alert": e.alert,
        "description": e.description,
        "iccid": e.iccid,
        "imsi": e.imsi,
        "imei": e.imei,
        "country": e.country,
        "operator": e.operator,
        "mcc": e.mcc,
        "mnc": e.mnc,
    })


def _volume(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def _daily(label: str, day: DailyUsage) -> JSON:
    data_total = day.data_rx + day.data_tx
    return {
        "date": label,
        "data": {"volume": _volume(data_total), "volume_tx": _volume(day.data_tx),
                 "volume_rx": _volume(day.data_rx)},
        "sms": {"volume": str(day.sms_mo + day.sms_mt), "volume_tx": str(day.sms_mt),
                "volume_rx": str(day.sms_mo)},
    }


def usage(report: UsageReport) -> JSON:
    rows = [_daily(d.day.isoformat(), d) for d in report.days]
    rows.append(_daily("TOTAL", report.total))
    return {"stats": rows}


def sms(m: Sms) -> JSON:
    def when(moment: datetime | None) -> str | None:
        return timestamp(moment) if moment else None

    return compact({
        "id": m.id,
        "submit_date": timestamp(m.submit_date),
        "delivery_date": when(m.delivery_date),
        "expiry_date": when(m.expiry_date),
        "final_date": when(m.final_date),
        "retry_date": when(m.retry_date),
        "last_delivery_attempt": when(m.last_delivery_attempt),
        "retry_count": str(m.retry_count),
        "source_address": m.source_address,
        "iccid": m.iccid,
        "msisdn": m.msisdn,
        "imsi": m.imsi,
        "msc": m.msc,
        "udh": m.udh,
        "dcs": m.dcs,
        "payload": m.payload,
        "status": {"id": int(m.status), "description": m.status.description},
        "sms_type": {"id": int(m.sms_type), "description": m.sms_type.name},
        "source_address_type": {"id": int(m.source_address_type),
                                "description": m.source_address_type.description},
    })


_LIMIT_KEYS = {"data": "data", "smsMT": "smsMt", "smsMO": "smsMo"}  # S1 `Values_for_Limits`


def limits(chosen: Mapping[str, LimitOption]) -> JSON:
    return {_LIMIT_KEYS[service]: {"id": o.id, "limit": o.limit, "unit": o.unit}
            for service, o in chosen.items()}


def order(o: Order, base_url: str) -> JSON:
    return compact({
        "order_number": o.number,
        "order_type": o.order_type.value,
        "order_date": timestamp(o.date),
        "order_status": o.status.value,
        "invoice_number": o.invoice_number,
        "invoice_amount": o.invoice_amount,
        "currency": o.currency,
        "shipping_address": o.shipping_address,
        "customer_reference": o.customer_reference,
        "sims": [{"iccid": i, "_links": [{"rel": "self", "href": f"{base_url}/v1/sims/{i}"}]}
                 for i in o.iccids],
        "products": [{"product_id": line.product_id, "quantity": line.quantity}
                     for line in o.lines],
    })


def product(p: Product) -> JSON:
    def charges(items: tuple[Any, ...]) -> list[JSON]:
        return [{"name": c.name, "amount_net": c.amount_net, "currency": c.currency}
                for c in items]

    return {
        "id": p.id,
        "product": p.name,
        "material": p.material,
        "package_size": p.package_size,
        "minQuantity": p.min_quantity,
        "maxQuantity": p.max_quantity,
        "maxQuantityPerCustomer": p.max_quantity_per_customer,
        "min_contract_duration": p.min_contract_duration,
        "one_time_charges": charges(p.one_time_charges),
        "recurring_charges": charges(p.recurring_charges),
    }


# ---- SMS forwarder (BSC guide §4.1 delivery report, §4.2 MO SMS) ---------------------------
# The guide shows every id, `pid` and `dcs` as strings and only `partno`/`total` as numbers;
# dates are `YYYY-MM-DD HH:MM:SS` in GMT.


def endpoint_id(iccid: str) -> str:
    """The platform's endpoint id of a SIM (the id `status` shows in its PDP context)."""
    return iccid[-8:]


def webhook_body(message: WebhookMessage) -> JSON:
    m = message.sms
    endpoint = {"id": endpoint_id(m.iccid), "name": m.iccid}
    organisation = {"id": str(message.org_id)}
    if message.kind is DeliveryKind.DLR:
        return {
            "status": {"status": m.status.description, "id": str(int(m.status))},
            "endpoint": endpoint,
            "submit_date": local_time(m.submit_date),
            "organisation": organisation,
            "final_date": local_time(m.final_date or m.submit_date),
            "id": str(m.id),
        }
    return {
        "multi_part_info": {"partno": m.part_no, "total": m.parts,
                            "identifier": str(m.reference or m.id)},
        "payload": m.payload,
        "submit_date": local_time(m.submit_date),
        "dest_address": m.dest_address or "",
        "organisation": organisation,
        "pid": "0",
        "id": str(m.id),
        "endpoint": endpoint,
        "source_address": m.source_address,
        "dcs": str(m.dcs),
    }


def iso(moment: datetime) -> str:
    """Control-API instants: ISO 8601 with `Z`."""
    return moment.isoformat().replace("+00:00", "Z")


def _attempt(a: Attempt, body: JSON) -> JSON:
    return compact({
        "at": iso(a.at), "method": a.method, "url": a.url, "body": body,
        "response_status": a.status, "error": a.error, "duration_ms": a.duration_ms,
        "next_attempt": iso(a.next_attempt) if a.next_attempt else None,
    })


def delivery(d: Delivery) -> JSON:
    body = webhook_body(d.message)
    return compact({
        "id": str(d.id),
        "kind": d.kind.value,
        "method": d.kind.method,
        "url": d.url,
        "iccid": d.iccid,
        "sms_id": d.message.sms.id,
        "org_id": d.message.org_id,
        "body": body,
        "status": d.status.value,
        "created": iso(d.created),
        "next_attempt": iso(d.next_attempt) if d.next_attempt else None,
        "attempts": [_attempt(a, body) for a in d.attempts],
    })
