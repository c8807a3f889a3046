"""The fixtures file's JSON Schema: what it accepts, and errors that name the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mockbsc.adapters.fixtures_file import FixtureError, default_fixtures_path, load_scenario
from mockbsc.adapters.fixtures_schema import SCHEMA, problems


def test_the_default_fixtures_and_explicit_sims_and_orders_pass() -> None:
    assert problems(yaml.safe_load(default_fixtures_path().read_text())) == []
    document = {"organisations": [{"id": 1, "name": "A", "sims": [
        {"iccid": 8988228066602306770, "data_quota": {"volume": 1.5}, "imei_lock": False},
        {"generate": 3}], "orders": [{"order_number": 1, "order_date": "2025-01-01",
                                      "order_status": "SHIPPED", "sims": ["1", {"iccid": "2"}]}]}]}
    assert problems(document) == []
    assert SCHEMA["$schema"].endswith("2020-12/schema")


@pytest.mark.parametrize(("text", "needle"), [
    ("organisations: []\n", "organisations: needs at least 1 item(s)"),
    ("users: []\n", "organisations: required"),
    ("organisations: [{id: 1}]\n", "organisations[0].name: required"),
    ("organisations: [{id: one, name: A}]\n", "organisations[0].id: 'one' is not a whole number"),
    ("organisations: [{id: 1, name: A}]\nfleet: {sunny: 1}\n", "fleet: unknown field(s) sunny"),
    ("organisations: [{id: 1, name: A}]\nfleet: {online: 3}\n", "fleet.online: 3 is above 1"),
    ("organisations: [{id: 1, name: A, sims: -2}]\n", "organisations[0].sims: -2 is below 0"),
    ("organisations: [{id: 1, name: A, sims: [{generate: x}]}]\n",
     "organisations[0].sims[0].generate: 'x' is not a whole number"),
    ("organisations: [{id: 1, name: A}]\nusers: [{username: u, password: p}]\n",
     "users[0].organisation: required"),
    ("organisations: [{id: 1, name: A}]\ndefault_organisation: 2\n",
     "'default_organisation' 2 is not among the organisations"),
])
def test_a_wrong_file_names_the_field_and_no_python_class(
        tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "fixtures.yaml"
    path.write_text(text)
    with pytest.raises(FixtureError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert needle in message
    for internal in ("IndexError", "KeyError", "TypeError", "FleetMix", "OrderStatus",
                     "__init__", "Traceback"):
        assert internal not in message
