"""`/_mockbsc/faults`: list, add, change and clear injected faults at run time."""

from __future__ import annotations

from starlette.responses import Response

from mockbsc.api.operation import Call
from mockbsc.api.responses import json_response


def list_faults(call: Call) -> Response:
    return json_response([r.to_dict() for r in call.emulator.faults.rules()],
                         media_type="application/json")


def add_fault(call: Call) -> Response:
    rule = call.emulator.faults.add(call.body)
    return json_response(rule.to_dict(), 201, media_type="application/json",
                         headers={"Location": f"{call.request.scope.get('root_path', '')}"
                                             f"/_mockbsc/faults/{rule.id}"})


def get_fault(call: Call) -> Response:
    return json_response(call.emulator.faults.get(call.path["fault_id"]).to_dict(),
                         media_type="application/json")


def replace_fault(call: Call) -> Response:
    rule = call.emulator.faults.replace(call.path["fault_id"], call.body)
    return json_response(rule.to_dict(), media_type="application/json")


def delete_fault(call: Call) -> Response:
    call.emulator.faults.remove(call.path["fault_id"])
    return Response(status_code=204)


def clear_faults(call: Call) -> Response:
    call.emulator.faults.clear()
    return Response(status_code=204)
