"""The seeded fleet as a recipe: SIMs made on first touch are the SIMs the seed gives, whatever
was touched before, and what is done to them is kept, saved, listed and undone by a reset."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mockbsc.adapters.fixtures_file import load_scenario
from mockbsc.api.app import build_emulator, create_app
from mockbsc.config import Settings
from mockbsc.domain.fleet.models import INITIAL_DATA_MB, INITIAL_SMS, Sim, SimStatus
from mockbsc.domain.fleet.recipe import EAGER
from mockbsc.domain.fleet.seeding import label_words, make_sim
from mockbsc.domain.platform import Emulator
from tests.conftest import API, token_for

MILLION = 1_000_000


def million(**extra: object) -> Emulator:
    return Emulator(Settings(clock="manual", sims=MILLION, **extra), load_scenario())  # type: ignore[arg-type]


def test_a_deep_page_is_the_same_sims_whichever_is_touched_first() -> None:
    listed = million()
    org = listed.scenario.default_org_id
    page = listed.sims.listing(org, 10_000, 100, None, None)
    assert page.total == listed.sims.count(org) == MILLION
    looked_up = million()  # a fresh fleet: the same SIMs looked up one by one, last first
    alone = [looked_up.sims.find(s.iccid) for s in reversed(page.items)]
    assert alone[::-1] == list(page.items)
    assert len({s.iccid for s in page.items}) == 100
    before = listed.sims.listing(org, 9_999, 100, None, None).items[-1]
    assert int(before.iccid[-8:]) + 1 == int(page.items[0].iccid[-8:])  # serial order


def test_pages_walk_the_whole_fleet_in_the_order_a_full_scan_gives() -> None:
    emulator = Emulator(Settings(clock="manual", sims=EAGER + 2_500), load_scenario())
    org = emulator.scenario.default_org_id
    scanned = list(emulator.sims.scan(org))
    paged = [s for n in range(1, 37) for s in emulator.sims.listing(org, n, 100, None,
                                                                      None).items]
    assert paged == scanned
    assert len(scanned) == emulator.sims.count(org) == EAGER + 2_500
    assert len(emulator.sims) == sum(emulator.sims.count(o) for o in emulator.orgs)


def test_filters_and_sorts_see_every_sim_of_the_recipe() -> None:
    emulator = Emulator(Settings(clock="manual", sims=EAGER + 3_000), load_scenario())
    org = emulator.scenario.default_org_id
    everyone = list(emulator.sims.scan(org))
    deep = everyone[-7]  # never made: found by its IMEI all the same
    assert deep.imei is not None or everyone[-8].imei is not None
    wanted = deep if deep.imei is not None else everyone[-8]
    found = emulator.sims.listing(org, 1, 100, f"imei:{wanted.imei}", None)
    assert wanted.iccid in [s.iccid for s in found.items]
    by_ip = emulator.sims.listing(org, 1, 10, None, "-ip_address").items
    assert [s.iccid for s in by_ip] == [s.iccid for s in everyone[::-1][:10]]
    assert by_ip[0] is emulator.sims.find(by_ip[0].iccid)  # the page's SIMs are kept


def test_the_imei_filters_read_is_the_imei_each_sim_shows_once_made() -> None:
    """Filters and sorts read seeded IMEIs from the stream's head words without making the
    SIMs; the SIM made later must show exactly that IMEI (or none when that says none)."""
    emulator = Emulator(Settings(clock="manual", sims=EAGER + 3_000), load_scenario())
    org = emulator.scenario.default_org_id
    by_imei = emulator.sims.listing(org, 1, EAGER + 3_000, None, "imei").items
    scanned = list(Emulator(Settings(clock="manual", sims=EAGER + 3_000),
                            load_scenario()).sims.scan(org))  # a fresh fleet, every SIM made
    shown = sorted((s for s in scanned if s.imei is not None), key=lambda s: s.imei or "")
    assert [s.imei for s in by_imei[:len(shown)]] == [s.imei for s in shown]
    assert {s.iccid for s in by_imei[len(shown):]} == {s.iccid for s in scanned
                                                        if s.imei is None}
    assert 0.7 < len(shown) / len(scanned) < 0.9  # about 81 % show an IMEI


def test_the_recipe_draws_the_mix_the_sequential_stream_drew() -> None:
    """Per-SIM streams change which SIM is which, not the shares of the seeded mix."""
    scenario = load_scenario()
    mix, size = scenario.mix, 20_000
    emulator = Emulator(Settings(clock="manual", sims=EAGER + size), scenario)
    org = emulator.scenario.default_org_id
    recipe = list(emulator.sims.scan(org))[EAGER:]
    rng = random.Random("mockbsc:1:sequential")
    words = label_words(1)
    sequential = [make_sim(rng, org, 300_000_000 + n, n, emulator.seeded_at, mix, words)
                  for n in range(size)]

    def shares(sims: list[Sim]) -> list[float]:
        tests = (lambda s: s.status is SimStatus.DISABLED, lambda s: s.device.attached,
                 lambda s: s.device.online, lambda s: s.data_quota.volume == 0,
                 lambda s: 0 < s.data_quota.volume < INITIAL_DATA_MB * 0.2,
                 lambda s: s.sms_quota.volume == 0,
                 lambda s: 0 < s.sms_quota.volume < INITIAL_SMS * 0.2,
                 lambda s: s.label is not None, lambda s: s.imei is not None,
                 lambda s: s.imei_lock)
        return [sum(map(test, sims)) / len(sims) for test in tests]

    for lazy, eager in zip(shares(recipe), shares(sequential), strict=True):
        assert lazy == pytest.approx(eager, abs=0.015)  # ~4 standard errors at 20,000


def saved_sims(path: Path) -> set[str]:
    """The keys of SIM entries in a state file (folded part and log)."""
    with sqlite3.connect(path) as db:
        keys = [k for (k,) in db.execute("SELECT key FROM snapshot")]
        for (body,) in db.execute("SELECT body FROM log"):
            keys += [k for k, _ in json.loads(body)]
    return {k for k in keys if k.startswith("sims.")}


def deep_page(client: TestClient, auth: dict[str, str]) -> list[dict[str, object]]:
    """Page 10,000 of the million-SIM fleet, its total checked on the way."""
    page = client.get(f"{API}/v1/sims", params={"page": 10_000, "pageSize": 100}, headers=auth)
    assert page.headers["X-Total-Count"] == str(MILLION)
    return list(page.json())


def test_a_restart_keeps_what_was_done_to_a_sim_made_on_first_touch(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    settings = Settings(clock="manual", sims=MILLION, state_file=str(path),
                        token_ttl=30 * 24 * 3600)
    first = build_emulator(settings)
    with TestClient(create_app(first)) as client:
        auth = {"Authorization": f"Bearer {token_for(client)}"}
        iccid = deep_page(client, auth)[42]["iccid"]
        seeded = client.get(f"{API}/v1/sims/{iccid}", headers=auth).json()
        assert client.put(f"{API}/v1/sims/{iccid}", json={"label": "deep one"},
                          headers=auth).status_code == 200
        first.advance(5)
    assert saved_sims(path) == {f'sims._by_iccid|"{iccid}"'}  # not the page, not the fleet
    second = build_emulator(settings)
    with TestClient(create_app(second)) as client:
        auth = {"Authorization": f"Bearer {token_for(client)}"}
        assert deep_page(client, auth)[42] == {**seeded, "label": "deep one"}
        assert client.post("/_mockbsc/reset").status_code == 200
        auth = {"Authorization": f"Bearer {token_for(client)}"}
        undone = client.get(f"{API}/v1/sims/{iccid}", headers=auth).json()
        assert undone.get("label") == seeded.get("label") != "deep one"  # seeded anew


def test_a_transfer_out_of_the_recipe_lists_the_sim_once() -> None:
    emulator = Emulator(Settings(clock="manual", sims=EAGER + 500), load_scenario())
    org = emulator.scenario.default_org_id
    other = next(o for o in emulator.orgs if o != org)
    deep = emulator.sims.listing(org, 13, 100, None, None).items[5]
    before = emulator.sims.count(org), emulator.sims.count(other)
    total = len(emulator.sims)
    emulator.lifetime.transfer(org, other, [], [deep.iccid], lambda _: True)
    assert (emulator.sims.count(org), emulator.sims.count(other)) == (before[0] - 1,
                                                                     before[1] + 1)
    assert deep.iccid not in [s.iccid for s in emulator.sims.scan(org)]
    assert [s.iccid for s in emulator.sims.scan(other)][-1] == deep.iccid
    assert len(emulator.sims) == total


def test_a_whole_state_export_lists_every_seeded_sim() -> None:
    from mockbsc.domain.state.snapshot import export_state, import_state

    emulator = Emulator(Settings(clock="manual", sims=EAGER + 300), load_scenario())
    document = export_state(emulator)
    listed = json.dumps(document["stores"]["sims"]["_by_org"])
    last = list(emulator.sims.scan(emulator.scenario.default_org_id))[-1]
    assert last.iccid in listed
    other = Emulator(Settings(clock="manual", sims=5, seed=9), load_scenario())
    import_state(other, document)
    assert len(other.sims) == len(emulator.sims)
    assert other.sims.find(last.iccid) == last


def test_a_filter_reads_a_made_sim_as_it_is_now_not_as_seeded() -> None:
    emulator = Emulator(Settings(clock="manual", sims=EAGER + 400), load_scenario())
    org = emulator.scenario.default_org_id
    first = emulator.sims.listing(org, 1, 100, "imei:0000000000000000", None)  # column made
    assert first.total == 0
    deep = emulator.sims.listing(org, 14, 100, None, None).items[3]
    old = deep.imei or "8682390500000000"
    emulator.sims.get(org, deep.iccid).imei = "3534700912345601"
    found = emulator.sims.listing(org, 1, 100, "imei:353470091234560", None).items  # 15 digits
    assert [s.iccid for s in found] == [deep.iccid]
    assert deep.iccid not in [s.iccid for s in emulator.sims.listing(
        org, 1, 100, f"imei:{old}", None).items]
