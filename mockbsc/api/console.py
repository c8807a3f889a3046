"""The console at `/_mockbsc/console`: see and steer the emulated platform in a browser.

Server-rendered pages (Starlette's `Jinja2Templates`) with htmx for button presses and live
updates and uPlot for the usage chart, both vendored (`static/vendor/VENDORED.md`): offline,
no build step. Pages read the emulator through `console_views.py`; buttons post JSON to the
console's own action routes, which call the same emulator methods the handlers call and
check their input against the same contract schemas, then tell the page to refresh.

**Admin token.** With `--admin-token`, the console is closed like the rest of the control
plane. A script sends `Authorization: Bearer <token>`; a browser opens
`/_mockbsc/console?token=<token>` once: mockbsc answers with an HttpOnly, SameSite=Strict
cookie (a digest of the token, never the token itself) and redirects to the same page without
the token in the address. Cross-origin changes stay refused by the browser guard.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import math
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from mockbsc.api import console_views as views
from mockbsc.api.operation import get_emulator
from mockbsc.api.webhooks import ensure_sender
from mockbsc.config import VERSION, settings_of
from mockbsc.contract.document import BSC_CONTRACT, CONTROL_CONTRACT, Contract
from mockbsc.contract.validation import violations_of
from mockbsc.domain.errors import DomainError, InvalidRequestError, NotFoundError
from mockbsc.domain.fleet.models import SimStatus
from mockbsc.domain.platform import Emulator, SimChanges

if TYPE_CHECKING:
    from starlette.templating import Jinja2Templates

BASE = "/_mockbsc/console"
COOKIE = "mockbsc_console"
HERE = Path(__file__).parent
VENDOR = HERE / "static" / "vendor"
STATIC: dict[str, Path] = {
    "console.css": HERE / "static" / "console" / "console.css",
    "console.js": HERE / "static" / "console" / "console.js",
    "htmx.min.js": VENDOR / "htmx" / "htmx.min.js",
    "json-enc.js": VENDOR / "htmx-ext-json-enc" / "json-enc.js",
    "uPlot.iife.min.js": VENDOR / "uplot" / "uPlot.iife.min.js",
    "uPlot.min.css": VENDOR / "uplot" / "uPlot.min.css",
}
BODY_LIMIT = 64 * 1024
CHANGED = {"HX-Trigger": "mockbsc-changed"}  # the page's regions listen and refresh

Page = Callable[[Request, Emulator], Awaitable[Response]]


@functools.cache
def _templates() -> Jinja2Templates:
    """The pages' Jinja2 environment, made when a page is first shown: importing Jinja2 is
    about a tenth of `mockbsc serve`'s start-up, and most servers never show a page."""
    from starlette.templating import Jinja2Templates

    return Jinja2Templates(directory=str(HERE / "templates"))


def cookie_value(token: str) -> str:
    """What the browser keeps: a digest of the token, so the cookie never reveals it."""
    return hashlib.sha256(b"mockbsc-console\0" + token.encode("utf-8")).hexdigest()


def _admitted(request: Request, expected: str) -> bool:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode("latin-1"), expected.encode("utf-8")):
        return True
    return hmac.compare_digest(request.cookies.get(COOKIE, "").encode("latin-1", "replace"),
                               cookie_value(expected).encode())


def _gate(request: Request, emulator: Emulator) -> Response | None:
    """None when the caller may see the console; else the redirect that sets the cookie
    (a right `?token=`) or a 401 that says how to get in."""
    expected = settings_of(emulator).admin_token
    if not expected:
        return None
    token = request.query_params.get("token")
    if token is not None and hmac.compare_digest(token.encode("utf-8"),
                                                 expected.encode("utf-8")):
        rest = "&".join(f"{k}={v}" for k, v in request.query_params.multi_items()
                        if k != "token")
        location = _root(request) + str(request.scope["path"]) + (f"?{rest}" if rest else "")
        response = RedirectResponse(location, status_code=303)
        response.set_cookie(COOKIE, cookie_value(expected), httponly=True, samesite="strict",
                            path="/")
        return response
    if token is None and _admitted(request, expected):
        return None
    return PlainTextResponse(
        "The console needs the admin token: open "
        f"{_root(request)}{BASE}?token=<admin token> once (it sets a cookie), "
        "or send 'Authorization: Bearer <admin token>'.", status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="mockbsc console"'})


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


def render(request: Request, template: str, context: dict[str, Any],
           status_code: int = 200) -> Response:
    emulator = get_emulator(request)
    root = _root(request)
    common = {"base": root + BASE, "static": root + BASE + "/static", "root": root,
              "version": VERSION, "clock": views.clock(emulator), "sandbox": root,
              "here": root + str(request.scope["path"]) + (
                  f"?{request.url.query}" if request.url.query else "")}
    return _templates().TemplateResponse(request, template, {**common, **context},
                                         status_code=status_code)


def page(view: Page) -> Callable[[Request], Awaitable[Response]]:
    """A console endpoint behind the admin-token gate; domain errors become a short text."""

    async def endpoint(request: Request) -> Response:
        emulator = get_emulator(request)
        refusal = _gate(request, emulator)
        if refusal is not None:
            return refusal
        try:
            return await view(request, emulator)
        except DomainError as exc:
            return PlainTextResponse(exc.message, status_code=exc.status)

    return endpoint


# ------------------------------------------------------------------------------- pages
async def fleet(request: Request, emulator: Emulator) -> Response:
    query = views.FleetQuery.parse(dict(request.query_params))
    context = await anyio.to_thread.run_sync(views.fleet, emulator, query)
    return render(request, "console/fleet.html", context)


async def sim(request: Request, emulator: Emulator) -> Response:
    iccid = str(request.path_params["iccid"])
    context = await anyio.to_thread.run_sync(views.sim_page, emulator, iccid)
    if context is None:
        return render(request, "console/missing.html", {"iccid": iccid}, 404)
    return render(request, "console/sim.html", context)


async def sms(request: Request, emulator: Emulator) -> Response:
    return render(request, "console/sms.html", views.sms_centre(emulator))


async def journal(request: Request, emulator: Emulator) -> Response:
    return render(request, "console/requests.html", views.requests(emulator))


async def clock(request: Request, emulator: Emulator) -> Response:
    return render(request, "console/clock.html", {})


async def faults(request: Request, emulator: Emulator) -> Response:
    return render(request, "console/faults.html", views.faults(emulator))


async def static(request: Request) -> Response:
    path = STATIC.get(str(request.path_params["name"]))
    if path is None:
        return PlainTextResponse("No such console file", status_code=404)
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})


# ------------------------------------------------------------------------------ actions
async def _body(request: Request) -> dict[str, Any]:
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > BODY_LIMIT:
            raise InvalidRequestError(f"the form is larger than {BODY_LIMIT} bytes")
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise InvalidRequestError("the form must be sent as JSON") from None
    if not isinstance(body, dict):
        raise InvalidRequestError("the form must be a JSON object")
    return body


def _number(body: dict[str, Any], name: str) -> float:
    try:
        value = float(str(body.get(name, "")).strip())
    except ValueError:
        raise InvalidRequestError(f"{name}: '{str(body.get(name))[:40]}' is not a number") \
            from None
    if not math.isfinite(value):
        raise InvalidRequestError(f"{name}: must be a finite number")
    return int(value) if value.is_integer() else value


def _checked(contract_path: str, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    """`body` as the contract's operation would take it, or a 400 naming what is wrong."""
    op = Contract.load(contract_path).operations[operation]
    if op.body_validator is not None:
        found = violations_of(op.body_validator, body, "body", "")
        if found:
            raise InvalidRequestError("; ".join(v.message for v in found))
    return body


def _sim_action(emulator: Emulator, iccid: str, action: str, body: dict[str, Any]) -> str:
    """Run one button's action on the SIM (off the event loop); what the page says after."""
    sim = emulator.sims.find(iccid)
    if sim is None:
        raise NotFoundError(f"No SIM {iccid} on this platform")
    org = sim.org_id
    if action == "attach":
        emulator.attach(iccid)
        return "Attached."
    if action == "detach":
        emulator.detach(iccid)
        return "Detached."
    if action == "consume":
        data = _checked(CONTROL_CONTRACT, "consumeData", {"data_mb": _number(body, "data_mb")})
        emulator.consume(iccid, float(data["data_mb"]))
        return f"Used {data['data_mb']} MB."
    if action == "mo-sms":
        data = _checked(CONTROL_CONTRACT, "sendMoSms", {"payload": str(body.get("payload", ""))})
        parts = emulator.forwarder.send_mo(iccid, data["payload"])
        return f"Sent an MO SMS ({len(parts)} part(s))."
    if action == "topup":
        order = emulator.topups.top_up(org, [iccid], bulk=False)
        return f"Topped up: order {order.number}."
    if action == "reset":
        emulator.request_reset(org, iccid)
        return "Connectivity reset requested."
    if action == "update":
        change = {k: v for k, v in body.items() if k in ("label", "status") and v != ""}
        _checked(BSC_CONTRACT, "updateSimUsingPUT", change)
        status = change.get("status")
        emulator.queue_changes(org, [SimChanges(iccid=iccid, label=change.get("label"),
                                                status=SimStatus(status) if status else None)])
        return "Change queued (the platform applies it a moment later)."
    raise NotFoundError(f"No console action '{action[:40]}'")


def _clock_action(emulator: Emulator, body: dict[str, Any]) -> str:
    if body.get("now"):
        from datetime import datetime

        data = _checked(CONTROL_CONTRACT, "setClock", {"now": str(body["now"])})
        try:
            moment = datetime.fromisoformat(data["now"].replace("Z", "+00:00"))
        except ValueError:
            raise InvalidRequestError(f"now: '{data['now'][:40]}' is not a date-time") from None
        ran = ensure_sender(emulator).set_time(moment)
    else:
        data = _checked(CONTROL_CONTRACT, "advanceClock", {"seconds": _number(body, "seconds")})
        ran = ensure_sender(emulator).advance(float(data["seconds"]))
    return f"Clock now {views.clock(emulator)['now']}; {ran} due job(s) ran."


FAULT_NUMBERS = ("status", "latency_ms", "latency_max_ms", "retry_after", "times",
                 "probability", "org_id")


def _fault_action(emulator: Emulator, body: dict[str, Any]) -> str:
    if body.get("clear"):
        emulator.faults.clear()
        return "All fault rules removed."
    if body.get("delete"):
        emulator.faults.remove(int(_number(body, "delete")))
        return "Fault rule removed."
    data: dict[str, Any] = {k: v for k, v in body.items() if v not in ("", None)}
    for name in FAULT_NUMBERS:
        if name in data:
            data[name] = _number(data, name)
    if "drop" in data:
        data["drop"] = data["drop"] in (True, "true", "on")
    rule = emulator.faults.add(_checked(CONTROL_CONTRACT, "addFault", data))
    return f"Fault rule {rule.id} added."


def action(run: Callable[[Request, Emulator, dict[str, Any]], str]) -> Page:
    async def view(request: Request, emulator: Emulator) -> Response:
        body = await _body(request)
        message = await anyio.to_thread.run_sync(run, request, emulator, body)
        return PlainTextResponse(message, headers=CHANGED)

    return view


def console_routes() -> list[BaseRoute]:
    """The console's routes; they hold no state, so every app (and sandbox) shares them."""
    return list(_routes())


@functools.cache
def _routes() -> tuple[BaseRoute, ...]:
    sim_action = action(lambda r, e, b: _sim_action(e, str(r.path_params["iccid"]),
                                                    str(r.path_params["action"]), b))
    return (
        Route(BASE, page(fleet), methods=["GET"], name="consoleFleet"),
        Route(BASE + "/sims/{iccid}", page(sim), methods=["GET"], name="consoleSim"),
        Route(BASE + "/sims/{iccid}/{action}", page(sim_action), methods=["POST"],
              name="consoleSimAction"),
        Route(BASE + "/sms", page(sms), methods=["GET"], name="consoleSms"),
        Route(BASE + "/requests", page(journal), methods=["GET"], name="consoleRequests"),
        Route(BASE + "/clock", page(clock), methods=["GET"], name="consoleClock"),
        Route(BASE + "/clock", page(action(lambda r, e, b: _clock_action(e, b))),
              methods=["POST"], name="consoleClockAction"),
        Route(BASE + "/faults", page(faults), methods=["GET"], name="consoleFaults"),
        Route(BASE + "/faults", page(action(lambda r, e, b: _fault_action(e, b))),
              methods=["POST"], name="consoleFaultAction"),
        Route(BASE + "/static/{name}", static, methods=["GET"], name="consoleStatic"),
    )
