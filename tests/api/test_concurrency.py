"""50 concurrent clients against a live server: top-ups, data use, status changes, SMS,
connectivity resets and clock moves interleaved. Every invariant holds and nothing is 5xx.

Invariants: data volume = start + top-ups - use (no lost update under concurrent
read-modify-write), every accepted SMS is listed exactly once with a unique id, and no
webhook is delivered twice.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from mockbsc.config import Settings
from mockbsc.testing.receiver import WebhookReceiver
from mockbsc.testing.server import MockBSCServer, issue_token

CLIENTS = 50
CALLS = 16
TOPUP_MB = 500


def run_clients(client: Callable[[int], None], failures: list[BaseException]) -> None:
    """Run CLIENTS threads of `client` to the end; any exception a thread hit fails the test."""
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a client thread hung"
    assert not failures, failures[:3]


def test_fifty_concurrent_clients_keep_every_invariant() -> None:
    settings = Settings(clock="manual", token_ttl=30 * 24 * 3600, sms_delivery_delay=1.0,
                        update_delay=1.0, reset_delay=2.0, reattach_delay=1.0)
    with WebhookReceiver() as receiver, MockBSCServer(settings) as server:
        headers = issue_token(server.emulator).headers
        api = server.api_url
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as setup:
            sims = [s for s in setup.get(api + "/v1/sims", params={"pageSize": 100}).json()
                    if s["status"] == "Enabled"]
            for sim in sims:
                setup.post(f"/_mockbsc/sims/{sim['iccid']}/attach").raise_for_status()
            setup.put("/_mockbsc/orgs/4321/sms-forwarding",
                      json={"url": receiver.url}).raise_for_status()
            metered = [s["iccid"] for s in sims[:5]]  # top-ups, data use and SMS
            toggled = [s["iccid"] for s in sims[5:8]]  # status changes and resets
            start = {i: setup.get(f"{api}/v1/sims/{i}/quota/data").json()["volume"]
                     for i in metered}

        statuses: Counter[int] = Counter()
        topups: Counter[str] = Counter()
        used: Counter[str] = Counter()
        sent: dict[str, list[int]] = {i: [] for i in metered}
        lock = threading.Lock()
        failures: list[BaseException] = []

        def client(n: int) -> None:
            rng = random.Random(n)
            try:
                with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
                    for _ in range(CALLS):
                        one_call(http, rng)
            except BaseException as exc:  # surfaced in the test thread below
                failures.append(exc)

        def one_call(http: httpx.Client, rng: random.Random) -> None:
            kind = rng.choice(["topup", "use", "use", "sms", "status", "reset", "read", "tick"])
            iccid = rng.choice(toggled if kind in ("status", "reset") else metered)
            response: Any
            if kind == "topup":
                response = http.post(f"{api}/v1/sims/{iccid}/topup",  # credited at once
                                     params={"payment_method": "creditcard"})
            elif kind == "use":
                response = http.post(f"/_mockbsc/sims/{iccid}/consume", json={"data_mb": 1})
            elif kind == "sms":
                response = http.post(f"{api}/v1/sims/{iccid}/sms",
                                     json={"payload": f"n{rng.random():.6f}"})
            elif kind == "status":
                response = http.put(f"{api}/v1/sims/{iccid}",
                                    json={"status": rng.choice(["Enabled", "Disabled"])})
            elif kind == "reset":
                response = http.post(f"{api}/v1/sims/{iccid}/reset")
            elif kind == "read":
                response = http.get(f"{api}/v1/sims/{iccid}")
            else:
                response = http.post("/_mockbsc/clock/advance", json={"seconds": 1})
            with lock:
                statuses[response.status_code] += 1
                if kind == "topup" and response.status_code == 201:
                    topups[iccid] += 1
                elif kind == "use" and response.status_code == 200:
                    used[iccid] += 1
                elif kind == "sms" and response.status_code == 201:
                    sent[iccid].append(int(response.headers["Location"].rsplit("/", 1)[1]))

        run_clients(client, failures)
        assert sum(statuses.values()) == CLIENTS * CALLS
        assert not [s for s in statuses if s >= 500], statuses

        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as check:
            check.post("/_mockbsc/clock/advance", json={"seconds": 600}).raise_for_status()
            for iccid in metered:
                volume = check.get(f"{api}/v1/sims/{iccid}/quota/data").json()["volume"]
                expected = start[iccid] + TOPUP_MB * topups[iccid] - used[iccid]
                assert abs(volume - expected) < 1e-6, (iccid, volume, expected)
                listed = [s["id"] for s in check.get(f"{api}/v1/sims/{iccid}/sms",
                                                     params={"pageSize": 100}).json()]
                assert len(listed) == len(set(listed))
                assert sorted(sent[iccid]) == sorted(i for i in listed if i in sent[iccid])
                assert set(sent[iccid]) <= set(listed)
            deliveries = check.get("/_mockbsc/webhooks").json()
        all_sent = [i for ids in sent.values() for i in ids]
        assert len(all_sent) == len(set(all_sent))
        ids = [d["id"] for d in deliveries]
        assert len(ids) == len(set(ids))
        received = Counter((r.method, r.json()["id"]) for r in receiver.requests)
        assert received
        assert max(received.values()) == 1, received.most_common(3)
        assert sum(topups.values())
        assert sum(used.values())
        assert all_sent
        server.check()


def test_state_resets_in_the_middle_of_traffic_never_cause_a_5xx() -> None:
    """A reset swaps every store while other requests are half-way: they may be refused
    (401: the reset dropped their token; 404: their SIM is gone), never a 5xx."""
    with MockBSCServer(Settings(clock="manual")) as server:
        statuses: Counter[int] = Counter()
        lock = threading.Lock()
        failures: list[BaseException] = []

        def client(n: int) -> None:
            rng = random.Random(n)
            try:
                with httpx.Client(base_url=server.url, timeout=60) as http:
                    for _ in range(CALLS):
                        if n % 10 == 0:
                            response = http.post("/_mockbsc/reset",
                                                 json={"sims": rng.choice([5, 20])})
                        else:
                            token = http.post(server.api_url + "/oauth/token",
                                              auth=("demo", "demo-password"),
                                              data={"grant_type": "client_credentials"})
                            headers = {"Authorization": "Bearer "
                                       + token.json().get("access_token", "")}
                            sims = http.get(server.api_url + "/v1/sims", headers=headers)
                            iccid = (sims.json() or [{"iccid": "1"}])[0]["iccid"] \
                                if sims.status_code == 200 else "1"
                            response = http.post(f"{server.api_url}/v1/sims/{iccid}/topup",
                                                 headers=headers)
                        with lock:
                            statuses[response.status_code] += 1
            except BaseException as exc:  # surfaced in the test thread below
                failures.append(exc)

        run_clients(client, failures)
        assert not [s for s in statuses if s >= 500], statuses
        assert statuses[201] > 0
        server.check()


def test_a_filtered_listing_of_a_big_fleet_holds_up_neither_the_loop_nor_other_calls() -> None:
    """The first filter of a big fleet reads every seeded IMEI (seconds for a million SIMs).
    That read is held here until the test lets it go: meanwhile `/health` and a lookup of a
    SIM must be answered, so it runs neither on the event loop nor under the platform's lock."""
    with MockBSCServer(Settings(clock="manual", sims=5_000)) as server:
        registry = server.emulator.sims
        reading, go_on = threading.Event(), threading.Event()
        real = registry.prepare_filters

        def slow_read(org_id: int) -> None:
            reading.set()
            go_on.wait(30)
            real(org_id)

        registry.prepare_filters = slow_read  # type: ignore[method-assign]
        headers = {"Authorization": f"Bearer {issue_token(server.emulator)}"}
        answers: dict[str, httpx.Response] = {}

        def filtered() -> None:
            with httpx.Client(base_url=server.api_url, timeout=60) as http:
                answers["filter"] = http.get("/v1/sims", params={"q": "imei:0"},
                                             headers=headers)

        worker = threading.Thread(target=filtered)
        worker.start()
        try:
            assert reading.wait(30), "the filtered listing never reached the IMEI read"
            with httpx.Client(base_url=server.url, timeout=10) as http:
                assert http.get("/health").status_code == 200
                one = http.get(server.api_url + "/v1/sims", params={"pageSize": 1},
                               headers=headers)
                assert one.status_code == 200
                sim = http.get(f"{server.api_url}/v1/sims/{one.json()[0]['iccid']}",
                               headers=headers)
                assert sim.status_code == 200
            assert "filter" not in answers  # still held: the calls above went past it
        finally:
            go_on.set()
            worker.join(60)
        assert answers["filter"].status_code == 200
        assert answers["filter"].json() == []
        server.check()
