"""SMS: to a SIM (MT) — send, list, read, cancel while still buffered (BSC guide §4.1) — and,
on the control plane, from a device (MO) and the forwarder's webhook deliveries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from starlette.responses import Response

from mockbsc.api import serialize
from mockbsc.api.operation import Call
from mockbsc.api.responses import (
    empty_response,
    json_array_response,
    json_response,
    page_response,
)
from mockbsc.domain.sms.outbox import DeliveryKind, DeliveryStatus

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
                  r"(Z|[+-]\d{2}:?\d{2})?")


def _expiry(text: str | None) -> datetime | None:
    """The SMS's expiry as the platform's lenient date parsing reads it: the contract's
    pattern has been checked; no zone means UTC, and a day past the month's end rolls over
    into the next month (Jackson's `StdDateFormat` is lenient), so no schema-valid value is
    refused here."""
    match = _ISO.fullmatch(text or "")
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    offset = UTC
    if zone and zone != "Z":
        digits = zone[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:])
        offset = timezone(timedelta(minutes=-minutes if zone[0] == "-" else minutes))
    micros = int((fraction or "0").ljust(6, "0")[:6])
    # Year 0 is as past as 1970, and 9999 plus a rolled-over day as future as 9998 (Python's
    # years end at 9999; the wire writes four digits).
    start = datetime(min(max(int(year), 1970), 9998), int(month), 1, int(hour), int(minute),
                     int(second or 0), micros, tzinfo=offset)
    return (start + timedelta(days=int(day) - 1)).astimezone(UTC)


def send_sms(call: Call) -> Response:
    body = call.body or {}
    address_type = body.get("source_address_type") or {}
    call.emulator.lifetime.ensure_active(call.org_id, [call.path["iccid"]])
    sms = call.emulator.messaging.send_mt(
        call.org_id, call.path["iccid"], body.get("payload", ""), dcs=body.get("dcs", 0),
        udh=body.get("udh") or "", source_address=body.get("source_address") or "",
        source_address_type=address_type.get("id"), expiry=_expiry(body.get("expiry_date")),
    )
    location = f"{call.api_base}/v1/sims/{sms.iccid}/sms/{sms.id}"
    return empty_response(201, {"Location": location})


def get_sms_list(call: Call) -> Response:
    q = call.query
    page = call.emulator.messaging.listing(call.org_id, call.path["iccid"], q["page"],
                                           q["pageSize"], q.get("sort"))
    return page_response([serialize.sms(m) for m in page.items], page)


def get_sms(call: Call) -> Response:
    sms = call.emulator.messaging.get(call.org_id, call.path["iccid"], call.path["id"])
    return json_response(serialize.sms(sms))


def cancel_sms(call: Call) -> Response:
    call.emulator.messaging.cancel(call.org_id, call.path["iccid"], call.path["id"])
    return empty_response(200)


# ---------------------------------------------------------------- control plane: the forwarder
def send_mo_sms(call: Call) -> Response:
    body = call.body
    parts = call.emulator.forwarder.send_mo(call.path["iccid"], body["payload"],
                                            body.get("dcs", 0), body.get("dest_address"))
    return json_response({"ids": [sms.id for sms in parts]}, 201, media_type="application/json")


def list_webhook_deliveries(call: Call) -> Response:
    """The matching deliveries, or only the newest `limit` of them; `X-Total-Count` says how
    many matched, so that a client waiting for N deliveries can poll with `limit=0` instead
    of fetching every delivery with its attempts (~1.2 KB each) again and again."""
    q = call.query
    with call.emulator.lock:
        deliveries = call.emulator.webhooks.listing(
            DeliveryStatus(q["status"]) if q.get("status") else None, q.get("iccid"),
            DeliveryKind(q["kind"]) if q.get("kind") else None, q.get("attempted"))
        total, limit = len(deliveries), q.get("limit")
        shown = deliveries if limit is None else deliveries[max(0, total - limit):]
        return json_array_response(map(serialize.delivery, shown),
                                   media_type="application/json",
                                   headers={"X-Total-Count": str(total)})
