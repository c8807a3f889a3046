"""The control plane under `/_mockbsc/`: health, reset, clock, simulated devices, orgs.

Not part of the BSC contract: this is how Docker users and tests in any language steer the
emulator (moto's `/moto-api/`, WireMock's `/__admin/`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response

from mockbsc.adapters.fixtures_file import FixtureError, load_scenario
from mockbsc.api.errors import error_response
from mockbsc.api.operation import Call, offloaded
from mockbsc.api.responses import json_response
from mockbsc.api.webhooks import ensure_sender
from mockbsc.config import VERSION, settings_of
from mockbsc.domain.errors import InvalidRequestError
from mockbsc.domain.fleet.models import Sim
from mockbsc.domain.orders.book import TopUpPrice
from mockbsc.domain.platform import Emulator


def _clock(emulator: Emulator) -> dict[str, Any]:
    clock = emulator.clock
    return {"now": emulator.now().isoformat().replace("+00:00", "Z"), "mode": clock.mode,
            "offset_seconds": round(getattr(clock, "offset_seconds", 0.0), 3)}


def _device(sim: Sim) -> dict[str, Any]:
    device = sim.device
    state = "ONLINE" if device.online else "ATTACHED" if device.attached else "OFFLINE"
    return {"iccid": sim.iccid, "attached": device.attached, "online": device.online,
            "status": state, "operator": device.network.operator,
            "country": device.network.iso_code.upper()}


def health(call: Call) -> Response:
    emulator = call.emulator
    persister = getattr(call.request.app.state, "persister", None)
    if persister is not None and persister.failure is not None:  # until a save succeeds
        return error_response("control", 503, f"state file {persister.store.path}: cannot "
                              f"save ({persister.failure})", path=call.request.url.path,
                              now=emulator.now(), code="StateFileFailing")
    return json_response({"status": "ok", "version": VERSION, "sims": len(emulator.sims),
                          "clock": _clock(emulator)["now"]}, media_type="application/json")


def api_docs(call: Call) -> Response:
    contract = call.request.app.state.control_contract
    return Response(contract.json_bytes, media_type="application/json")


@offloaded  # a million SIMs take seconds to seed: never on the event loop
def reset_state(call: Call) -> Response:
    body = call.body or {}
    with call.emulator.lock:
        _reread_fixtures(call.emulator)
        call.emulator.reset(seed=body.get("seed"), sims=body.get("sims"))
    return json_response({"status": "reset", "sims": len(call.emulator.sims)},
                         media_type="application/json")


def _reread_fixtures(emulator: Emulator) -> None:
    """Read `--fixtures` again, so an edited file needs no restart (a wrong one changes
    nothing: it is read whole before anything is replaced)."""
    path = settings_of(emulator).fixtures
    if not path:
        return
    try:
        scenario = load_scenario(path)
    except FixtureError as exc:
        raise InvalidRequestError(str(exc)) from None
    emulator.scenario = scenario
    emulator.orders.products = {p.id: p for p in scenario.products}
    emulator.orders.topup_price = TopUpPrice(scenario.topup_price_net, scenario.currency)
    emulator.ordering.mix = scenario.mix
    emulator.lookup.history_days = scenario.mix.history_days


def get_clock(call: Call) -> Response:
    return json_response(_clock(call.emulator), media_type="application/json")


@offloaded  # sends the webhook attempts falling due, outside the event loop
def advance_clock(call: Call) -> Response:
    ran = ensure_sender(call.emulator).advance(float(call.body["seconds"]))
    return json_response({**_clock(call.emulator), "ran": ran}, media_type="application/json")


@offloaded
def set_clock(call: Call) -> Response:
    try:
        moment = datetime.fromisoformat(call.body["now"].replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRequestError(f"now: '{call.body['now']}' is not a valid date-time") from None
    ran = ensure_sender(call.emulator).set_time(moment)
    return json_response({**_clock(call.emulator), "ran": ran}, media_type="application/json")


def attach_sim(call: Call) -> Response:
    body = call.body or {}
    sim = call.emulator.attach(call.path["iccid"], body.get("operator"), body.get("country"),
                               body.get("rat"))
    return json_response(_device(sim), media_type="application/json")


def detach_sim(call: Call) -> Response:
    sim = call.emulator.detach(call.path["iccid"])
    return json_response(_device(sim), media_type="application/json")


def consume_data(call: Call) -> Response:
    sim = call.emulator.consume(call.path["iccid"], float(call.body["data_mb"]))
    return json_response({"iccid": sim.iccid, "volume": sim.data_quota.volume,
                          "quota_status": int(sim.data_quota.level)},
                         media_type="application/json")


def list_orgs(call: Call) -> Response:
    emulator = call.emulator
    return json_response([
        {k: v for k, v in {"id": o.id, "name": o.name, "sims": emulator.sims.count(o.id),
                           "sms_forward_url": o.sms_forward_url}.items() if v is not None}
        for o in emulator.orgs.values()
    ], media_type="application/json")


def set_sms_forwarding(call: Call) -> Response:
    org_id = call.path["org_id"]
    url = call.emulator.forwarder.set_url(org_id, call.body.get("url"))
    return json_response({k: v for k, v in {"org_id": org_id, "url": url}.items()
                          if v is not None}, media_type="application/json")


def list_requests(call: Call) -> Response:
    try:
        entries = call.emulator.journal.entries(call.query.get("operation"),
                                                call.query.get("limit"))
    except LookupError as exc:  # a typo'd operationId: say so rather than list nothing
        raise InvalidRequestError(f"operation: {exc.args[0]}") from None
    return json_response([e.to_dict() for e in entries], media_type="application/json")


def list_violations(call: Call) -> Response:
    """Always empty here: only `mockbsc proxy` (`mockbsc.api.proxy`) judges traffic it
    forwards; the mock answers by the contract it validates against."""
    return json_response([], media_type="application/json")


def clear_requests(call: Call) -> Response:
    call.emulator.journal.clear()
    return Response(status_code=204)
