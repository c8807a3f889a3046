"""`/_mockbsc/state`: the whole emulated state out as JSON, and back in (checked first)."""

from __future__ import annotations

from starlette.responses import Response

from mockbsc.api.operation import Call
from mockbsc.api.responses import json_response
from mockbsc.domain.state.snapshot import export_state, import_state


def get_state(call: Call) -> Response:
    return json_response(export_state(call.emulator), media_type="application/json")


def put_state(call: Call) -> Response:
    import_state(call.emulator, call.body)  # a bad document raises before anything changes
    return json_response({"status": "restored", "sims": len(call.emulator.sims)},
                         media_type="application/json")
