"""`POST /v1/sims/simTransfer` with a range missing one end: it names no SIM and is ignored
(the contract's `IccidRange`), while the rest of the request still applies."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.conftest import API


@pytest.mark.parametrize("end", ["from", "to"])
def test_a_range_with_one_end_is_ignored_and_the_listed_sim_moves(
        client: TestClient, auth: dict[str, str], iccid: str, end: str) -> None:
    sims = client.get(f"{API}/v1/sims", params={"pageSize": 100}, headers=auth).json()
    other = next(s["iccid"] for s in sims if s["iccid"] != iccid)
    response = client.post(f"{API}/v1/sims/simTransfer", headers=auth, json={
        "target_organisation": 5678, "iccids": [iccid], "iccid_ranges": [{end: other}]})
    assert (response.status_code, response.content) == (201, b"")
    left = {s["iccid"] for s in client.get(f"{API}/v1/sims", params={"pageSize": 100},
                                           headers=auth).json()}
    assert left == {s["iccid"] for s in sims} - {iccid}
