"""`/_mockbsc/sandboxes`: create, list, describe and delete sandboxes (`api/sandboxes.py`).

A sandbox starts from the server's settings; the request body overrides the per-platform
ones. Its fleet is seeded in a worker thread (`offloaded`), never on the event loop.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import stat
from datetime import datetime
from typing import Any

from starlette.responses import Response

from mockbsc.adapters.fixtures_file import FixtureError, label_words, load_scenario, scenario_of
from mockbsc.api.errors import error_response
from mockbsc.api.operation import Call, offloaded
from mockbsc.api.responses import json_response
from mockbsc.api.sandboxes import PREFIX, Sandbox, SandboxLimitReached, SandboxRegistry
from mockbsc.config import Settings, SettingsError, settings_of
from mockbsc.domain.errors import InvalidRequestError, NotFoundError
from mockbsc.domain.platform import Emulator
from mockbsc.domain.scenario import Scenario

MAX_SIMS = 100_000  # per sandbox: a million takes seconds to seed and a GB of memory
MAX_FIXTURES_BYTES = 4 * 1024 * 1024

# Body fields that are settings as they are (the contract checks their types and ranges).
PLAIN = ("seed", "sims", "clock", "start", "token_ttl", "token_reuse", "update_delay",
         "reset_delay", "reattach_delay", "order_step", "sms_delivery_delay", "sms_forward_url",
         "webhook_first_retry", "webhook_backoff", "webhook_max_interval", "webhook_window",
         "webhook_timeout", "unknown_sim", "rate_limits", "journal_bytes")


def _registry(call: Call) -> SandboxRegistry:
    registry: SandboxRegistry | None = getattr(call.request.app.state, "sandboxes", None)
    if registry is None:  # a sandbox's own control API: sandboxes do not nest
        raise NotFoundError("Sandboxes are managed on the server's root control API "
                            "(/_mockbsc/sandboxes), not inside a sandbox")
    return registry


def list_sandboxes(call: Call) -> Response:
    registry = _registry(call)
    base = call.api_base
    return json_response([_summary(s, registry, base) for s in registry.live()],
                         media_type="application/json")


def get_sandbox(call: Call) -> Response:
    registry = _registry(call)
    sandbox = registry.require(call.path["sandbox_id"])
    return json_response(_full(sandbox, registry, call.api_base),
                         media_type="application/json")


@offloaded  # seeding a fleet takes a while: never on the event loop
def put_sandbox(call: Call) -> Response:
    return _create(call, call.path["sandbox_id"])


@offloaded
def create_sandbox(call: Call) -> Response:
    return _create(call, "sb-" + secrets.token_hex(8))


def delete_sandbox(call: Call) -> Response:
    if not _registry(call).delete(call.path["sandbox_id"]):
        raise NotFoundError(f"No sandbox '{call.path['sandbox_id']}'")
    return Response(status_code=204)


def _create(call: Call, sandbox_id: str) -> Response:
    registry = _registry(call)
    body: dict[str, Any] = call.body or {}
    settings = sandbox_settings(settings_of(call.emulator), body)
    scenario = _scenario(body.get("fixtures", settings.fixtures))
    fleet = sum(o.sims for o in scenario.org_specs(settings.sims, settings.users))
    if fleet > MAX_SIMS:  # fixtures may ask for more than `sims` may
        raise InvalidRequestError(f"fixtures: the sandbox would hold {fleet} SIMs; at most "
                                  f"{MAX_SIMS} per sandbox")
    try:
        sandbox = registry.create(sandbox_id, lambda: registry.build_app(
            Emulator(settings, scenario, labels=label_words)))
    except SandboxLimitReached as exc:  # the platform's own 429 body, as its rate limits
        return error_response("api", 429, str(exc), path=call.request.url.path,
                              now=call.emulator.now())
    base = call.api_base
    return json_response(_full(sandbox, registry, base), 201, media_type="application/json",
                         headers={"Location": f"{base}/_mockbsc/sandboxes/{sandbox_id}"})


def sandbox_settings(server: Settings, body: dict[str, Any]) -> Settings:
    """The server's settings with the body's per-platform ones; in memory only.

    Raises:
        InvalidRequestError: a value the settings refuse (the message names it).
    """
    values: dict[str, str | None] = {}
    for name in PLAIN:
        if name in body:
            value = body[name]
            values[name] = str(value).lower() if isinstance(value, bool) else str(value)
    if "users" in body:
        values["users"] = ",".join([*server.users, *body["users"]])
    if "faults" in body:
        values["faults"] = json.dumps(body["faults"])
    try:
        settings = server.with_text(values)
    except SettingsError as exc:
        raise InvalidRequestError(str(exc)) from None
    return settings.replace(state_file=None)  # `Settings` reads a start without offset as UTC


def _scenario(fixtures: Any) -> Scenario:
    try:
        if isinstance(fixtures, dict):
            return scenario_of(fixtures, "fixtures")
        return _file_scenario(fixtures, _mtime(fixtures))
    except FixtureError as exc:
        raise InvalidRequestError(str(exc)) from None


def _mtime(path: str | None) -> float:
    """The file's mtime (the cache key), once it is known to be a fixtures-sized file: a
    path sent over the API must not make the server read a device or a huge file."""
    if not path:
        return 0.0
    try:
        found = os.stat(path)
    except OSError:
        raise FixtureError(f"fixtures {path}: no such file on the server") from None
    if not stat.S_ISREG(found.st_mode) or found.st_size > MAX_FIXTURES_BYTES:
        raise FixtureError(f"fixtures {path}: not a regular file of at most "
                           f"{MAX_FIXTURES_BYTES} bytes")
    return found.st_mtime


@functools.lru_cache(maxsize=16)
def _file_scenario(path: str | None, mtime: float) -> Scenario:
    """A fixtures file read once while it stays unchanged: parsing the YAML would cost a
    50-SIM sandbox twice its seeding (a Scenario is frozen, so sandboxes may share one)."""
    return load_scenario(path)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _summary(sandbox: Sandbox, registry: SandboxRegistry, base: str) -> dict[str, Any]:
    found: dict[str, Any] = {"id": sandbox.id, "url": f"{base}{PREFIX}{sandbox.id}",
                             "created": _iso(sandbox.created),
                             "last_used": _iso(sandbox.last_used)}
    if registry.ttl > 0:
        from datetime import timedelta

        found["expires"] = _iso(sandbox.last_used + timedelta(seconds=registry.ttl))
    found["sims"] = len(sandbox.emulator.sims)
    return found


def _full(sandbox: Sandbox, registry: SandboxRegistry, base: str) -> dict[str, Any]:
    emulator = sandbox.emulator
    url = f"{base}{PREFIX}{sandbox.id}"
    clock = emulator.clock
    return {
        **_summary(sandbox, registry, base),
        "api_url": url + "/management-api",
        "control_url": url + "/_mockbsc",
        "clock": {"now": _iso(emulator.now()), "mode": clock.mode,
                  "offset_seconds": round(getattr(clock, "offset_seconds", 0.0), 3)},
        "users": [{"username": u.username, "password": u.password, "org_id": u.org_id}
                  for u in emulator.tokens.users if u.api_access],
    }
