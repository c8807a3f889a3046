"""SMS: to a SIM (MT) — send, list, read, cancel while still buffered (BSC guide §4.1) — and,
on the control plane, from a device (MO) and the forwarder's webhook deliveries."""

from __future__ import annotations

from datetime import datetime

from starlette.responses import Response

from mockbsc.api import serialize
from mockbsc.api.operation import Call
from mockbsc.api.responses import empty_response, json_response, page_response
from mockbsc.domain.errors import InvalidRequestError
from mockbsc.domain.sms.outbox import DeliveryKind, DeliveryStatus


def _expiry(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRequestError(f"expiry_date: '{text}' is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise InvalidRequestError("expiry_date: needs a time zone (Z or +hh:mm)")
    return moment


def send_sms(call: Call) -> Response:
    body = call.body or {}
    address_type = body.get("source_address_type") or {}
    call.emulator.lifetime.ensure_active(call.org_id, [call.path["iccid"]])
    sms = call.emulator.messaging.send_mt(
        call.org_id, call.path["iccid"], body["payload"], dcs=body.get("dcs", 0),
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
    q = call.query
    with call.emulator.lock:
        deliveries = call.emulator.webhooks.listing(
            DeliveryStatus(q["status"]) if q.get("status") else None, q.get("iccid"),
            DeliveryKind(q["kind"]) if q.get("kind") else None)
        items = [serialize.delivery(d) for d in deliveries]
    return json_response(items, media_type="application/json")
