"""Sandbox figures (issue 15), on one `mockbsc serve --fd N` process:

- create: `PUT /_mockbsc/sandboxes/{id}` of a 50-SIM sandbox (manual clock, the server's
  seed, as the pytest plugin makes them), HTTP round trip on a keep-alive connection, median
  of 100 (with --quick: 30); target <= 15 ms. A seed the process has not seen yet costs more
  the first time: Faker draws its device-name pool (kept in the user's cache from then on).
- memory: the server's RSS with those 100 sandboxes (each used once: a token, a listing)
  minus its RSS before the first; target <= 300 MB (--quick: 30 sandboxes, scaled to 100).
- isolation: 8 clients in 8 sandboxes at once, in rounds started together (a barrier), each
  changing its clock, fleet, faults and journal and checking that it sees exactly its own;
  target: no request of one affects another (0 surprises). `isolation_problems()` is also
  what `tests/api/test_sandbox_isolation.py` runs against a live server.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from benchmarks import procs
from benchmarks.report import Figure

CREATE_TARGET_MS = 15.0
MEMORY_TARGET_MB = 300.0
SIMS = 50


def measure(quick: bool, log: Callable[[str], None]) -> list[Figure]:
    count = 30 if quick else 100
    with procs.serve(procs.mockbsc_command("--max-sandboxes", "1000")) as server:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            client.put("/_mockbsc/sandboxes/warm-up", json={"sims": SIMS, "clock": "manual"})
            client.delete("/_mockbsc/sandboxes/warm-up")
            before = server.rss_mb()
            log(f"creating {count} sandboxes of {SIMS} SIMs")
            timings, cpu, health = [], 0.0, []
            for n in range(count):
                started = time.perf_counter()
                client.get("/health")  # the machine's floor: a call that does nothing
                health.append((time.perf_counter() - started) * 1000)
                cpu_before, started = server.cpu_seconds(), time.perf_counter()
                response = client.put(f"/_mockbsc/sandboxes/bench-{n}",
                                      json={"sims": SIMS, "clock": "manual"})
                timings.append((time.perf_counter() - started) * 1000)
                cpu += server.cpu_seconds() - cpu_before
                if response.status_code != 201:
                    raise RuntimeError(f"create answered {response.status_code}")
                _use(client, f"/sandboxes/bench-{n}")
            grown = (server.rss_mb() - before) * 100 / count
        log("8 clients in 8 sandboxes")
        started = time.perf_counter()
        problems, calls = isolation_problems(server.url, clients=8, rounds=5 if quick else 20)
        elapsed = time.perf_counter() - started
    median = statistics.median(timings)
    p90 = statistics.quantiles(timings, n=10)[-1]
    scaled = " (scaled from 30)" if quick else ""
    return [
        Figure("sandbox create, 50 SIMs (median)", f"{median:.1f} ms",
               f"<= {CREATE_TARGET_MS:.0f} ms", median <= CREATE_TARGET_MS,
               f"p90 {p90:.1f} ms, server CPU {cpu * 1000 / count:.1f} ms per create, "
               f"GET /health {statistics.median(health):.1f} ms; {count} creates over HTTP"),
        Figure("100 sandboxes of 50 SIMs: RSS growth", f"{grown:.0f} MB",
               f"<= {MEMORY_TARGET_MB:.0f} MB", grown <= MEMORY_TARGET_MB,
               f"over an empty server's {before:.0f} MB{scaled}"),
        Figure("8 clients in 8 sandboxes: cross-effects", str(len(problems)), "0",
               not problems, (problems[0][:120] if problems else
                              f"{calls} checked calls in {elapsed:.1f} s")),
    ]


def _use(client: httpx.Client, base: str) -> None:
    token = client.post(f"{base}/management-api/oauth/token", auth=("demo", "demo-password"),
                        data={"grant_type": "client_credentials"}).json()["access_token"]
    client.get(f"{base}/management-api/v1/sims", headers={"Authorization": f"Bearer {token}"})


def isolation_problems(server_url: str, clients: int = 8, rounds: int = 10,
                       headers: dict[str, str] | None = None) -> tuple[list[str], int]:
    """Run `clients` clients, each in a sandbox of its own, in rounds they start together;
    (what any of them saw that was not its own doing, how many calls were checked)."""
    barrier = threading.Barrier(clients, timeout=120)
    problems: list[str] = []
    counted = [0] * clients

    def client_run(index: int) -> None:
        try:
            counted[index] = _client(server_url, index, rounds, barrier, problems, headers or {})
        except Exception as exc:  # a crash is a finding too, and must not hang the others
            problems.append(f"client {index}: {exc!r}")
            barrier.abort()

    threads = [threading.Thread(target=client_run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return problems, sum(counted)


def _client(server_url: str, index: int, rounds: int, barrier: threading.Barrier,
            problems: list[str], admin: dict[str, str]) -> int:
    sandbox_id = f"iso-{index}-{time.monotonic_ns()}"
    sims = 10 + index
    calls = 0
    with httpx.Client(base_url=server_url, timeout=60, headers=admin) as http:
        created = http.put(f"/_mockbsc/sandboxes/{sandbox_id}",
                           json={"sims": sims, "seed": index, "clock": "manual"})
        if created.status_code != 201:
            raise RuntimeError(f"create answered {created.status_code}: {created.text}")
        base = f"/sandboxes/{sandbox_id}"
        api = base + "/management-api"
        token = http.post(f"{api}/oauth/token", auth=("demo", "demo-password"),
                          data={"grant_type": "client_credentials"}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        fleet = http.get(f"{api}/v1/sims", params={"pageSize": 100}, headers=auth).json()
        iccid = fleet[0]["iccid"]
        offset = 0.0
        http.delete(f"{base}/_mockbsc/requests")

        def expect(what: str, seen: Any, wanted: Any) -> None:
            nonlocal calls
            calls += 1
            if seen != wanted:
                problems.append(f"client {index} round {r}: {what} was {seen!r}, not {wanted!r}")

        for r in range(rounds):
            barrier.wait()  # every client's round runs at the same time
            label = f"client-{index}-round-{r}"
            put = http.put(f"{api}/v1/sims/{iccid}", json={"label": label}, headers=auth)
            expect("label change", put.status_code, 200)
            step = index + 1.0
            http.post(f"{base}/_mockbsc/clock/advance", json={"seconds": step + 5})
            offset += step + 5
            fault = http.post(f"{base}/_mockbsc/faults",
                              json={"operation": "getSmsQuotaForSimUsingGET", "status": 503,
                                    "times": 1}).json()
            quota = [http.get(f"{api}/v1/sims/{iccid}/quota/sms", headers=auth).status_code
                     for _ in range(2)]
            expect("fault answers", quota, [503, 200])
            http.delete(f"{base}/_mockbsc/faults/{fault['id']}")
            listed = http.get(f"{api}/v1/sims", params={"pageSize": 100}, headers=auth).json()
            expect("fleet size", len(listed), sims)
            expect("label", http.get(f"{api}/v1/sims/{iccid}", headers=auth).json()["label"],
                   label)
            expect("clock", http.get(f"{base}/_mockbsc/clock").json()["offset_seconds"], offset)
            journal = http.get(f"{base}/_mockbsc/requests").json()
            expect("journal", [e["operation"] for e in journal], [
                "updateSimUsingPUT", "getSmsQuotaForSimUsingGET", "getSmsQuotaForSimUsingGET",
                "getSimsUsingGET", "getSimUsingGET"])
            http.delete(f"{base}/_mockbsc/requests")
        http.delete(f"/_mockbsc/sandboxes/{sandbox_id}")
    return calls
