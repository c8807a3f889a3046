"""The emulator's whole state as JSON-ready data, and back: export, checked import, restore.

Why a tagged encoding of the domain objects rather than a hand-written wire format per
store: the stores are plain dataclasses, and a second schema would drift from them the
moment someone adds a field. What *is* state is declared below, per store and with its type,
and a test fails when an attribute is neither declared state nor declared configuration.
Import decodes everything into fresh objects and checks every field against its annotation
before anything is swapped in, so a bad document leaves the running state untouched.
"""

from __future__ import annotations

import dataclasses
import heapq
import sys
import threading
import types
import typing
from collections import deque
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any, Protocol

from mockbsc.domain.access.models import Organisation, Token, User
from mockbsc.domain.clock import LATEST, Clock
from mockbsc.domain.errors import InvalidRequestError
from mockbsc.domain.fleet.lifecycle import SimChanges
from mockbsc.domain.fleet.models import DailyUsage, Sim, SimEvent
from mockbsc.domain.orders.models import Order
from mockbsc.domain.scheduler import Job
from mockbsc.domain.sms.outbox import Delivery
from mockbsc.domain.sms.records import Sms


class StateOwner(Protocol):
    """What the snapshot needs of the platform: its lock, its clock, and its stores by name
    (read with `getattr`; see `_state_types`). The facade is one; this module never imports it."""

    lock: threading.RLock
    clock: Clock

    def now(self) -> datetime: ...

FORMAT = "mockbsc-state"
VERSION = 1
MAX_DEPTH = 64
MAX_OFFSET = 100 * 366 * 86_400.0  # a century, in seconds
_EPOCHS = (datetime(1971, 1, 1, tzinfo=UTC), datetime(9998, 1, 1, tzinfo=UTC))


def _state_types() -> dict[str, dict[str, Any]]:
    """The document's stores and their attributes with types (the format of version 1)."""
    return {
        "emulator": {"orgs": dict[int, Organisation], "_pending": dict[int, SimChanges],
                     "_next_change": int, "seeded_at": datetime},
        "tokens": {"_users": dict[str, User], "_tokens": dict[str, Token],
                   "_current": dict[str, Token]},
        "sims": {"_by_iccid": dict[str, Sim], "_by_org": dict[int, list[str]]},
        "events": {"_by_iccid": dict[str, list[SimEvent]], "_next_id": int},
        "usage": {"_by_iccid": dict[str, dict[date, DailyUsage]]},
        "orders": {"_orders": dict[int, Order], "_next_number": int},
        "sms": {"_by_id": dict[int, Sms], "_by_iccid": dict[str, list[int]], "_next_id": int},
        "webhooks": {"_by_id": dict[int, Delivery],  # queues: deques until issue 14, still read
                     "_queues": dict[str, list[int] | deque[int]], "_next_id": int},
        "scheduler": {"_heap": list[Job], "_seq": int},
    }


# Where a document attribute lives when not on its store's own object: the queued SIM
# changes moved from the facade to the SIM lifecycle, the document kept its layout.
MOVED: dict[tuple[str, str], str] = {
    ("emulator", "_pending"): "lifecycle",
    ("emulator", "_next_change"): "lifecycle",
}

# Attributes that are configuration, wiring or diagnostics, not state (kept as they are).
NOT_STATE: dict[str, frozenset[str]] = {
    "emulator": frozenset({
        "settings", "scenario", "clock", "lock", "sender", "errors", "journal", "faults",
        "limits", "labels", "lookup", "lifecycle", "messaging", "ordering", "topups",
        "forwarder", "network", "on_reset", "traffic_limits", "lifetime"}),
    "lifecycle": frozenset({"_clock", "_scheduler", "_lookup", "_events", "_radio", "_delays",
                            "on_attach"}),
    "scheduler": frozenset({"_clock", "_handlers", "_heavy"}),
    "tokens": frozenset({"_clock", "ttl_seconds", "reuse", "_make_token"}),
    "orders": frozenset({"products", "topup_price"}), "sims": frozenset({"_blocks", "_unmade"}),
    "webhooks": frozenset({"policy", "_url_of", "_idle", "_in_flight", "on_attempt", "_due"}),
}


# Fields added after version 1 was first written, with defaults (issue 13).
ADDED_FIELDS: dict[str, tuple[str, ...]] = {"Sim": ("auto_topup",), "Organisation": (
    "data_limit_id", "sms_mt_limit_id", "sms_mo_limit_id")}


class SnapshotError(InvalidRequestError):
    """The state document is not one mockbsc wrote (or it was damaged); nothing was changed."""


# ------------------------------------------------------------------------------ export
def state_attributes() -> dict[str, set[str]]:
    """Each owner's state attributes, by its attribute name on the platform ("emulator": it)."""
    owners: dict[str, set[str]] = {}
    for store, attrs in _state_types().items():
        for name in attrs:
            owners.setdefault(MOVED.get((store, name), store), set()).add(name)
    return owners


def _owner(emulator: StateOwner, store: str, name: str) -> Any:
    owner = MOVED.get((store, name), store)
    return emulator if owner == "emulator" else getattr(emulator, owner)


def export_state(emulator: StateOwner) -> dict[str, Any]:
    """The whole state (fleet, tokens, orders, SMS, webhooks, queued jobs, clock) as data."""
    with emulator.lock:
        _owner(emulator, "sims", "_by_org").spell_out()  # a recipe's SIMs made: all listed
        memo: dict[int, int] = {}
        stores: dict[str, Any] = {}
        for store, attrs in _state_types().items():
            stores[store] = {name: _encode(_canonical(getattr(_owner(emulator, store, name),
                                                          name)), memo)
                             for name in attrs}
        clock = emulator.clock
        return {"format": FORMAT, "version": VERSION,
                "clock": {"mode": clock.mode, "now": emulator.now().isoformat(),
                          "offset_seconds": getattr(clock, "offset_seconds", 0.0)},
                "stores": stores}


def _canonical(value: Any) -> Any:
    """The job heap sorted (still a heap): the same jobs export the same, however pushed."""
    if type(value) is list and value and type(value[0]) is Job:
        return sorted(value)
    return value


def _encode(value: Any, memo: dict[int, int]) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value  # the common case first: a state file saves this on every change
    if kind is list:
        return [_encode(v, memo) for v in value]
    if kind is dict:
        return {"$map": [[_encode(k, memo), _encode(v, memo)] for k, v in value.items()]}
    if kind is datetime:
        return {"$dt": value.isoformat()}
    fields = _FIELDS.get(kind)
    if fields is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
    if fields is not None:
        if id(value) in memo:
            return {"$ref": memo[id(value)]}
        memo[id(value)] = len(memo) + 1
        return {"$obj": _name(kind), "$id": memo[id(value)],
                "f": {name: _encode(getattr(value, name), memo) for name in fields}}
    if isinstance(value, Enum):  # before str/int: StrEnum and IntEnum are both
        return {"$enum": _name(kind), "v": value.value}
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$td": value.total_seconds()}
    if isinstance(value, tuple | deque | set | frozenset):
        tag = {tuple: "$tuple", deque: "$deque", set: "$set", frozenset: "$set"}[type(value)]
        return {tag: [_encode(v, memo) for v in value]}
    if isinstance(value, list):
        return [_encode(v, memo) for v in value]
    if isinstance(value, dict):
        return {"$map": [[_encode(k, memo), _encode(v, memo)] for k, v in value.items()]}
    raise TypeError(f"cannot export {type(value).__name__} as state")


_FIELDS: dict[type, tuple[str, ...]] = {}


def _name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


# ------------------------------------------------------------------------------ import
def import_state(emulator: StateOwner, document: Any) -> None:
    """Replace the state with `document` (from `export_state`), or change nothing.

    Raises:
        SnapshotError: not a mockbsc state document, or a field of the wrong type.
    """
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SnapshotError(f"state: not a {FORMAT} document")
    if document.get("version") != VERSION:
        raise SnapshotError(f"state: version {document.get('version')!r} is not {VERSION}")
    stores = document.get("stores")
    types_ = _state_types()
    if not isinstance(stores, dict) or set(stores) != set(types_):
        raise SnapshotError(f"state.stores: must have exactly {', '.join(sorted(types_))}")
    decoded: dict[str, dict[str, Any]] = {}
    objects: dict[int, Any] = {}
    for store, attrs in types_.items():
        given = stores[store]
        if not isinstance(given, dict) or set(given) != set(attrs):
            raise SnapshotError(f"state.stores.{store}: must have exactly {', '.join(attrs)}")
        decoded[store] = {}
        for name, hint in attrs.items():
            where = f"state.stores.{store}.{name}"
            value = _Decoder(objects, where).decode(given[name], 0)
            if not conforms(value, hint):
                raise SnapshotError(f"{where}: does not have the type {hint}")
            decoded[store][name] = value
    _check_references(decoded)
    clock = _clock_of(document.get("clock"))
    with emulator.lock:
        for store, values in decoded.items():
            for name, value in values.items():
                setattr(_owner(emulator, store, name), name, value)
        platform: Any = emulator
        platform.sims.forget_seed()  # the document's SIMs are all there are
        heapq.heapify(platform.scheduler._heap)
        for delivery in platform.webhooks._by_id.values():
            delivery.in_flight = False  # an attempt cut off by the restart is made again
        platform.webhooks._in_flight = 0
        platform.webhooks.reindex()
        _restore_clock(emulator, clock)


def _check_references(decoded: dict[str, dict[str, Any]]) -> None:
    sims, sms, hooks = decoded["sims"], decoded["sms"], decoded["webhooks"]
    listed = {i for iccids in sims["_by_org"].values() for i in iccids}
    if listed != set(sims["_by_iccid"]):
        raise SnapshotError("state.stores.sims: _by_org does not list exactly the SIMs")
    if any(i not in sms["_by_id"] for ids in sms["_by_iccid"].values() for i in ids):
        raise SnapshotError("state.stores.sms: _by_iccid names an unknown SMS")
    if any(i not in hooks["_by_id"] for ids in hooks["_queues"].values() for i in ids):
        raise SnapshotError("state.stores.webhooks: a queue names an unknown delivery")


def _clock_of(data: Any) -> tuple[str, datetime, float]:
    try:
        now = datetime.fromisoformat(data["now"])
        offset = float(data["offset_seconds"])
        mode = str(data["mode"])
    except (TypeError, KeyError, ValueError):
        raise SnapshotError("state.clock: needs mode, now (ISO 8601) and offset_seconds") \
            from None
    if now.tzinfo is None or mode not in ("manual", "system"):
        raise SnapshotError("state.clock: now needs a time zone; mode is manual or system")
    if not abs(offset) <= MAX_OFFSET or not (_EPOCHS[0] < now <= LATEST):
        raise SnapshotError(f"state.clock: offset_seconds within ±{MAX_OFFSET:.0f} and now "
                            f"between the year 1971 and {LATEST.isoformat()}")
    return mode, now.astimezone(UTC), offset


def _restore_clock(emulator: StateOwner, clock_data: tuple[str, datetime, float]) -> None:
    """A manual clock resumes at the saved instant; a system clock keeps its saved offset
    (real time went on while the server was down, and so does the emulated time)."""
    mode, now, offset = clock_data
    clock: Any = emulator.clock
    if clock.mode == "manual" and mode == "manual":
        clock._now = now
        clock._start = now - timedelta(seconds=offset)
    elif clock.mode == "system" and mode == "system":
        clock._offset = offset
    elif now > emulator.now():
        clock.set(now)


class _Decoder:
    def __init__(self, objects: dict[int, Any], where: str) -> None:
        self.objects = objects
        self.where = where

    def fail(self, why: str) -> SnapshotError:
        return SnapshotError(f"{self.where}: {why}")

    def decode(self, data: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self.fail("nested too deeply")
        if data is None or isinstance(data, bool | int | float | str):
            return data
        if isinstance(data, list):
            return [self.decode(v, depth + 1) for v in data]
        if not isinstance(data, dict) or not data:
            raise self.fail(f"unexpected {type(data).__name__}")
        try:
            return self._tagged(data, depth)
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
            raise self.fail(f"malformed value ({type(exc).__name__}: {exc})") from None

    def _tagged(self, data: dict[str, Any], depth: int) -> Any:
        if "$dt" in data:
            return datetime.fromisoformat(data["$dt"])
        if "$date" in data:
            return date.fromisoformat(data["$date"])
        if "$td" in data:
            return timedelta(seconds=float(data["$td"]))
        for tag, kind in (("$tuple", tuple), ("$deque", deque), ("$set", set)):
            if tag in data:
                return kind(self.decode(v, depth + 1) for v in _list(data[tag]))
        if "$map" in data:
            pairs = [(self.decode(k, depth + 1), self.decode(v, depth + 1))
                     for k, v in _list(data["$map"])]
            return dict(pairs)
        if "$enum" in data:
            return _class(data["$enum"], Enum)(data["v"])
        if "$ref" in data:
            if data["$ref"] not in self.objects:
                raise self.fail(f"reference {data['$ref']!r} to an object not seen before")
            return self.objects[data["$ref"]]
        if "$obj" in data:
            return self._object(data, depth)
        raise self.fail(f"unknown tag {sorted(data)[0]!r}")

    def _object(self, data: dict[str, Any], depth: int) -> Any:
        cls: type = _class(data["$obj"], None)
        if not dataclasses.is_dataclass(cls):
            raise self.fail(f"{data['$obj']} is not a state class")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        given = data["f"]
        # A field added later (ADDED_FIELDS) may be missing from an older document: default.
        defaulted = {name for name in ADDED_FIELDS.get(cls.__name__, ())
                     if name not in (given or {})}
        if not isinstance(given, dict) or set(given) | defaulted != set(fields):
            raise self.fail(f"{cls.__name__} needs exactly the fields {', '.join(fields)}")
        obj = object.__new__(cls)
        self.objects[data["$id"]] = obj
        for name in defaulted:
            object.__setattr__(obj, name, fields[name].default)
        hints = _hints(cls)
        for name, raw in given.items():
            value = self.decode(raw, depth + 1)
            if name in hints and not conforms(value, hints[name]):
                raise self.fail(f"{cls.__name__}.{name}: {value!r:.60} is not {hints[name]}")
            object.__setattr__(obj, name, value)
        return obj


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value


# Where the classes of documents written before the capability packages (issue 10) live now.
LEGACY_MODULES: dict[str, tuple[str, ...]] = {
    "mockbsc.domain.models": ("mockbsc.domain.fleet.models", "mockbsc.domain.orders.models",
                              "mockbsc.domain.access.models"),
    "mockbsc.domain.sms": ("mockbsc.domain.sms.records",),
    "mockbsc.domain.webhooks": ("mockbsc.domain.sms.outbox", "mockbsc.domain.sms.retry"),
    "mockbsc.domain.emulator": ("mockbsc.domain.fleet.lifecycle",),
    "mockbsc.domain.events": ("mockbsc.domain.fleet.events",),
}


def _class(name: Any, base: type | None) -> Any:
    """A class of mockbsc's domain by `module:qualname`; nothing else may be instantiated."""
    module_name, _, qualname = str(name).partition(":")
    if not module_name.startswith("mockbsc.domain."):
        raise TypeError(f"{name!r} is not a mockbsc domain class")
    for candidate in LEGACY_MODULES.get(module_name, (module_name,)):
        cls: Any = sys.modules.get(candidate)
        for part in qualname.split("."):
            cls = getattr(cls, part, None)
        if isinstance(cls, type) and (base is None or issubclass(cls, base)):
            return cls
    raise TypeError(f"{name!r} is not a mockbsc domain class")


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        try:
            _HINTS[cls] = typing.get_type_hints(cls)
        except Exception:  # an annotation we cannot resolve is simply not checked
            _HINTS[cls] = {}
    return _HINTS[cls]


def conforms(value: Any, hint: Any) -> bool:
    """Whether `value` has the annotated type (deeply, for containers of state)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any or hint is object:
        return True
    if hint is type(None) or hint is None:
        return value is None
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, a) for a in args)
    if origin is typing.Literal:
        return value in args
    if origin in (list, deque, set, frozenset):
        return isinstance(value, origin) and all(conforms(v, args[0]) for v in value)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(conforms(v, args[0]) for v in value)
        return len(args) == len(value) and all(map(conforms, value, args))
    if origin is dict:
        return isinstance(value, dict) and all(
            conforms(k, args[0]) and conforms(v, args[1]) for k, v in value.items())
    if hint is float:  # finite: a NaN quota would poison every sum it enters
        return isinstance(value, int | float) and not isinstance(value, bool) \
            and -2.0**63 < value < 2.0**63
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(hint, type):
        if hint is datetime:
            return isinstance(value, datetime) and value.tzinfo is not None
        if hint is date:
            return isinstance(value, date) and not isinstance(value, datetime)
        return isinstance(value, hint)
    return True  # an annotation this checker does not model is not checked
