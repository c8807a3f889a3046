"""Self-set limits of an organisation the platform does not know: refused naming it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mockbsc.domain.errors import NotFoundError
from mockbsc.domain.fleet.limits import DATA, SelfSetLimits
from mockbsc.domain.platform import Emulator


@pytest.mark.parametrize("call", [lambda limits: limits.current(9999),
                                  lambda limits: limits.set(9999, {DATA: 1})],
                         ids=["current", "set"])
def test_limits_of_an_unknown_organisation_are_refused_naming_it(
        emulator: Emulator, call: Callable[[SelfSetLimits], object]) -> None:
    with pytest.raises(NotFoundError) as caught:
        call(emulator.traffic_limits)
    assert caught.value.message == "Organisation 9999 not found."
