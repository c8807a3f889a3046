"""SIM management: list, read, change (queued), status, connectivity, events, quotas, usage,
reset and top-ups."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from mockbsc.api import serialize
from mockbsc.api.operation import Call, offloaded_when
from mockbsc.api.responses import empty_response, json_response, page_headers, page_response
from mockbsc.config import settings_of
from mockbsc.domain.errors import NotFoundError
from mockbsc.domain.fleet.models import SimStatus
from mockbsc.domain.platform import SimChanges


def changes_from(item: dict[str, Any], iccid: str) -> SimChanges:
    status = item.get("status")
    return SimChanges(iccid=iccid, label=item.get("label"), imei_lock=item.get("imei_lock"),
                      status=SimStatus(status) if status else None)


@offloaded_when(lambda query: bool(query.get("q") or query.get("sort")))  # a scan of the fleet
def get_sims(call: Call) -> Response:
    q = call.query
    page = call.emulator.list_sims(call.org_id, q["page"], q["pageSize"], q.get("q"),
                                   q.get("sort"))
    return page_response([serialize.sim(s) for s in page.items], page)


def get_sim(call: Call) -> Response:
    try:
        sim = call.emulator.get_sim(call.org_id, call.path["iccid"])
    except NotFoundError:
        if settings_of(call.emulator).unknown_sim == "empty":
            return empty_response(200)  # the 2021 wire: 200 with an empty body
        raise
    return json_response(serialize.sim(sim))


def update_sim(call: Call) -> Response:
    iccid = call.path["iccid"]
    call.emulator.lifetime.ensure_active(call.org_id, [iccid])
    call.emulator.queue_changes(call.org_id, [changes_from(call.body or {}, iccid)])
    return empty_response(200)


def update_sims(call: Call) -> Response:
    changes = [changes_from(item, item["iccid"]) for item in call.body or []]
    call.emulator.lifetime.ensure_active(call.org_id, [c.iccid for c in changes],
                                         skip_foreign=True)
    call.emulator.queue_changes(call.org_id, changes)
    return empty_response(201)


def get_status(call: Call) -> Response:
    sim = call.emulator.get_sim(call.org_id, call.path["iccid"])
    return json_response(serialize.status(sim, call.emulator.now()))


def get_connectivity_info(call: Call) -> Response:
    sim = call.emulator.get_sim(call.org_id, call.path["iccid"])
    return json_response(serialize.connectivity(sim, call.emulator.now(),
                                                call.query["subscriber"], call.query["ussd"]))


def get_events(call: Call) -> Response:
    q = call.query
    page = call.emulator.sim_events(call.org_id, call.path["iccid"], q["page"], q["pageSize"],
                                    q.get("sort"))
    body = {"events": [serialize.event(e) for e in page.items], "totalEvents": page.total,
            "totalPages": page.total_pages}
    return json_response(body, headers=page_headers(page))


def get_data_quota(call: Call) -> Response:
    sim = call.emulator.get_sim(call.org_id, call.path["iccid"])
    return json_response(serialize.quota(sim.data_quota, data=True))


def get_sms_quota(call: Call) -> Response:
    sim = call.emulator.get_sim(call.org_id, call.path["iccid"])
    return json_response(serialize.quota(sim.sms_quota, data=False))


def get_usage(call: Call) -> Response:
    report = call.emulator.sim_usage(call.org_id, call.path["iccid"], call.query.get("start_dt"),
                                     call.query.get("end_dt"))
    return json_response(serialize.usage(report))


def reset_connectivity(call: Call) -> Response:
    call.emulator.lifetime.ensure_active(call.org_id, [call.path["iccid"]])
    call.emulator.request_reset(call.org_id, call.path["iccid"])
    return empty_response(201)


def top_up(call: Call) -> Response:
    order = call.emulator.topups.top_up(call.org_id, [call.path["iccid"]], bulk=False,
                                        payment_method=_payment(call))
    return empty_response(201, {"Location": f"{call.api_base}/v1/orders/{order.number}"})


def top_up_multiple(call: Call) -> Response:
    order = call.emulator.topups.top_up(call.org_id, list(call.body), bulk=True,
                                        payment_method=_payment(call))
    return empty_response(201, {"Location": f"{call.api_base}/v1/orders/{order.number}"})




def _payment(call: Call) -> str:
    return str(call.query.get("payment_method") or "banktransfer")  # S1's default
