"""Requests per second of mockbsc against the reference, both under wrk at 32 connections.

mockbsc runs as `mockbsc serve` (system clock, so every request also runs due work) with a
fleet large enough that SMS quotas never run out during a run; the reference
(`benchmarks/reference.py`) serves the same fleet. Each call is measured like for like: the
reference gets the same requests (method, paths, body) and does the least that call needs
(a GET returns the SIM's JSON; a PUT, an SMS or a top-up parses the body, if any, stores it
and answers 200/201). Both serve at once and take turns under load, burst by burst.
Requests go round 2,000 SIMs of the demo organisation. A burst with socket errors or non-2xx
answers on either side invalidates the figure (`wrk.InvalidRun`).

The `GET` p99 is read from one longer burst of each server (`duration` seconds, at least 10,
the reference's first), not from the short paired ones: each wrk run opens its 32 connections
at once, and the first tens of milliseconds after that are slow for any server (the slowest
request of a burst took 20-30 ms on a trivial ASGI app, 35-47 ms on the reference, 50-70 ms
on mockbsc). In a 2-second burst that start is over 1 % of the requests, so its p99 measures
opening connections: mockbsc's fell from 10-18 ms in 1-second bursts to 4.8-5.7 ms in
2-second ones and 4.5 ms in 4-second ones, the reference's from 4-9 ms to 3.0-5.2 and 3.1-3.5
ms. The short bursts' p99 is still printed beside it.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from benchmarks import procs, wrk
from benchmarks.reference import TOKEN
from benchmarks.report import Figure

API = "/management-api"
FLEET = 10_000
CONNECTIONS = 32
# Issue 14's targets, against bare Starlette on uvloop + httptools (benchmarks/reference.py)
GET_FLOOR = 0.65
WRITE_FLOOR = 0.45
P99_CEILING_MS = 5.0
P99_SECONDS = 10.0  # the p99's own burst, --quick included: shorter ones measure the opening
SMS_HEADROOM = 100  # SMS left on a SIM the SMS scenario uses: more than one run sends it


def token(base_url: str) -> str:
    answer = httpx.post(f"{base_url}{API}/oauth/token", auth=("demo", "demo-password"),
                        data={"grant_type": "client_credentials"}, timeout=10)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def fleet_iccids(sims: int, seed: int = 1) -> tuple[list[str], list[str]]:
    """(all ICCIDs of the demo organisation, the enabled ones) for this fleet size."""
    from mockbsc.api.app import build_emulator
    from mockbsc.config import Settings
    from mockbsc.domain.fleet.models import SimStatus

    emulator = build_emulator(Settings(sims=sims, seed=seed, clock="manual"))
    org = emulator.scenario.default_org_id
    own = [s for s in emulator.sims.all() if s.org_id == org]
    # SMS go only to enabled SIMs with SMS left for a whole run: the seeded mix holds SIMs whose
    # SMS quota is low or used up, and those answer 400 (quota exhausted), as the platform does.
    return [s.iccid for s in own], [s.iccid for s in own if s.status is SimStatus.ENABLED
                                    and s.sms_quota.volume >= SMS_HEADROOM]


def scenarios(bearer: str, iccids: list[str], enabled: list[str]) -> dict[str, str]:
    """name -> wrk script; every request hits a different SIM of the demo organisation."""
    auth = {"Authorization": f"Bearer {bearer}"}
    json_auth = {**auth, "Content-Type": "application/json"}
    sims = [f"{API}/v1/sims/{i}" for i in iccids[:2000]]
    return {
        "GET /v1/sims/{iccid}": wrk.lua_script("GET", sims, auth),
        "PUT /v1/sims/{iccid}": wrk.lua_script(
            "PUT", sims, json_auth, json.dumps({"label": "bench", "imei_lock": False})),
        "POST /v1/sims/{iccid}/sms": wrk.lua_script(
            "POST", [f"{API}/v1/sims/{i}/sms" for i in enabled[:2000]], json_auth,
            json.dumps({"payload": "benchmark", "dcs": 0})),
        "POST /v1/sims/{iccid}/topup": wrk.lua_script(
            "POST", [f"{API}/v1/sims/{i}/topup" for i in iccids[:2000]], auth),
    }


@dataclass(slots=True)
class Burst:
    """One wrk run and the server CPU time it cost."""

    result: wrk.WrkResult
    cpu: float

    @property
    def cpu_us_per_request(self) -> float:
        return self.cpu / max(self.result.requests, 1) * 1e6


def burst(server: procs.Server, script: str, seconds: float) -> Burst:
    before = server.cpu_seconds()
    result = wrk.run(server.url, script, seconds, CONNECTIONS)
    return Burst(result, server.cpu_seconds() - before)


def measure(duration: float, log: Callable[[str], None], rounds: int = 4) -> list[Figure]:
    """Each scenario runs in `rounds` bursts, each paired with a burst of the reference.

    The verdict is the median over rounds of (our requests/s / the reference's in the burst
    just before): short alternating bursts let load from other processes fall on both sides,
    and the median drops a round that one side lost to a spike. Server CPU time per request
    is reported beside it: it does not depend on how much CPU other processes take.
    """
    iccids, enabled = fleet_iccids(FLEET)
    ref_command = procs.module_command("benchmarks.reference", "--sims", str(FLEET))
    seconds = max(duration / rounds, 1.0)
    figures: list[Figure] = []
    with procs.serve(ref_command) as ref, \
            procs.serve(procs.mockbsc_command("--sims", str(FLEET))) as mock:
        plans = scenarios(token(mock.url), iccids, enabled)
        ref_plans = scenarios(TOKEN, iccids, enabled)
        # warm-up both (and load the SIMs' seeded history)
        wrk.run(ref.url, ref_plans["GET /v1/sims/{iccid}"], 1)
        wrk.run(mock.url, plans["GET /v1/sims/{iccid}"], 2)
        for name, script in plans.items():
            pairs = [(burst(ref, ref_plans[name], seconds), burst(mock, script, seconds))
                     for _ in range(rounds)]
            steady = None
            if name.startswith("GET"):  # the p99's own burst (module docstring)
                long = max(duration, P99_SECONDS)
                steady = (burst(ref, ref_plans[name], long), burst(mock, script, long))
            figures += _figures(name, pairs, log, steady)
    return figures


def _figures(name: str, pairs: list[tuple[Burst, Burst]], log: Callable[[str], None],
             steady: tuple[Burst, Burst] | None = None) -> list[Figure]:
    """The ratio figure from the paired bursts; for a `GET`, the p99 figure too, from the
    `steady` (reference, mockbsc) bursts when given, else from the paired ones."""
    ratios = [ours.result.rps / theirs.result.rps for theirs, ours in pairs]
    ratio = statistics.median(ratios)
    ours = [o for _, o in pairs]
    our_rps = statistics.median(o.result.rps for o in ours)
    ref_rps = statistics.median(t.result.rps for t, _ in pairs)
    cpu_ratio = (statistics.median(t.cpu_us_per_request for t, _ in pairs)
                 / statistics.median(o.cpu_us_per_request for o in ours))
    p99 = short_p99 = statistics.median(o.result.p99_ms for o in ours)
    p50 = statistics.median(o.result.p50_ms for o in ours)
    ref_p99 = statistics.median(t.result.p99_ms for t, _ in pairs)
    log(f"{name}: ratios {', '.join(f'{r:.0%}' for r in ratios)}; mockbsc "
        f"{our_rps:,.0f} rps, {statistics.median(o.cpu_us_per_request for o in ours):.0f} "
        f"us CPU/request, p50 {p50:.2f} ms, p99 {p99:.2f} ms; reference "
        f"{ref_rps:,.0f} rps, {statistics.median(t.cpu_us_per_request for t, _ in pairs):.0f} "
        "us CPU/request")
    over = f"median of {len(ours)} bursts"
    if steady is not None:  # the short bursts' figures are logged above, these are the p99's
        p99, p50, ref_p99 = (steady[1].result.p99_ms, steady[1].result.p50_ms,
                             steady[0].result.p99_ms)
        over = (f"one burst of {steady[1].result.requests:,} requests; the short bursts' "
                f"median {short_p99:.1f} ms")
        log(f"{name} p99 burst: mockbsc {steady[1].result.summary()}; "
            f"reference {steady[0].result.summary()}")
    floor = GET_FLOOR if name.startswith("GET") else WRITE_FLOOR
    note = (f"{our_rps:,.0f} vs {ref_rps:,.0f} rps of the reference's {name.split()[0]}; "
            f"by server CPU/request {cpu_ratio:.0%}")
    figures = [Figure(f"{name} vs reference", f"{ratio:.0%}", f">= {floor:.0%}",
                      ratio >= floor, note)]
    if name.startswith("GET"):
        figures.append(Figure(f"{name} p99 @{CONNECTIONS} conns", f"{p99:.1f} ms",
                              f"< {P99_CEILING_MS:g} ms", p99 < P99_CEILING_MS,
                              f"p50 {p50:.2f} ms; {over}; "
                              f"reference p99 {ref_p99:.1f} ms, its mean "
                              f"{CONNECTIONS / ref_rps * 1000:.1f} ms (connections / rps: "
                              f"a p99 under {P99_CEILING_MS:g} ms needs over "
                              f"{CONNECTIONS / P99_CEILING_MS * 1000:,.0f} rps)"))
    return figures
