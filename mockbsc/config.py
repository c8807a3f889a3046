"""Settings of one mockbsc instance: built from defaults, `MOCKBSC_*` variables, then flags."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

VERSION = "0.1.0"  # the package version (pyproject.toml says the same)

ClockMode = Literal["system", "manual"]
UnknownSimMode = Literal["404", "empty"]


class SettingsError(ValueError):
    """A setting has a value mockbsc cannot use; the message names the setting."""


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    fixtures: str | None = None
    sims: int | None = None
    seed: int = 1
    users: tuple[str, ...] = ()
    token_ttl: int = 3600
    token_reuse: bool = True
    clock: ClockMode = "system"
    start: datetime | None = None
    update_delay: float = 2.0
    reset_delay: float = 120.0
    reattach_delay: float = 10.0
    order_step: float = 300.0
    # A top-up paid by bank transfer (or boleto) is credited this long after it is placed
    # (1NCE: "2-3 days"); 0 credits at once like a credit card.
    bank_transfer_delay: float = 172800.0
    sms_delivery_delay: float = 3.0
    # SMS forwarding: the default organisation's URL (beats the fixtures) and the retry
    # schedule of deliveries the receiver does not acknowledge with a 2xx (all in seconds).
    sms_forward_url: str | None = None
    webhook_first_retry: float = 300.0
    webhook_backoff: float = 2.0
    webhook_max_interval: float = 14400.0
    webhook_window: float = 86400.0
    webhook_timeout: float = 5.0
    webhook_concurrency: int = 8
    unknown_sim: UnknownSimMode = "404"
    # Off: requests are read as the platform's Spring Boot and Jackson read them (coerced
    # scalars, null optional fields dropped, a trailing slash); on: as the contract says.
    strict_requests: bool = False
    tick_interval: float = 0.2
    max_body_bytes: int = 1024 * 1024
    # Hardening (issue 12): the request journal's byte budget (see mockbsc.domain.journal).
    journal_bytes: int = 16 * 1024 * 1024
    # Connections (mockbsc.api.listener): the request head's deadline, idle keep-alive, a cap.
    header_timeout: float = 10.0
    keep_alive_timeout: float = 5.0
    max_connections: int = 1000
    # Host names accepted in `Host` (mockbsc.api.browser_guard); empty: loopback names on a
    # loopback address, anything elsewhere. `*` and `*.domain` patterns work.
    allowed_hosts: tuple[str, ...] = ()
    # Reliability and security (issue 6): injected faults (JSON, or compact specs split by
    # ';'), the platform's rate limits ("off" or "platform"), the control plane's admin token,
    # and the SQLite file that keeps the state across restarts.
    faults: str | None = None
    rate_limits: str = "off"
    admin_token: str | None = None
    state_file: str | None = None
    validate_responses: bool = False
    # Sandboxes (issue 15, mockbsc.api.sandboxes): idle seconds before one expires (0: never)
    # and how many one server holds at most.
    sandbox_ttl: float = 3600.0
    max_sandboxes: int = 200
    log_level: str = "info"
    access_log: bool = False  # one line per BSC call on stderr (api/journal_middleware.py)
    extra: Mapping[str, str] = field(default_factory=dict)

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes` applied (the domain's way to change the seed on a reset)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Defaults overridden by every `MOCKBSC_<NAME>` variable that names a setting."""
        values: dict[str, str] = {}
        for f in dataclasses.fields(cls):
            key = f"MOCKBSC_{f.name.upper()}"
            if key in environ and f.name != "extra":
                values[f.name] = environ[key]
        if "MOCKBSC_USER" in environ:
            values["users"] = environ["MOCKBSC_USER"]
        return cls().with_text(values)

    def with_text(self, values: Mapping[str, str | None]) -> Settings:
        """A copy with settings given as text (from env or flags), each converted and checked."""
        changes: dict[str, object] = {}
        types = {f.name: f.type for f in dataclasses.fields(self)}
        for name, raw in values.items():
            if raw is None:
                continue
            if name not in types:
                raise SettingsError(f"unknown setting '{name}'")
            changes[name] = _convert(name, str(types[name]), raw)
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def _convert(name: str, kind: str, raw: str) -> object:
    try:
        if kind == "int" or kind == "int | None":
            value: object = int(raw)
        elif kind == "float":
            value = float(raw)
        elif kind == "bool":
            if raw.lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ValueError(raw)
            value = raw.lower() in ("1", "true", "yes", "on")
        elif kind == "tuple[str, ...]":
            value = tuple(u.strip() for u in raw.split(",") if u.strip())
        elif kind == "datetime | None":
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if value.tzinfo is None:  # lenient: a time without an offset is UTC, whatever
                value = value.replace(tzinfo=UTC)  # the host's zone (not local time)
        else:
            value = raw
    except ValueError:
        raise SettingsError(f"{name}: '{raw}' is not a valid {kind}") from None
    _check(name, value)
    return value


def _check(name: str, value: object) -> None:
    choices = {"clock": ("system", "manual"), "unknown_sim": ("404", "empty"),
               "rate_limits": ("off", "platform")}
    if name in choices and value not in choices[name]:
        raise SettingsError(f"{name}: '{value}' is not one of {', '.join(choices[name])}")
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        raise SettingsError(f"{name}: {value} must not be negative")
    if name in ("webhook_backoff", "webhook_concurrency") and isinstance(value, int | float) \
            and value < 1:
        raise SettingsError(f"{name}: {value} must be at least 1")
    if name == "sms_forward_url" and value and not str(value).startswith(("http://", "https://")):
        raise SettingsError(f"sms_forward_url: '{value}' is not an http(s) URL")
    if name == "admin_token" and isinstance(value, str) and not value.strip():
        # An empty MOCKBSC_ADMIN_TOKEN= would silently leave the control API open.
        raise SettingsError("admin_token: must not be empty (leave it unset for no token)")
    if name == "start" and isinstance(value, datetime):
        from mockbsc.domain.clock import LATEST

        if value > LATEST:  # the clock could never move, and token lifetimes would overflow
            raise SettingsError(f"start: '{value.isoformat()}' is later than "
                                f"{LATEST.isoformat()}")
    if name == "port" and isinstance(value, int) and value > 65535:
        raise SettingsError(f"port: {value} is not a TCP port")
    if name == "faults" and isinstance(value, str):
        from mockbsc.domain.errors import DomainError
        from mockbsc.domain.faults.rules import parse_specs

        try:
            parse_specs(value)
        except DomainError as exc:
            raise SettingsError(f"fault: {exc.message}") from None
    if name == "users" and isinstance(value, tuple):
        for user in value:
            if len(str(user).split(":")) not in (2, 3):
                raise SettingsError(f"user: '{user}' is not USER:PASSWORD[:ORG_ID]")


def settings_of(emulator: Any) -> Settings:
    """The full settings of an emulator the app serves.

    The domain types its settings as `PlatformSettings` (in `mockbsc.domain.scenario`: the
    values it reads); the app, the server and the adapters read more of them (ports, limits,
    the state file).

    Raises:
        TypeError: the emulator was made with another settings object.
    """
    settings = emulator.settings
    if not isinstance(settings, Settings):
        raise TypeError("mockbsc's app needs an Emulator made with mockbsc.config.Settings")
    return settings
