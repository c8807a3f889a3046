"""Explicit SIMs and orders in a fixtures file: mixed with generated ones, errors by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockbsc.adapters.fixtures_file import FixtureError, load_scenario
from mockbsc.config import Settings
from mockbsc.domain.platform import Emulator

HEAD = """\
organisations:
  - id: 77
    name: Own
    sims:
"""
USERS = "users: [{username: u, password: p, organisation: 77, user_id: 1}]\n"


def scenario_file(tmp_path: Path, sims: str, extra: str = "") -> Path:
    path = tmp_path / "f.yaml"
    path.write_text(HEAD + sims + extra + USERS)
    return path


def test_explicit_sims_come_first_then_generated_ones_and_sims_overrides_only_those(
        tmp_path: Path) -> None:
    path = scenario_file(tmp_path, """\
      - {iccid: "8988228066602306770", status: Disabled, label: Pump, imei_lock: true,
         data_quota: {volume: 0, total_volume: 500, quota_exceeded_date: "2026-01-01 10:00:00"}}
      - generate: 2
      - {iccid: "1234"}
""")
    emulator = Emulator(Settings(clock="manual"), load_scenario(path))
    sims = emulator.list_sims(77, 1, 100, None, None).items
    assert [s.iccid for s in sims[:2]] == ["8988228066602306770", "1234"]
    assert len(sims) == 4
    first = sims[0]
    assert (first.status.value, first.label, first.imei_lock) == ("Disabled", "Pump", True)
    assert first.iccid_with_luhn == "89882280666023067709"
    assert first.data_quota.level == 2
    assert first.data_quota.exceeded is not None
    assert sims[1].label is None
    assert sims[1].imei is None
    again = Emulator(Settings(clock="manual", sims=5), load_scenario(path))
    assert again.sims.count(77) == 2 + 5


@pytest.mark.parametrize(("sims", "needle"), [
    ('      - {imsi: "1"}\n', "organisations[0].sims[0].iccid: required"),
    ('      - {iccid: "1"}\n      - {iccid: "1"}\n', "sims[1].iccid: 1 is listed twice"),
    ('      - {iccid: "1", colour: red}\n', "sims[0]: unknown field(s) colour"),
    ('      - {iccid: "1", connection: SLEEPY}\n', "sims[0].connection: one of ONLINE"),
    ('      - {iccid: "1", activation_date: yesterday}\n', "activation_date: 'yesterday'"),
    ('      - {iccid: "1", data_quota: {total_volume: 5}}\n', "data_quota.volume: required"),
    ("      - 5\n", "sims[0]: 5 is not a mapping"),
])
def test_a_wrong_sim_is_refused_naming_the_field(tmp_path: Path, sims: str, needle: str) -> None:
    with pytest.raises(FixtureError, match=None) as caught:
        load_scenario(scenario_file(tmp_path, sims))
    assert needle in str(caught.value)


def test_orders_are_served_as_given_and_new_ones_numbered_after_them(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, "      - {iccid: '1'}\n", """\
    orders:
      - {order_number: 2000000040, order_type: TOPUP, order_date: "2025-01-02T03:04:05Z",
         order_status: COMPLETED, invoice_number: "20000040", invoice_amount: "11.90",
         currency: EUR, sims: ["1"]}
""")
    emulator = Emulator(Settings(clock="manual"), load_scenario(path))
    [order] = emulator.orders.all()
    assert (order.number, order.iccids, order.org_id) == (2000000040, ["1"], 77)
    assert emulator.orders.place(77, order.order_type, order.date, iccids=["1"]).number \
        == 2000000041
    with pytest.raises(FixtureError,
                       match=r"orders\[0\].order_status: 'LOST' is not one of CREATED"):
        load_scenario(scenario_file(tmp_path, "      - {iccid: '1'}\n", """\
    orders: [{order_number: 1, order_date: "2025-01-01", order_status: LOST}]
"""))
