"""Entries of the change log other than events, restored one by one: a damaged job, whole
value, key or keyed value is refused with a `SnapshotError` naming its entry and the
problem, an entry without data removes its key from a store the seed filled, and values
nested to the snapshot's full depth are decoded like the snapshot import decodes them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockbsc.domain.platform import Emulator
from mockbsc.domain.state.changes import ChangeTracker, Entry, fold
from mockbsc.domain.state.restore import restore
from mockbsc.domain.state.snapshot import MAX_DEPTH, SnapshotError
from tests.domain.state.test_durability_changes import through_json, twin

pytestmark = pytest.mark.mockbsc(token_ttl=30 * 24 * 3600)


def restored(emulator: Emulator, *extra: Entry) -> Emulator:
    """A twin of `emulator` restored from its change log with `extra` entries after it."""
    log = through_json(ChangeTracker(emulator).collect())
    other = twin(emulator)
    restore(other, fold([*log, *extra]))
    return other


def refusal(emulator: Emulator, key: str, data: Any) -> str:
    with pytest.raises(SnapshotError) as caught:
        restored(emulator, (key, data))
    return str(caught.value)


def nested(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


ICCID_KEY = 'sims._by_iccid|"8988280666030217999"'


@pytest.mark.parametrize(("key", "data", "message"), [
    ("scheduler._heap|99", 5, "state file: scheduler._heap|99: not a job"),
    ("scheduler._heap|99", {"$bogus": 1},
     "state file: scheduler._heap|99: unknown tag '$bogus'"),
    ("events._next_id", "x",
     "state file: events._next_id: does not have the type <class 'int'>"),
    ("events._next_id", {"$bogus": 1}, "state file: events._next_id: unknown tag '$bogus'"),
    ("sims._by_iccid|5", None,
     "state file: sims._by_iccid|5: the key does not have the type <class 'str'>"),
    ('sims._by_iccid|{"$bogus": 1}', None,
     "state file: sims._by_iccid|{\"$bogus\": 1}: unknown tag '$bogus'"),
    ('sims._by_iccid|{"$ref": 1}', None,
     "state file: sims._by_iccid|{\"$ref\": 1}: reference 1 to an object not seen before"),
    (ICCID_KEY, {"$bogus": 1}, f"state file: {ICCID_KEY}: unknown tag '$bogus'"),
], ids=["job-not-a-job", "job-damaged", "whole-wrong-type", "whole-damaged",
        "key-wrong-type", "key-damaged", "key-reference", "value-damaged"])
def test_a_damaged_entry_is_refused_naming_it_and_the_problem(
        emulator: Emulator, key: str, data: Any, message: str) -> None:
    assert refusal(emulator, key, data) == message


def test_an_entry_without_data_removes_a_seeded_key(emulator: Emulator) -> None:
    iccid = json.loads(ICCID_KEY.split("|")[1])
    assert iccid in restored(emulator).sims._by_iccid
    assert iccid not in restored(emulator, (ICCID_KEY, None)).sims._by_iccid


@pytest.mark.parametrize("key", ["events._next_id", "scheduler._heap|99", ICCID_KEY,
                                 "sims._by_iccid|{}"])
def test_an_entry_is_decoded_to_the_snapshots_full_depth_and_no_deeper(
        emulator: Emulator, key: str) -> None:
    """The depth is counted from the entry's value (or key) itself, as the snapshot import
    counts it: MAX_DEPTH levels are decoded (and then refused for their type), one more is
    too deep."""
    def placed(levels: int) -> tuple[str, Any]:
        if key.endswith("{}"):
            return key.replace("{}", json.dumps(nested(levels))), None
        return key, nested(levels)

    assert refusal(emulator, *placed(MAX_DEPTH + 1)).endswith(": nested too deeply")
    deepest = refusal(emulator, *placed(MAX_DEPTH))
    assert not deepest.endswith("nested too deeply"), deepest


@pytest.mark.parametrize("key", ["sims._by_iccid.x", "sims.nothing", "nothing.here|1",
                                 "nodot"])
def test_an_entry_of_no_known_store_is_refused_naming_it(emulator: Emulator, key: str) -> None:
    assert refusal(emulator, key, 1) == f"state file: {key}: no store of that name"
