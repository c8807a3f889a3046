"""An expiry sweep before the seeded SIMs' own expiries leaves the seeded fleet a recipe: it
expires the SIM that is due and makes no other SIM (a million-SIM fleet stays ~40 MB)."""

from __future__ import annotations

from datetime import timedelta

from mockbsc.adapters.fixtures_file import load_scenario
from mockbsc.config import Settings
from mockbsc.domain.fleet.recipe import EAGER
from mockbsc.domain.platform import Emulator


def test_an_early_expiry_expires_its_sim_and_makes_no_seeded_one() -> None:
    emulator = Emulator(Settings(clock="manual", sims=EAGER + 2_000), load_scenario())
    org = emulator.scenario.default_org_id
    sim = emulator.sims.get(org, emulator.sims.iccids_of(org)[0])
    made = len(list(emulator.sims.made()))
    assert made < EAGER + 2_000  # the recipe's later SIMs are not made yet
    sim.data_quota.expiry = emulator.now() + timedelta(days=1)
    emulator.lifetime.start()
    emulator.advance(2 * 86_400)
    assert sim.data_quota.volume == 0.0
    assert sim.data_quota.exceeded == emulator.now() - timedelta(days=1)
    assert len(list(emulator.sims.made())) == made
    assert not any(block.complete for block in emulator.sims.blocks())


def test_a_seeded_sim_never_touched_expires_at_its_seeded_expiry() -> None:
    settings = Settings(clock="manual", sims=EAGER + 500)
    twin = Emulator(settings, load_scenario())  # the same seed: the same SIMs, to look at
    org = twin.scenario.default_org_id
    deep = twin.sims.listing(org, (EAGER + 400) // 100 + 1, 100, None, None).items[0]
    expiry = deep.data_quota.expiry
    assert deep.data_quota.volume > 0
    emulator = Emulator(settings, load_scenario())  # `deep` not made here until read below
    emulator.advance((expiry - emulator.now()).total_seconds() + 60)
    sim = emulator.sims.get(org, deep.iccid)
    assert (sim.data_quota.volume, sim.data_quota.exceeded) == (0.0, expiry)
    assert (sim.sms_quota.volume, sim.sms_quota.exceeded) == (0, expiry)
