"""Scale figures: seeding 100,000 SIMs, their memory, deep pages, and a million SIMs.

- seeding: `Emulator(Settings(sims=100_000))` in a fresh interpreter (Faker pool included),
  wall and CPU seconds; CPU time is the verdict because other load on a shared machine
  stretches wall time but not the work done.
- memory: resident set (VmRSS) of a `mockbsc serve --sims 100000` process once it answers.
- pages: `GET /v1/sims?pageSize=100&page=1` against `page=1000` (the last page) on that
  server under wrk, alternating bursts; the verdict is the ratio of requests per second.
  A burst with socket errors or non-2xx answers invalidates the figure.
- one million SIMs (skipped with --quick): `mockbsc serve --sims 1000000`: time to first
  200, RSS, the median latency of single requests for page 1, page 10,000 and one SIM, and
  the time of the first and the second `q=imei:` filter (linear in the fleet).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import httpx

from benchmarks import procs, wrk
from benchmarks.report import Figure, skipped
from benchmarks.throughput import API, token

SEED_100K_S = 1.0  # issue 14's targets
MILLION_READY_S = 5.0
MILLION_RSS_MB = 600

SEED_SCRIPT = r"""
import json, resource, sys, time
from mockbsc.config import Settings
from mockbsc.domain.platform import Emulator
from mockbsc.adapters.fixtures_file import load_scenario
scenario = load_scenario()
wall, cpu = time.perf_counter(), time.process_time()
emulator = Emulator(Settings(sims=int(sys.argv[1]), clock="manual"), scenario)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(json.dumps({"wall": wall, "cpu": cpu, "sims": len(emulator.sims),
                  "rss_mb": int(status["VmRSS"].split()[0]) / 1024}))
"""


def seed_in_subprocess(sims: int) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", SEED_SCRIPT, str(sims)], capture_output=True,
                          text=True, check=True, cwd=procs.ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def median_latency_ms(client: httpx.Client, url: str, headers: dict[str, str],
                      n: int = 20) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        client.get(url, headers=headers).raise_for_status()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(quick: bool, duration: float, log: Callable[[str], None]) -> list[Figure]:
    seeded = seed_in_subprocess(100_000)
    log(f"seed 100k: {seeded}")
    figures = [Figure("seed 100,000 SIMs (CPU s, fresh process)", f"{seeded['cpu']:.2f} s",
                      "<= 1 s", seeded["cpu"] <= SEED_100K_S, f"wall {seeded['wall']:.2f} s")]
    with procs.serve(procs.mockbsc_command("--sims", "100000")) as server:
        rss = server.rss_mb()
        figures.append(Figure("RSS of `mockbsc serve --sims 100000`", f"{rss:.0f} MB",
                              "<= 250 MB", rss <= 250, "VmRSS once serving"))
        figures.append(_pages(server.url, duration, log))
    if quick:
        figures.append(skipped("1,000,000 SIMs", "works", "--quick"))
    else:
        figures += _million(log)
    return figures


def _pages(base_url: str, duration: float, log: Callable[[str], None]) -> Figure:
    auth = {"Authorization": f"Bearer {token(base_url)}"}
    first = wrk.lua_script("GET", [f"{API}/v1/sims?pageSize=100&page=1"], auth)
    deep = wrk.lua_script("GET", [f"{API}/v1/sims?pageSize=100&page=1000"], auth)
    wrk.run(base_url, first, 1)
    burst = max(duration / 2, 1.0)
    rps = {"first": 0.0, "deep": 0.0}
    for _ in range(2):
        rps["first"] += wrk.run(base_url, first, burst).rps
        rps["deep"] += wrk.run(base_url, deep, burst).rps
    ratio = max(rps.values()) / min(rps.values())
    log(f"pages: {rps}")
    return Figure("GET /v1/sims page 1 vs page 1,000 (cost ratio)", f"{ratio:.2f}x",
                  "<= 1.5x", ratio <= 1.5,
                  f"{rps['first'] / 2:,.0f} vs {rps['deep'] / 2:,.0f} rps, 100 per page")


def _million(log: Callable[[str], None]) -> list[Figure]:
    started = time.perf_counter()
    with procs.serve(procs.mockbsc_command("--sims", "1000000"), timeout=300) as server:
        ready = time.perf_counter() - started
        rss = server.rss_mb()
        auth = {"Authorization": f"Bearer {token(server.url)}"}
        with httpx.Client(base_url=server.url + API, timeout=30) as client:
            sims = client.get("/v1/sims", params={"pageSize": 1}, headers=auth)
            total = int(sims.headers["X-Total-Count"])
            iccid = sims.json()[0]["iccid"]
            page1 = median_latency_ms(client, "/v1/sims?pageSize=100&page=1", auth)
            deep = median_latency_ms(client, "/v1/sims?pageSize=100&page=10000", auth)
            one = median_latency_ms(client, f"/v1/sims/{iccid}", auth)
            filtered = []  # the first filter reads every seeded IMEI; later ones a column
            for _ in range(2):
                began = time.perf_counter()
                client.get("/v1/sims", params={"q": "imei:0000000000000000"}, headers=auth,
                           timeout=300).raise_for_status()
                filtered.append(time.perf_counter() - began)
    log(f"1M: ready {ready:.1f} s, rss {rss:.0f} MB, {total} SIMs, {page1:.1f}/{deep:.1f}/"
        f"{one:.1f} ms")
    return [
        Figure("1,000,000 SIMs: serve -> first 200", f"{ready:.1f} s", "<= 5 s",
               total >= 1e6 and ready <= MILLION_READY_S,
               f"{total:,} SIMs in the default organisation"),
        Figure("1,000,000 SIMs: RSS", f"{rss:,.0f} MB", "<= 600 MB", rss <= MILLION_RSS_MB),
        Figure("1,000,000 SIMs: GET page 1 / page 10,000 / one SIM",
               f"{page1:.1f}/{deep:.1f}/{one:.1f} ms", "report", None,
               "median of 20 single requests"),
        Figure("1,000,000 SIMs: GET ?q=imei: first / next", f"{filtered[0]:.1f}/"
               f"{filtered[1]:.1f} s", "report", None, "a filter looks at every SIM"),
    ]
