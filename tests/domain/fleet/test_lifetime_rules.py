"""SIM extension and transfer on the domain API: the refusals' exact messages, the extension's
event, and whole months that end on a shorter month's last day."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mockbsc.domain.errors import DomainError, InvalidRequestError, NotFoundError
from mockbsc.domain.fleet.lifetime import _add_months
from mockbsc.domain.platform import Emulator
from tests.conftest import DEMO_ORG


def refusal(kind: type[DomainError], call: object) -> str:
    with pytest.raises(kind) as caught:
        call()  # type: ignore[operator]
    return caught.value.message


def test_an_extension_without_iccids_is_refused(emulator: Emulator) -> None:
    assert refusal(InvalidRequestError, lambda: emulator.lifetime.extend(DEMO_ORG, [], None)) \
        == "iccids: at least one ICCID is needed"


def test_an_extension_is_an_event_of_the_sim(emulator: Emulator, iccid: str) -> None:
    emulator.lifetime.extend(DEMO_ORG, [iccid], None)
    last = emulator.events.of(iccid, emulator.now())[-1]
    assert (last.event_type, last.description) == ("Quota top-up", "SIM extension")


def test_a_transfer_needs_a_known_target(emulator: Emulator, iccid: str) -> None:
    assert refusal(InvalidRequestError, lambda: emulator.lifetime.transfer(
        DEMO_ORG, None, [], [iccid], lambda org: True)) == (
        "target_organisation: the organisation to move the SIMs to is needed")
    assert refusal(NotFoundError, lambda: emulator.lifetime.transfer(
        DEMO_ORG, 99, [], [iccid], lambda org: False)) == "Organisation 99 not found."


@pytest.mark.parametrize(("start", "months", "end"), [
    ((2026, 1, 31), 1, (2026, 2, 28)),
    ((2028, 1, 31), 1, (2028, 2, 29)),
    ((2026, 1, 30), 3, (2026, 4, 30)),
    ((2026, 3, 31), 1, (2026, 4, 30)),
    ((2026, 11, 15), 2, (2027, 1, 15)),
    ((2026, 12, 31), 12, (2027, 12, 31)),
], ids=str)
def test_whole_months_land_on_the_same_day_or_the_months_last(
        start: tuple[int, int, int], months: int, end: tuple[int, int, int]) -> None:
    moment = datetime(*start, 9, 30, tzinfo=UTC)
    assert _add_months(moment, months) == datetime(*end, 9, 30, tzinfo=UTC)
