"""The change log's TrackedDict: every way of changing a dict notes the key it changed.

The durable change log writes only what a mutation touched; a mutating dict method that
forgot to note its key would lose that change at the next restart without any error. The
domain uses only some of these methods today; these tests hold the others to the same rule
so that code using them later stays durable.
"""

from __future__ import annotations

from mockbsc.domain.state.changes import TrackedDict


def fresh() -> TrackedDict[str, int]:
    tracked: TrackedDict[str, int] = TrackedDict({"a": 1, "b": 2, "c": 3})
    tracked.touched.clear()
    return tracked


def test_iterating_and_counting_note_nothing() -> None:
    tracked = fresh()
    assert (list(tracked), len(tracked), "a" in tracked) == (["a", "b", "c"], 3, True)
    assert list(tracked.items()) == [("a", 1), ("b", 2), ("c", 3)]
    assert list(tracked.touched) == []


def test_reading_notes_the_key_read() -> None:
    tracked = fresh()
    assert (tracked["b"], tracked.get("c"), tracked.get("x", 9)) == (2, 3, 9)
    assert list(tracked.touched) == ["b", "c", "x"]


def test_del_removes_the_key_and_notes_it() -> None:
    tracked = fresh()
    del tracked["b"]
    assert dict(tracked) == {"a": 1, "c": 3}
    assert list(tracked.touched) == ["b"]


def test_pop_returns_the_value_or_the_default_and_notes_the_key() -> None:
    tracked = fresh()
    assert tracked.pop("a") == 1
    assert tracked.pop("x", 7) == 7
    assert dict(tracked) == {"b": 2, "c": 3}
    assert list(tracked.touched) == ["a", "x"]


def test_popitem_removes_the_last_item_and_notes_its_key() -> None:
    tracked = fresh()
    assert tracked.popitem() == ("c", 3)
    assert dict(tracked) == {"a": 1, "b": 2}
    assert list(tracked.touched) == ["c"]


def test_update_from_a_mapping_pairs_and_keywords_notes_every_key() -> None:
    tracked = fresh()
    tracked.update({"a": 10}, d=4)
    tracked.update([("e", 5)])
    assert dict(tracked) == {"a": 10, "b": 2, "c": 3, "d": 4, "e": 5}
    assert list(tracked.touched) == ["a", "d", "e"]


def test_setdefault_and_clear_note_their_keys() -> None:
    tracked = fresh()
    assert tracked.setdefault("a", 0) == 1
    assert tracked.setdefault("z", 26) == 26
    tracked.clear()
    assert dict(tracked) == {}
    assert list(tracked.touched) == ["a", "z", "b", "c"]
