"""`AppState`: Starlette's `app.state`, its values also plain attributes.

The app's emulator is read from `app.state` several times per request (the browser guard, the
journal, the endpoint) and, on Starlette's `State`, each read is a failed attribute lookup that
makes and drops an `AttributeError` before `__getattr__` finds the value: about a twentieth of
a `GET`'s own instructions (issue 14's hot path). Here every value set is also kept in the
instance's `__dict__`, where an attribute read finds it at once; `State`'s dictionary stays
the one that `state[...]`, `len()` and iteration read.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import State


class AppState(State):
    """A `State` whose values read as plain attributes; set and delete them as on `State`."""

    def __setattr__(self, key: Any, value: Any) -> None:
        super().__setattr__(key, value)
        object.__setattr__(self, key, value)

    def __delattr__(self, key: Any) -> None:
        super().__delattr__(key)
        object.__delattr__(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        self.__setattr__(key, value)

    def __delitem__(self, key: str) -> None:
        self.__delattr__(key)
