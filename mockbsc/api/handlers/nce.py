"""The 1NCE platform's operations that the BSC guide does not list (S1's SIM-management
document): self-set limits, auto top-up, SIM extension, SIM transfer."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from mockbsc.api import serialize
from mockbsc.api.operation import Call
from mockbsc.api.responses import empty_response, json_response
from mockbsc.domain.fleet.limits import CATALOG, DATA, SMS_MO, SMS_MT


def _body(call: Call) -> dict[str, Any]:
    return call.body if isinstance(call.body, dict) else {}


def get_limits(call: Call) -> Response:
    with call.emulator.lock:
        current = call.emulator.traffic_limits.current(call.org_id)
    return json_response(serialize.limits(current))


def set_limits(call: Call) -> Response:
    body = _body(call)
    with call.emulator.lock:
        call.emulator.traffic_limits.set(call.org_id, {
            DATA: body.get("dataLimitId"), SMS_MT: body.get("smsMtLimitId"),
            SMS_MO: body.get("smsMoLimitId")})
    return empty_response(201)


def get_selectable_limits(call: Call) -> Response:
    service = call.path["service"]
    with call.emulator.lock:
        current = call.emulator.traffic_limits.current(call.org_id)
    chosen = current.get(service) or CATALOG[service][0]
    return json_response(serialize.limits({service: chosen}))


def auto_topup(call: Call) -> Response:
    body = _body(call)
    call.emulator.topups.set_auto_topup(call.org_id, body.get("iccids") or [],
                                        bool(body.get("enabled")))
    return empty_response(201)


def extend_sims(call: Call) -> Response:
    body = _body(call)
    call.emulator.lifetime.extend(call.org_id, body.get("iccids") or [], body.get("productId"))
    return empty_response(201)


def sim_transfer(call: Call) -> Response:
    body = _body(call)
    # A range without both ends names no SIMs: ignored (1NCE's document makes neither required).
    ranges = [(r["from"], r["to"]) for r in body.get("iccid_ranges") or []
              if r.get("from") is not None and r.get("to") is not None]
    emulator = call.emulator
    emulator.lifetime.transfer(call.org_id, body.get("target_organisation"), ranges,
                               body.get("iccids") or [], lambda org: org in emulator.orgs)
    return empty_response(201)
