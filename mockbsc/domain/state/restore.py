"""Restore from the change log: the folded entries (`mockbsc.domain.state.changes.fold`)
applied to a platform built as of their `$base`.

Entries are decoded with the snapshot's checks (only mockbsc's domain classes, every field
against its annotation); a SIM's events, the bulk of a long log, take a direct path.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from mockbsc.domain.access.rate_limits import RateLimiter
from mockbsc.domain.faults.rules import rule_from
from mockbsc.domain.fleet.models import SimEvent
from mockbsc.domain.scheduler import Job
from mockbsc.domain.state.changes import BASE, EVENT, EVENTS, HEAP, TRACKED, _owner, _value_hint
from mockbsc.domain.state.snapshot import (
    SnapshotError,
    StateOwner,
    _clock_of,
    _Decoder,
    _restore_clock,
    conforms,
)


def restore(platform: StateOwner, folded: dict[str, Any]) -> None:
    """Bring `platform` to the state the folded entries describe (seeded base + changes).

    Raises:
        SnapshotError: an entry is damaged or not of its store's type; call it on a platform
            nobody serves yet (a failure may leave it half restored).
    """
    p: Any = platform
    base = folded.get(BASE)
    if not isinstance(base, dict):
        raise SnapshotError("state file: no $base entry")
    seeded_at = datetime.fromisoformat(base["seeded_at"])
    settings = p.settings
    if (base["seed"], base["sims"], seeded_at) != (settings.seed, settings.sims, p.seeded_at):
        p.reset(seed=base["seed"], sims=base["sims"], at=seeded_at)
    with p.lock:
        if not base["seeded"]:
            for store, attr in TRACKED:
                dict.clear(getattr(_owner(p, store, attr), attr))
            p.scheduler._heap.clear()
            p.sims.forget_seed()  # the entries hold every SIM there is
        jobs = {job.seq: job for job in p.scheduler._heap}
        events: dict[str, dict[int, Any]] = {}
        for key, data in folded.items():
            if key.startswith("$"):
                continue
            if key.startswith(EVENT + "|"):
                _, iccid, event_id = key.split("|")
                events.setdefault(json.loads(iccid), {})[int(event_id)] = data
                continue
            _apply(p, key, data, jobs)
        _apply_events(p, events)
        p.sims.recount()  # seeded SIMs the entries changed are made now
        p.scheduler._heap = sorted(jobs.values())  # a sorted list is a heap
        _relink_tokens(p)
        for delivery in p.webhooks._by_id.values():
            delivery.in_flight = False  # an attempt cut off by the crash is made again
        p.webhooks.reindex()
        _restore_faults(p, folded.get("$faults"))
        if isinstance(folded.get("$limits"), str):
            p.limits = RateLimiter(folded["$limits"])
        if "$clock" in folded:
            _apply_clock(p, folded["$clock"])


def _apply(p: Any, key: str, data: Any, jobs: dict[int, Job]) -> None:
    name, _, raw = key.partition("|")
    store, _, attr = name.partition(".")
    where = f"state file: {key}"
    if name == HEAP:
        if data is None:
            jobs.pop(int(raw), None)
        else:
            job = _Decoder({}, where).decode(data, 0)
            if not isinstance(job, Job):
                raise SnapshotError(f"{where}: not a job")
            jobs[job.seq] = job
        return
    try:
        hint = _value_hint(store, attr)
    except KeyError:  # a key no mockbsc writes: named, not a bare KeyError of its part
        raise SnapshotError(f"{where}: no store of that name") from None
    owner = _owner(p, store, attr)
    if not raw:
        value = _Decoder({}, where).decode(data, 0)
        if not conforms(value, hint):
            raise SnapshotError(f"{where}: does not have the type {hint}")
        setattr(owner, attr, value)
        return
    key_hint, value_hint = typing.get_args(hint)
    map_key = _Decoder({}, where).decode(json.loads(raw), 0)
    if not conforms(map_key, key_hint):
        raise SnapshotError(f"{where}: the key does not have the type {key_hint}")
    target = getattr(owner, attr)
    if data is None:
        dict.pop(target, map_key, None)
        return
    value = _Decoder({}, where).decode(data, 0)
    if not conforms(value, value_hint):
        raise SnapshotError(f"{where}: does not have the type {value_hint}")
    dict.__setitem__(target, map_key, value)


def _apply_events(p: Any, events: dict[str, dict[int, Any]]) -> None:
    hint = typing.get_args(_value_hint(*EVENTS))[1]
    for iccid, by_id in events.items():
        where = f"state file: {EVENT}|{iccid}"
        decoded = [_event(by_id[i], where) for i in sorted(by_id) if by_id[i] is not None]
        if not isinstance(iccid, str) or not conforms(decoded, hint):
            raise SnapshotError(f"{where}: does not have the type {hint}")
        dict.__setitem__(p.events._by_iccid, iccid, decoded)


_EVENT_CLASS = f"{SimEvent.__module__}:{SimEvent.__qualname__}"
_EVENT_FIELDS = {f.name: f.type for f in dataclasses.fields(SimEvent)}


def _event(data: Any, where: str) -> Any:
    """A `SimEvent` entry, decoded directly: a restart reads thousands of them, and the
    general decoder's checks cost ten times more. Anything unusual takes the general way."""
    fields = data.get("f") if isinstance(data, dict) else None
    if (not isinstance(fields, dict) or data.get("$obj") != _EVENT_CLASS
            or fields.keys() != _EVENT_FIELDS.keys()):  # (`fields` a dict: `data` is one)
        return _Decoder({}, where).decode(data, 0)
    event = object.__new__(SimEvent)
    for name, value in fields.items():
        if name == "timestamp":
            if not (isinstance(value, dict) and isinstance(value.get("$dt"), str)):
                return _Decoder({}, where).decode(data, 0)
            value = datetime.fromisoformat(value["$dt"])
            if value.tzinfo is None:
                raise SnapshotError(f"{where}: an event time without a time zone")
        elif not isinstance(value, _SCALARS.get(name, str | None)):
            raise SnapshotError(f"{where}: SimEvent.{name} {value!r:.40} has the wrong type")
        object.__setattr__(event, name, value)
    return event


_SCALARS: dict[str, Any] = {"id": int, "alert": bool, "event_type": str, "severity": str,
                            "iccid": str, "imsi": str, "description": str}


def _relink_tokens(p: Any) -> None:
    """Entries are encoded one by one: a token's user and a user's current token become
    the very objects of their own stores again."""
    users = p.tokens._users
    tokens = p.tokens._tokens
    for token in _values(tokens):
        token.user = dict.get(users, token.user.username, token.user)
    current = p.tokens._current
    for name, token in list(dict.items(current)):
        dict.__setitem__(current, name, dict.get(tokens, token.value, token))


def _values(mapping: dict[Any, Any]) -> Iterator[Any]:
    return iter(dict.values(mapping))


def _restore_faults(p: Any, data: Any) -> None:
    if not isinstance(data, dict):
        return
    book = p.faults
    book.clear()
    for item in data["rules"]:
        # the saved path is the rule's own, already stripped of the API base: strip no more
        rule = rule_from(item["spec"], int(item["id"]))
        rule.hits = int(item["hits"])
        book._rules[rule.id] = rule
    book._next_id = int(data["next_id"])


def _apply_clock(p: Any, data: dict[str, Any]) -> None:
    if data.get("mode") == "manual":
        mode, now, offset = _clock_of(data)
    else:
        mode, now, offset = "system", p.now(), float(data["offset_seconds"])
        if p.clock.mode == "system":
            p.clock._offset = offset
            return
    _restore_clock(p, (mode, now, offset))
