"""A RAT that 1NCE's table does not list (the domain API takes any text, the control API
only the enum) is reported as 4G in the PDP context, not an error."""

from __future__ import annotations

from starlette.testclient import TestClient

from mockbsc.domain.platform import Emulator
from tests.conftest import API


def test_an_unlisted_rat_is_reported_as_4g(client: TestClient, auth: dict[str, str],
                                           emulator: Emulator, iccid: str) -> None:
    emulator.attach(iccid, rat="LTE-Cat1")
    response = client.get(f"{API}/v1/sims/{iccid}/status", headers=auth)
    assert response.status_code == 200
    assert response.json()["pdp_context"]["rat_type"] == {"rat_type_id": "6",
                                                         "description": "4G"}
