"""`/_mockbsc/state`: the whole emulated state out as JSON, and back in (checked first)."""

from __future__ import annotations

from starlette.responses import Response

from mockbsc.api.operation import Call
from mockbsc.api.responses import json_response
from mockbsc.api.state_secrets import fill_passwords, strip_passwords

# `mockbsc.domain.state.snapshot` is imported by the two handlers, not here: it is a few
# percent of `mockbsc serve`'s start-up, and most servers never move their state.


def get_state(call: Call) -> Response:
    from mockbsc.domain.state.snapshot import export_state

    document = export_state(call.emulator)
    if not call.query.get("secrets"):  # passwords only when asked for (api/state_secrets.py)
        strip_passwords(document)
    return json_response(document, media_type="application/json")


def put_state(call: Call) -> Response:
    from mockbsc.domain.state.snapshot import import_state

    fill_passwords(call.body, call.emulator.tokens.users)
    import_state(call.emulator, call.body)  # a bad document raises before anything changes
    return json_response({"status": "restored", "sims": len(call.emulator.sims)},
                         media_type="application/json")
