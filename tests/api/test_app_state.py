"""`AppState` behaves as Starlette's `State` does, whichever way a value is set or read."""

from __future__ import annotations

import pytest
from starlette.datastructures import State

from mockbsc.api.app import create_app
from mockbsc.api.app_state import AppState


@pytest.mark.parametrize("kind", [State, AppState])
def test_set_read_and_delete_both_ways(kind: type[State]) -> None:
    state = kind()
    state.emulator = "one"
    state["secret"] = b"two"
    assert (state.emulator, state["emulator"], state.secret, state["secret"]) == (
        "one", "one", b"two", b"two")
    assert sorted(state) == ["emulator", "secret"]
    assert len(state) == 2
    state.emulator = "three"  # a reset swaps the emulator: every read sees the new one
    assert state.emulator == state["emulator"] == "three"
    state["emulator"] = "four"
    assert state.emulator == state["emulator"] == "four"
    del state.emulator
    del state["secret"]
    assert len(state) == 0
    for name in ("emulator", "secret"):
        with pytest.raises(AttributeError):
            getattr(state, name)
        with pytest.raises(KeyError):
            state[name]


def test_the_apps_state_reads_the_swapped_emulator(emulator: object) -> None:
    app = create_app(emulator)  # type: ignore[arg-type]
    assert isinstance(app.state, AppState)
    app.state.emulator = "swapped"
    assert app.state.emulator == app.state["emulator"] == "swapped"
