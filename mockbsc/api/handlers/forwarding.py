"""Control plane of the SMS forwarder: make a device send an SMS (MO), list webhook deliveries."""

from __future__ import annotations

from starlette.responses import Response

from mockbsc.api import serialize
from mockbsc.api.operation import Call
from mockbsc.api.responses import json_response
from mockbsc.domain.sms.outbox import DeliveryKind, DeliveryStatus


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
