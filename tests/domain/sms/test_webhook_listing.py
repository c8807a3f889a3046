"""`GET /_mockbsc/webhooks` for a client that waits for deliveries: `attempted` tells a
delivery waiting for its retry from one not tried yet, `limit` keeps the newest N, and
`X-Total-Count` counts every match, so `limit=0` is a cheap call to poll."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.testing.receiver import WebhookReceiver

pytestmark = pytest.mark.mockbsc(token_ttl=30 * 24 * 3600)


def listing(client: TestClient, **params: str) -> tuple[list[dict[str, Any]], int]:
    response = client.get("/_mockbsc/webhooks", params=params)
    assert response.status_code == 200, response.text
    return response.json(), int(response.headers["X-Total-Count"])


def payloads(deliveries: list[dict[str, Any]]) -> list[str]:
    return [d["body"]["payload"] for d in deliveries]


@pytest.fixture
def three_waiting(client: TestClient, iccid: str, receiver: WebhookReceiver) -> str:
    """Three MO SMS of one SIM with the receiver down: the first was tried and waits for its
    retry, the two behind it (a SIM's messages go in order) have not been tried yet."""
    assert client.post(f"/_mockbsc/sims/{iccid}/attach").status_code == 200
    receiver.down()
    for n in (1, 2, 3):
        response = client.post(f"/_mockbsc/sims/{iccid}/mo-sms", json={"payload": f"t={n}"})
        assert response.status_code == 201, response.text
    assert client.post("/_mockbsc/clock/advance", json={"seconds": 1}).status_code == 200
    return iccid


def test_attempted_tells_a_retry_from_a_message_not_tried_yet(
        client: TestClient, three_waiting: str) -> None:
    tried, count = listing(client, status="pending", attempted="true")
    assert (payloads(tried), count) == (["t=1"], 1)
    assert tried[0]["attempts"][0]["error"]
    untried, count = listing(client, status="pending", attempted="false")
    assert (payloads(untried), count) == (["t=2", "t=3"], 2)
    assert all(d["attempts"] == [] for d in untried)


def test_limit_keeps_the_newest_matches_and_the_header_counts_them_all(
        client: TestClient, three_waiting: str) -> None:
    everything, count = listing(client)
    assert (payloads(everything), count) == (["t=1", "t=2", "t=3"], 3)
    assert listing(client, limit="2") == (everything[1:], 3)
    assert listing(client, limit="5") == (everything, 3)
    assert listing(client, limit="0") == ([], 3)
    assert listing(client, status="pending", attempted="true", limit="0") == ([], 1)
    assert listing(client, status="delivered", limit="0") == ([], 0)


def test_a_count_follows_the_deliveries(client: TestClient, three_waiting: str,
                                        receiver: WebhookReceiver) -> None:
    receiver.up()
    assert client.post("/_mockbsc/clock/advance", json={"seconds": 300}).status_code == 200
    assert listing(client, status="pending", limit="0") == ([], 0)
    assert listing(client, status="delivered", attempted="true", limit="0") == ([], 3)


@pytest.mark.parametrize(("query", "named"), [
    ({"limit": "-1"}, "limit"), ({"limit": "many"}, "limit"), ({"limit": "1000001"}, "limit"),
    ({"attempted": "maybe"}, "attempted"),
])
def test_a_bad_limit_or_attempted_is_a_400_naming_it(client: TestClient, query: dict[str, str],
                                                     named: str) -> None:
    response = client.get("/_mockbsc/webhooks", params=query)
    assert response.status_code == 400, response.text
    assert [e["name"] for e in response.json()["errors"]] == [named]
