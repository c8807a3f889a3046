"""The seeded fleet order's ICCIDs, made on demand, behave as the plain list they replace:
indexed from either end, sliced, compared, and out of range as a list is."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from mockbsc.adapters.fixtures_file import load_scenario
from mockbsc.config import Settings
from mockbsc.domain.fleet.recipe import EAGER, BlockIccids
from mockbsc.domain.platform import Emulator
from tests.conftest import API


def test_the_lazy_iccid_list_reads_as_the_fleets_listing() -> None:
    emulator = Emulator(Settings(clock="manual", sims=EAGER + 40), load_scenario())
    org = emulator.scenario.default_org_id
    [block] = [b for b in emulator.sims.blocks() if b.listed == EAGER + 40]
    lazy = BlockIccids(block)
    plain = emulator.sims.iccids_of(org)
    assert len(plain) == len(lazy) == EAGER + 40
    assert (lazy[0], lazy[EAGER + 5], lazy[-1]) == (plain[0], plain[EAGER + 5], plain[-1])
    assert lazy[EAGER - 2:EAGER + 2] == plain[EAGER - 2:EAGER + 2]
    assert (lazy == plain) is True
    assert (lazy == plain[:-1]) is False
    assert (lazy == [*plain[:-1], "8988280666000000000"]) is False
    assert (lazy == tuple(plain)) is False
    with pytest.raises(IndexError):
        lazy[EAGER + 40]
    with pytest.raises(IndexError):
        lazy[-(EAGER + 41)]


@pytest.mark.parametrize("iccid", ["²", "89882806660302179²9", "8988280666030217٩٩9"],
                         ids=["superscript", "superscript-inside", "arabic-indic-digits"])
def test_an_iccid_of_other_unicode_digits_names_no_sim(client: TestClient,
                                                       auth: dict[str, str], iccid: str) -> None:
    """`"²".isdigit()` is true but `int("²")` fails: the seeded fleet's lookup answered 500
    (schemathesis found it through a bulk update). Such an ICCID names no SIM."""
    bulk = client.post(f"{API}/v1/sims", headers=auth,
                       json=[{"iccid": iccid, "status": "Disabled"}])
    assert bulk.status_code == 201, bulk.text
    one = client.get(f"{API}/v1/sims/{iccid}", headers=auth)
    assert (one.status_code, one.json()["message"]) == (404, "SIM not found.")
