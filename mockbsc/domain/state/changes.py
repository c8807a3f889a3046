"""The change log's domain side: what a mutation touched, as entries (restore.py: back).

The state is the seeded fleet (reproducible from the seed, the fleet size and the instant of
seeding) plus every stored object that has changed since. Each keyed store (`TRACKED`) is a
`TrackedDict` that notes every key read or written through it; a collect encodes the noted
keys' current values (a deleted key becomes None) under the lock, and only those. Small
values (`WHOLE`, the clock, fault rules, the rate-limit profile) are encoded whole and kept
when they differ from the last collect; queued jobs are immutable and logged by sequence.

Entries are `(key, value)` with a JSON-ready value. The `$base` entry starts a state: what
follows applies to the seeded fleet it names, or to empty stores (`seeded: false`, after a
`PUT /_mockbsc/state` or a swapped emulator). Folding entries in order, keeping the last
value per key and dropping everything before a `$base`, gives the state; `restore` applies
a folded set.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any, TypeVar

from mockbsc.domain.faults.rules import FIELDS
from mockbsc.domain.state.snapshot import (
    MOVED,
    StateOwner,
    _encode,
    _state_types,
)

K = TypeVar("K")
V = TypeVar("V")
Entry = tuple[str, Any]
BASE = "$base"

TRACKED: tuple[tuple[str, str], ...] = (
    ("sims", "_by_iccid"), ("sims", "_by_org"), ("events", "_by_iccid"),
    ("usage", "_by_iccid"), ("orders", "_orders"), ("sms", "_by_id"), ("sms", "_by_iccid"),
    ("webhooks", "_by_id"), ("webhooks", "_queues"), ("tokens", "_tokens"),
    ("tokens", "_current"), ("emulator", "_pending"),
)
WHOLE: tuple[tuple[str, str], ...] = (
    ("emulator", "orgs"), ("emulator", "_next_change"), ("events", "_next_id"),
    ("orders", "_next_number"), ("sms", "_next_id"), ("webhooks", "_next_id"),
    ("scheduler", "_seq"), ("tokens", "_users"),
)
HEAP = "scheduler._heap"
# A SIM's events only grow at the end and age out at the start: one entry per event (keyed
# by SIM and event id; ids grow in the order events are recorded), not the whole list.
EVENTS = ("events", "_by_iccid")
EVENT = "events.event"
# Stores the seed fills: a key removed from one must be remembered, not just forgotten.
SEEDED_STORES = ("sims._by_iccid|", "sims._by_org|")


class TrackedDict(dict[K, V]):
    """A dict that notes each key looked up, set or removed through it, in order (new keys
    are restored in the order they were added), while iterating notes nothing: a read-only
    listing must not make the next commit write the whole store."""

    __slots__ = ("touched",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.touched: dict[Any, None] = {}  # in the order first touched

    def __getitem__(self, key: K) -> V:
        self.touched[key] = None
        return dict.__getitem__(self, key)

    def get(self, key: K, default: Any = None) -> Any:
        self.touched[key] = None
        return dict.get(self, key, default)

    def __setitem__(self, key: K, value: V) -> None:
        self.touched[key] = None
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: K) -> None:
        self.touched[key] = None
        dict.__delitem__(self, key)

    def pop(self, key: K, *default: Any) -> Any:
        self.touched[key] = None
        return dict.pop(self, key, *default)

    def setdefault(self, key: K, default: Any = None) -> Any:
        self.touched[key] = None
        return dict.setdefault(self, key, default)

    def clear(self) -> None:
        self.touched.update(dict.fromkeys(self.keys()))
        dict.clear(self)

    def popitem(self) -> tuple[K, V]:
        item = dict.popitem(self)
        self.touched[item[0]] = None
        return item

    def update(self, *args: Any, **kwargs: Any) -> None:
        other = dict(*args, **kwargs)
        self.touched.update(dict.fromkeys(other))
        dict.update(self, other)


def _owner(platform: Any, store: str, attr: str) -> Any:
    store = MOVED.get((store, attr), store)
    return platform if store == "emulator" else getattr(platform, store)


def _key(store: str, attr: str, key: Any) -> str:
    return f"{store}.{attr}|{json.dumps(_encode(key, {}))}"


@functools.cache
def _value_hint(store: str, attr: str) -> Any:
    return _state_types()[store][attr]


class ChangeTracker:
    """Notes what changes in one platform and hands it out as entries (see the module doc).

    Args:
        platform: the emulator; its keyed stores become `TrackedDict`s.
        seeded: whether the platform still is its seeded fleet plus tracked changes (False
            when its state came from somewhere else: the first collect then writes it all).
    """

    def __init__(self, platform: StateOwner, seeded: bool = True) -> None:
        self.platform: Any = platform
        self._dicts: list[TrackedDict[Any, Any]] = []
        self._last: dict[str, str] = {}
        self._hashes: dict[str, int] = {}
        self._jobs: set[int] = set()
        self._events: dict[Any, set[int]] = {}
        self._full = not seeded
        self._base = True
        self._install()
        hooks = getattr(platform, "on_reset", None)
        if hooks is not None:
            hooks.append(self._reset)

    def _install(self) -> None:
        self._dicts = []
        for store, attr in TRACKED:
            owner = _owner(self.platform, store, attr)
            current = getattr(owner, attr)
            if not isinstance(current, TrackedDict):
                current = TrackedDict(current)
                setattr(owner, attr, current)
            current.touched.clear()
            self._dicts.append(current)

    def _reset(self) -> None:
        """The platform went back to a seeded fleet: nothing before counts."""
        for tracked in self._dicts:
            tracked.touched.clear()
        self._last.clear()
        self._hashes.clear()
        self._jobs.clear()
        self._events.clear()
        self._full, self._base = False, True

    def _replaced(self) -> bool:
        return any(getattr(_owner(self.platform, s, a), a) is not d
                   for (s, a), d in zip(TRACKED, self._dicts, strict=True))

    def collect(self) -> list[Entry]:
        """Entries for everything changed since the last collect; call it under the lock."""
        platform = self.platform
        if self._replaced():  # a PUT /_mockbsc/state swapped the stores: write them all
            self._install()
            self._full = True
        entries: list[Entry] = []
        if self._full or self._base:
            settings = platform.settings
            entries.append((BASE, {"seeded": not self._full, "seed": settings.seed,
                                   "sims": settings.sims,
                                   "seeded_at": platform.seeded_at.isoformat()}))
            self._last.clear()
            self._hashes.clear()
            self._jobs.clear()
            self._events.clear()
        for (store, attr), tracked in zip(TRACKED, self._dicts, strict=True):
            keys, tracked.touched = list(tracked.touched), {}
            if self._full:
                keys = list(dict.keys(tracked))
            if (store, attr) == EVENTS:
                self._collect_events(entries, tracked, keys)
                continue
            for key in keys:
                name = _key(store, attr, key)
                value = dict.get(tracked, key, _MISSING)
                data = None if value is _MISSING else _encode(value, {})
                digest = hash(json.dumps(data))  # a key only read is not written again
                if self._hashes.get(name) != digest:
                    self._hashes[name] = digest
                    entries.append((name, data))
        for store, attr in WHOLE:
            self._add(entries, f"{store}.{attr}",
                      _encode(getattr(_owner(platform, store, attr), attr), {}))
        self._add(entries, "$clock", _clock_state(platform))
        self._add(entries, "$faults", _faults_state(platform))
        self._add(entries, "$limits", getattr(platform.limits, "profile", "off"))
        jobs = {job.seq: job for job in platform.scheduler._heap}
        for seq in jobs.keys() - self._jobs:
            entries.append((f"{HEAP}|{seq}", _encode(jobs[seq], {})))
        for seq in self._jobs - jobs.keys():
            entries.append((f"{HEAP}|{seq}", None))
        self._jobs = set(jobs)
        self._full = self._base = False
        return entries

    def _collect_events(self, entries: list[Entry], tracked: dict[Any, Any],
                        iccids: list[Any]) -> None:
        for iccid in iccids:
            events = dict.get(tracked, iccid) or []
            logged = self._events.get(iccid, set())
            prefix = f"{EVENT}|{json.dumps(iccid)}|"
            for event in events:
                if event.id not in logged:
                    entries.append((f"{prefix}{event.id}", _encode(event, {})))
            ids = {event.id for event in events}
            for gone in logged - ids:
                entries.append((f"{prefix}{gone}", None))
            self._events[iccid] = ids

    def _add(self, entries: list[Entry], name: str, value: Any) -> None:
        text = json.dumps(value)
        if self._last.get(name) != text:
            self._last[name] = text
            entries.append((name, value))


_MISSING = object()


def _clock_state(platform: Any) -> dict[str, Any]:
    clock = platform.clock
    state = {"mode": clock.mode, "offset_seconds": getattr(clock, "offset_seconds", 0.0)}
    if clock.mode == "manual":
        state["now"] = platform.now().isoformat()
    return state


def _faults_state(platform: Any) -> dict[str, Any]:
    book = platform.faults
    rules = [{"id": r.id, "hits": r.hits,
              "spec": {n: getattr(r, n) for n in FIELDS if getattr(r, n) is not None}}
             for r in book.rules()]
    return {"rules": rules, "next_id": book._next_id}


def fold(entries: Iterable[Entry], into: dict[str, Any] | None = None) -> dict[str, Any]:
    """The last value per key (None: removed); a `$base` entry drops all before it."""
    folded: dict[str, Any] = {} if into is None else into
    for key, value in entries:
        if key == BASE:
            folded.clear()
        elif value is None:
            folded.pop(key, None)  # a key added again later goes last, as in the dict
        folded[key] = value
    return folded
