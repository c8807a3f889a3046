"""State export and import: the whole state out as JSON and back, checked before it lands."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.platform import Emulator
from mockbsc.domain.state.snapshot import (
    NOT_STATE,
    export_state,
    state_attributes,
)
from mockbsc.testing.receiver import WebhookReceiver
from tests.conftest import API

pytestmark = pytest.mark.mockbsc(token_ttl=30 * 24 * 3600)
HOOK = "http://127.0.0.1:9/unreachable"  # nothing listens: deliveries stay pending


def busy_state(client: TestClient, auth: dict[str, str], iccid: str) -> dict[str, int]:
    """Top-up, queued label change, order, pending webhook and a buffered MT SMS."""
    assert client.post(f"{API}/v1/sims/{iccid}/topup", headers=auth).status_code == 201
    assert client.put(f"{API}/v1/sims/{iccid}", headers=auth,
                      json={"label": "restored"}).status_code == 200
    order = client.post(f"{API}/v1/orders", headers=auth, json={
        "products": [{"productId": 1001, "quantity": 2}]})
    assert order.status_code in (200, 201), order.text
    assert client.put("/_mockbsc/orgs/4321/sms-forwarding", json={"url": HOOK}).status_code == 200
    mo = client.post(f"/_mockbsc/sims/{iccid}/mo-sms", json={"payload": "hello"})
    assert mo.status_code == 201, mo.text
    # the first attempt (refused) is made now, not by the pump in the middle of the test
    assert client.post("/_mockbsc/clock/advance", json={"seconds": 0}).status_code == 200
    assert client.post(f"/_mockbsc/sims/{iccid}/detach").status_code == 200
    mt = client.post(f"{API}/v1/sims/{iccid}/sms", headers=auth,
                     json={"payload": "buffered", "source_address": "1234567"})
    assert mt.status_code == 201, mt.text
    sms = client.get(f"{API}/v1/sims/{iccid}/sms", headers=auth).json()
    return {"mo": int(mo.json()["ids"][0]), "mt": max(s["id"] for s in sms)}


def test_export_import_round_trip_keeps_everything(
        client: TestClient, auth: dict[str, str], iccid: str, emulator: Emulator) -> None:
    ids = busy_state(client, auth, iccid)
    exported = client.get("/_mockbsc/state")
    assert exported.status_code == 200
    document = exported.json()
    assert document["format"] == "mockbsc-state"
    client.post("/_mockbsc/reset")
    assert client.get(f"{API}/v1/sims/{iccid}/sms", headers=auth).status_code == 401
    loaded = client.put("/_mockbsc/state", json=document)
    assert loaded.status_code == 200, loaded.text
    assert loaded.json() == {"status": "restored", "sims": len(emulator.sims)}
    assert client.get("/_mockbsc/state").json() == document
    # the old token works again, the buffered SMS and the pending webhook are back
    sms = {s["id"]: s for s in client.get(f"{API}/v1/sims/{iccid}/sms", headers=auth).json()}
    assert sms[ids["mt"]]["status"]["description"] == "BUFFERED"
    pending = client.get("/_mockbsc/webhooks", params={"status": "pending"}).json()
    assert [d["kind"] for d in pending] == ["mo"]
    # queued work goes on after the restore: the label change applies when due
    client.post("/_mockbsc/clock/advance", json={"seconds": 5})
    assert client.get(f"{API}/v1/sims/{iccid}", headers=auth).json()["label"] == "restored"


def test_every_attribute_is_declared_state_or_not(emulator: Emulator) -> None:
    """A new attribute must be classified here, or it would be lost across a restart."""
    hint = "classify it in mockbsc/domain/state/snapshot.py: _state_types() or NOT_STATE"
    owners = state_attributes()
    platform_attrs = owners["emulator"] | NOT_STATE["emulator"] | (set(owners) - {"emulator"})
    assert set(vars(emulator)) == platform_attrs, (set(vars(emulator)) ^ platform_attrs, hint)
    for owner, attrs in owners.items():
        if owner == "emulator":
            continue
        found = set(vars(getattr(emulator, owner)))
        expected = attrs | NOT_STATE.get(owner, frozenset())
        assert found == expected, (owner, found ^ expected, hint)


def _broken(document: dict[str, Any]) -> list[tuple[str, Any]]:
    def edit(change: Any) -> dict[str, Any]:
        copied = copy.deepcopy(document)
        change(copied)
        return copied

    sims = lambda d: d["stores"]["sims"]["_by_iccid"]["$map"]  # noqa: E731
    return [
        ("not-an-object", [1, 2]),
        ("wrong-format", {**document, "format": "other"}),
        ("wrong-version", {**document, "version": 99}),
        ("missing-store", edit(lambda d: d["stores"].pop("sms"))),
        ("extra-attribute", edit(lambda d: d["stores"]["sims"].update(x=1))),
        ("wrong-enum", edit(lambda d: sims(d)[0][1]["f"]["status"].update(v="Exploded"))),
        ("wrong-type", edit(lambda d: sims(d)[0][1]["f"].update(label=12))),
        ("missing-field", edit(lambda d: sims(d)[0][1]["f"].pop("label"))),
        ("foreign-class", edit(lambda d: sims(d)[0][1].update({"$obj": "os:_wrap_close"}))),
        ("dangling-ref", edit(lambda d: sims(d)[0].__setitem__(1, {"$ref": 10 ** 9}))),
        ("unknown-tag", edit(lambda d: sims(d)[0].__setitem__(1, {"$eval": "1"}))),
        ("bad-date", edit(lambda d: d["stores"]["emulator"].update(seeded_at={"$dt": "x"}))),
        ("naive-date", edit(lambda d: d["stores"]["emulator"].update(
            seeded_at={"$dt": "2026-01-01T00:00:00"}))),
        ("orphan-sim", edit(lambda d: d["stores"]["sims"]["_by_org"]["$map"].pop())),
        ("bad-clock", edit(lambda d: d.update(clock={"mode": "manual"}))),
        ("deep", edit(lambda d: d["stores"]["emulator"].update(
            _next_change=json.loads("[" * 200 + "]" * 200)))),
    ]


def test_bad_documents_get_a_400_and_change_nothing(
        client: TestClient, auth: dict[str, str], iccid: str, emulator: Emulator) -> None:
    busy_state(client, auth, iccid)
    document = client.get("/_mockbsc/state?secrets=true").json()
    for name, bad in _broken(document):
        response = client.put("/_mockbsc/state", json=bad)
        assert response.status_code == 400, (name, response.text)
        assert response.json()["message"], name
        assert export_state(emulator) == document, name


def test_import_into_a_fresh_emulator_of_another_seed(
        client: TestClient, auth: dict[str, str], iccid: str, emulator: Emulator) -> None:
    busy_state(client, auth, iccid)
    document = export_state(emulator)
    client.post("/_mockbsc/reset", json={"seed": 99, "sims": 3})
    assert client.put("/_mockbsc/state", json=document).status_code == 200
    assert export_state(emulator) == document


def test_a_document_written_before_the_capability_packages_still_loads(
    emulator: Emulator, client: TestClient, auth: dict[str, str], iccid: str
) -> None:
    """State files written by 0.1.0 name classes by their old modules (issue 10 moved them)."""
    client.post(f"{API}/v1/sims/{iccid}/sms", json={"payload": "old"}, headers=auth)
    client.put(f"{API}/v1/sims/{iccid}", json={"label": "queued"}, headers=auth)
    document = export_state(emulator)
    text = json.dumps(document)
    for new, old in (("mockbsc.domain.fleet.models:", "mockbsc.domain.models:"),
                     ("mockbsc.domain.orders.models:", "mockbsc.domain.models:"),
                     ("mockbsc.domain.access.models:", "mockbsc.domain.models:"),
                     ("mockbsc.domain.sms.records:", "mockbsc.domain.sms:"),
                     ("mockbsc.domain.sms.outbox:", "mockbsc.domain.webhooks:"),
                     ("mockbsc.domain.fleet.lifecycle:", "mockbsc.domain.emulator:")):
        text = text.replace(new, old)
    assert "mockbsc.domain.models:" in text
    assert "mockbsc.domain.emulator:" in text
    response = client.put("/_mockbsc/state", content=text,
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert export_state(emulator) == document


def test_a_document_whose_webhook_queues_are_deques_still_loads_and_delivers(
    emulator: Emulator, client: TestClient, auth: dict[str, str], iccid: str,
    mockbsc_webhook_receiver: WebhookReceiver,
) -> None:
    """Documents written before issue 14 hold each SIM's delivery queue as a `$deque`."""
    busy_state(client, auth, iccid)
    document = export_state(emulator)
    queues = document["stores"]["webhooks"]["_queues"]["$map"]
    assert queues
    assert all(isinstance(ids, list) for _, ids in queues)
    for pair in queues:
        pair[1] = {"$deque": pair[1]}
    client.post("/_mockbsc/reset")
    assert client.put("/_mockbsc/state", json=document).status_code == 200
    receiver = mockbsc_webhook_receiver
    assert client.put("/_mockbsc/orgs/4321/sms-forwarding",
                      json={"url": receiver.url}).status_code == 200
    assert client.post("/_mockbsc/clock/advance", json={"seconds": 301}).status_code == 200
    assert len(receiver.requests) == 1
    assert client.get("/_mockbsc/webhooks", params={"status": "pending"}).json() == []
