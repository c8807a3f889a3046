"""The self-set limits' catalog and the limit a service reads back once one is chosen."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.errors import InvalidRequestError
from mockbsc.domain.fleet.limits import CATALOG, LimitOption, _options, option
from tests.conftest import API


def test_options_are_numbered_from_one_with_their_limit_as_text() -> None:
    """`_options` builds the catalog when the module is imported, before mutmut chooses a
    mutant in its forked child: this test builds a list itself so a change to it shows."""
    assert _options("smsMT", "SMS", (10, 25)) == (LimitOption("smsMT", 1, "10", "SMS"),
                                                  LimitOption("smsMT", 2, "25", "SMS"))
    assert CATALOG["data"] == _options("data", "MB", (16, 32, 64, 128, 256, 500))


def test_a_service_reads_back_the_limit_chosen_for_it(client: TestClient,
                                                      auth: dict[str, str]) -> None:
    assert client.post(f"{API}/v1/sims/limits", headers=auth,
                       json={"dataLimitId": 4, "smsMoLimitId": 3}).status_code == 201
    assert client.get(f"{API}/v1/sims/data/limits", headers=auth).json() == {
        "data": {"id": 4, "limit": "128", "unit": "MB"}}
    assert client.get(f"{API}/v1/sims/smsMO/limits", headers=auth).json() == {
        "smsMo": {"id": 3, "limit": "50", "unit": "SMS"}}
    assert client.get(f"{API}/v1/sims/smsMT/limits", headers=auth).json() == {
        "smsMt": {"id": 1, "limit": "10", "unit": "SMS"}}  # none chosen: the first option


def test_an_id_no_list_offers_is_refused_naming_the_ids_and_the_list() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        option("data", 9)
    assert caught.value.message == ("data limit id 9 is not one of 1, 2, 3, 4, 5, 6 "
                                    "(GET /v1/sims/data/limits)")
