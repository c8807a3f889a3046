"""Self-set limits of an organisation the platform does not know: refused naming it."""

from __future__ import annotations

import pytest

from mockbsc.domain.errors import NotFoundError
from mockbsc.domain.fleet.limits import DATA
from mockbsc.domain.platform import Emulator


@pytest.mark.parametrize("call", ["current", "set"])
def test_limits_of_an_unknown_organisation_are_refused_naming_it(emulator: Emulator,
                                                                 call: str) -> None:
    limits = emulator.traffic_limits
    with pytest.raises(NotFoundError) as caught:
        if call == "current":
            limits.current(9999)
        else:
            limits.set(9999, {DATA: 1})
    assert caught.value.message == "Organisation 9999 not found."
