"""A state document is checked in full before it lands: each kind of damage is named exactly
(store, attribute, field and why) and the running state stays as it was."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

pytestmark = pytest.mark.mockbsc(sims=2)

Doc = dict[str, Any]
STATUS = "mockbsc.domain.fleet.models:SimStatus"


def _stores(d: Doc) -> Any:
    return d["stores"]


def _events(d: Doc) -> Any:
    return _stores(d)["events"]


def _sim(d: Doc) -> Any:
    return _stores(d)["sims"]["_by_iccid"]["$map"][0][1]


def _next_id(value: Any) -> Callable[[Doc], None]:
    return lambda d: _events(d).update(_next_id=value)


def _clock(**clock: Any) -> Callable[[Doc], None]:
    return lambda d: d.update(clock=clock)


INT = "does not have the type <class 'int'>"
CASES: list[tuple[str, Callable[[Doc], None], str]] = [
    ("version", lambda d: d.update(version=2), "state: version 2 is not 1"),
    ("extra-store", lambda d: _stores(d).update(extra={}),
     "state.stores: must have exactly emulator, events, orders, scheduler, sims, sms, tokens, "
     "usage, webhooks"),
    ("store-not-an-object", lambda d: _stores(d).update(events=[]),
     "state.stores.events: must have exactly _by_iccid, _next_id"),
    ("text-for-int", _next_id("1"), f"state.stores.events._next_id: {INT}"),
    ("bool-for-int", _next_id(True), f"state.stores.events._next_id: {INT}"),
    ("float-for-int", _next_id(1.5), f"state.stores.events._next_id: {INT}"),
    ("date-for-int", _next_id({"$date": "2026-01-01"}), f"state.stores.events._next_id: {INT}"),
    ("set-for-int", _next_id({"$set": [1]}), f"state.stores.events._next_id: {INT}"),
    ("deque-for-int", _next_id({"$deque": [1]}), f"state.stores.events._next_id: {INT}"),
    ("empty-object", _next_id({}), "state.stores.events._next_id: unexpected dict"),
    ("bad-duration", _next_id({"$td": "x"}),
     "state.stores.events._next_id: malformed value (ValueError: could not convert string to "
     "float: 'x')"),
    ("tuple-of-a-number", _next_id({"$tuple": 3}),
     "state.stores.events._next_id: malformed value (TypeError: expected a list)"),
    ("map-of-a-number", lambda d: _events(d).update(_by_iccid={"$map": 1}),
     "state.stores.events._by_iccid: malformed value (TypeError: expected a list)"),
    ("map-key-of-wrong-type", lambda d: _events(d).update(_by_iccid={"$map": [[1, []]]}),
     "state.stores.events._by_iccid: does not have the type "
     "dict[str, list[mockbsc.domain.fleet.models.SimEvent]]"),
    ("unknown-enum-value", _next_id({"$enum": STATUS, "v": "x"}),
     "state.stores.events._next_id: malformed value (ValueError: 'x' is not a valid SimStatus)"),
    ("enum-of-a-dataclass", _next_id({"$enum": "mockbsc.domain.fleet.models:Sim", "v": "x"}),
     "state.stores.events._next_id: malformed value (TypeError: "
     "'mockbsc.domain.fleet.models:Sim' is not a mockbsc domain class)"),
    ("enum-outside-the-domain", _next_id({"$enum": "os:sep", "v": "x"}),
     "state.stores.events._next_id: malformed value (TypeError: "
     "'os:sep' is not a mockbsc domain class)"),
    ("enum-of-a-constant",
     _next_id({"$enum": "mockbsc.domain.fleet.models:PEAK_THROUGHPUT", "v": 1}),
     "state.stores.events._next_id: malformed value (TypeError: "
     "'mockbsc.domain.fleet.models:PEAK_THROUGHPUT' is not a mockbsc domain class)"),
    ("object-of-an-enum", lambda d: _sim(d).update({"$obj": STATUS}),
     f"state.stores.sims._by_iccid: {STATUS} is not a state class"),
    ("fields-not-an-object", lambda d: _sim(d).update(f=[]),
     "state.stores.sims._by_iccid: Sim needs exactly the fields iccid, iccid_with_luhn, imsi, "
     "msisdn, org_id, status, activation_date, ip_address, imei_lock, data_quota, sms_quota, "
     "device, imei, label, history_seed, history_loaded, auto_topup"),
    ("text-for-org-id", lambda d: _sim(d)["f"].update(org_id="4321"),
     "state.stores.sims._by_iccid: Sim.org_id: '4321' is not <class 'int'>"),
    ("bool-for-volume", lambda d: _sim(d)["f"]["data_quota"]["f"].update(volume=True),
     "state.stores.sims._by_iccid: Quota.volume: True is not <class 'float'>"),
    ("unknown-sms", lambda d: _stores(d)["sms"].update(
        _by_iccid={"$map": [["8988280666030217999", [5]]]}),
     "state.stores.sms: _by_iccid names an unknown SMS"),
    ("unknown-delivery", lambda d: _stores(d)["webhooks"].update(
        _queues={"$map": [["http://x", {"$deque": [5]}]]}),
     "state.stores.webhooks: a queue names an unknown delivery"),
    ("dangling-reference", _next_id({"$ref": 999}),
     "state.stores.events._next_id: reference 999 to an object not seen before"),
    ("unknown-tags", _next_id({"$zz": 1, "$aa": 2}),
     "state.stores.events._next_id: unknown tag '$aa'"),
    ("nested-65-deep", _next_id(json.loads("[" * 66 + "]" * 66)),
     "state.stores.events._next_id: nested too deeply"),
    ("nested-64-deep", _next_id(json.loads("[" * 64 + "]" * 64)),
     f"state.stores.events._next_id: {INT}"),
    ("naive-clock", _clock(mode="manual", now="2026-01-01T00:00:00", offset_seconds=0),
     "state.clock: now needs a time zone; mode is manual or system"),
    ("clock-not-a-date", _clock(mode="manual", now="x", offset_seconds=0),
     "state.clock: needs mode, now (ISO 8601) and offset_seconds"),
]


@pytest.mark.parametrize(("change", "message"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_damaged_state_is_refused_by_name_and_changes_nothing(
        client: TestClient, change: Callable[[Doc], None], message: str) -> None:
    document = client.get("/_mockbsc/state").json()
    damaged = copy.deepcopy(document)
    change(damaged)
    response = client.put("/_mockbsc/state", json=damaged)
    assert response.status_code == 400
    assert response.json() == {"error": "BadRequest", "message": message}
    assert client.get("/_mockbsc/state").json() == document


def test_integral_volume_and_any_label_are_accepted(client: TestClient) -> None:
    document = client.get("/_mockbsc/state").json()
    _sim(document)["f"]["data_quota"]["f"]["volume"] = 5
    _sim(document)["f"]["label"] = "x" * 100
    response = client.put("/_mockbsc/state", json=document)
    assert response.status_code == 200
    assert response.json() == {"status": "restored", "sims": 22}
    assert _sim(client.get("/_mockbsc/state").json())["f"]["label"] == "x" * 100
