"""`POST /_mockbsc/reset` reads the fixtures file again: editing it needs no restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mockbsc.config import Settings
from mockbsc.domain.platform import Emulator
from tests.conftest import API

FILE = """\
organisations: [{{id: 9, name: Nine, sims: {sims}}}]
users: [{{username: u, password: p, organisation: 9, user_id: 1}}]
products: [{{id: 5, product: {product}}}]
"""


@pytest.fixture
def fixtures(tmp_path: Path) -> Path:
    path = tmp_path / "fleet.yaml"
    path.write_text(FILE.format(sims=3, product="Old"))
    return path


@pytest.fixture
def settings(fixtures: Path) -> Settings:
    return Settings(clock="manual", fixtures=str(fixtures))


def test_reset_rereads_the_fixtures_file(client: TestClient, fixtures: Path,
                                         emulator: Emulator) -> None:
    assert emulator.sims.count(9) == 3
    fixtures.write_text(FILE.format(sims=7, product="New"))
    assert client.post("/_mockbsc/reset").json() == {"status": "reset", "sims": 7}
    token = client.post(f"{API}/oauth/token", auth=("u", "p"),
                        data={"grant_type": "client_credentials"}).json()["access_token"]
    products = client.get(f"{API}/v1/products",
                          headers={"Authorization": f"Bearer {token}"}).json()
    assert [p["product"] for p in products] == ["New"]


def test_a_broken_file_is_a_400_and_changes_nothing(client: TestClient, fixtures: Path,
                                                    emulator: Emulator) -> None:
    fixtures.write_text("organisations: []\n")
    response = client.post("/_mockbsc/reset")
    assert response.status_code == 400
    assert "organisations: needs at least 1 item(s)" in response.json()["message"]
    assert emulator.sims.count(9) == 3
