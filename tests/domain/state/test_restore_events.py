"""A SIM's events in the state file take a fast decoder on restore; anything unusual takes the
snapshot's general one. Either way a damaged entry is refused with a `SnapshotError` naming
it (the server's start turns that into a clear message), never another exception."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from mockbsc.domain.platform import Emulator
from mockbsc.domain.state.changes import Entry, fold
from mockbsc.domain.state.restore import restore
from mockbsc.domain.state.snapshot import MAX_DEPTH, SnapshotError
from tests.domain.state.test_durability_changes import _event_log, twin

pytestmark = pytest.mark.mockbsc(token_ttl=30 * 24 * 3600)


@pytest.fixture
def log(emulator: Emulator) -> tuple[list[Entry], int]:
    """A change log whose last entries are events, and the first event's index."""
    return _event_log(emulator)


def refusal(emulator: Emulator, log: tuple[list[Entry], int], event: Any) -> str:
    """The message of the refusal to restore `log` with its first event replaced by `event`,
    without the `state file: <entry key>: ` that starts every such message."""
    entries, first = log
    key = entries[first][0]
    prefix = f"state file: events.event|{json.loads(key.split('|')[1])}: "
    damaged = [*entries[:first], (key, event), *entries[first + 1:]]
    with pytest.raises(SnapshotError) as caught:
        restore(twin(emulator), fold(damaged))
    message = str(caught.value)
    assert message.startswith(prefix), message
    return message.removeprefix(prefix)


def an_event(log: tuple[list[Entry], int]) -> dict[str, Any]:
    entries, first = log
    event: dict[str, Any] = entries[first][1]
    return event


@pytest.mark.parametrize("entry", ["text", [1, 2], 7, True],
                         ids=["string", "list", "number", "boolean"])
def test_an_event_entry_that_is_not_an_object_is_refused(
        emulator: Emulator, log: tuple[list[Entry], int], entry: Any) -> None:
    assert refusal(emulator, log, entry).startswith("does not have the type list[")


def test_an_event_whose_fields_are_not_an_object_is_refused(
        emulator: Emulator, log: tuple[list[Entry], int]) -> None:
    event = an_event(log)
    assert refusal(emulator, log, {**event, "f": "text"}) == (
        "SimEvent needs exactly the fields id, timestamp, event_type, severity, alert, iccid, "
        "imsi, imei, country, operator, mcc, mnc, description")


def test_an_entry_of_another_class_with_the_fields_of_an_event_is_refused(
        emulator: Emulator, log: tuple[list[Entry], int]) -> None:
    event = an_event(log)
    other = {**event, "$obj": "mockbsc.domain.fleet.models:SimEvent2"}
    assert refusal(emulator, log, other) == (
        "malformed value (TypeError: 'mockbsc.domain.fleet.models:SimEvent2' is not a "
        "mockbsc domain class)")


def test_a_reference_in_an_event_names_the_missing_object(
        emulator: Emulator, log: tuple[list[Entry], int]) -> None:
    event = an_event(log)
    # the general decoder for the whole entry ...
    assert refusal(emulator, log, {"$ref": 9}) == "reference 9 to an object not seen before"
    # ... and for an event whose time is not written as a time
    with_ref = {**event, "f": {**event["f"], "timestamp": {"$ref": 9}}}
    assert refusal(emulator, log, with_ref) == "reference 9 to an object not seen before"


def nested(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize("where", ["entry", "timestamp"])
def test_events_are_decoded_to_the_snapshots_full_depth_and_no_deeper(
        emulator: Emulator, log: tuple[list[Entry], int], where: str) -> None:
    """The general decoder counts depth from the entry itself, as the snapshot import does."""
    event = an_event(log)

    def damaged(levels: int) -> Any:
        if where == "entry":  # an entry that is not an event object: a list nested deep
            return nested(levels)
        return {**event, "f": {**event["f"], "timestamp": nested(levels - 1)}}

    assert refusal(emulator, log, damaged(MAX_DEPTH + 1)) == "nested too deeply"
    deepest = refusal(emulator, log, damaged(MAX_DEPTH))
    assert deepest != "nested too deeply"
    assert re.match(r"(does not have the type list\[|SimEvent\.timestamp: )", deepest), deepest
