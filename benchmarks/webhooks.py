"""Webhook figures: deliveries per second to a fast receiver, and 10,000 pending retries.

- deliveries/s: `mockbsc serve --sims 20000 --clock manual`; wrk makes devices send MO SMS
  (`POST /_mockbsc/sims/{iccid}/mo-sms`, one per attached SIM) whose first forwarding attempt
  fails (closed port); then the URL is pointed at `benchmarks.receiver` (raw asyncio, answers
  200 at once) and one clock advance releases every retry. The figure is the receiver's
  count over the time from its first to its last request.
- pending retries: system clock, the forwarding URL at a closed port, so every first
  attempt fails and waits (default back-off: 5 minutes) for its retry. Resident memory
  before and after 10,000 such deliveries are pending (each of those SIMs read once before,
  so that its seeded history, made at a SIM's first read, is not counted, and one delivery
  sent before, so that the sender's one-time start is not either; the wait for them polls
  the listing's count, not the listing, whose answers would stay in the heap), and
  `GET /v1/sims/{iccid}` under wrk on that server against an identical one with none
  pending, in alternating bursts.

Both figures are drawn only from runs whose load was delivered: every MO SMS asked for was
answered 201 (no socket error, no other status) and became a delivery whose first attempt
failed, and every GET burst was clean; otherwise the section fails as invalid
(`wrk.InvalidRun`), never as a figure. A "closed port" is one held bound but never
listening (`mockbsc.testing.ports.refusing_port`), so nothing else can answer on it.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

import httpx

from benchmarks import procs, wrk
from benchmarks.report import Figure
from benchmarks.throughput import API, token
from mockbsc.testing.ports import refusing_port

FLEET = 20_000
PENDING = 10_000


def attached_iccids(sims: int) -> list[str]:
    from mockbsc.adapters.fixtures_file import load_scenario
    from mockbsc.config import Settings
    from mockbsc.domain.platform import Emulator

    emulator = Emulator(Settings(sims=sims, clock="manual"), load_scenario())
    org = emulator.scenario.default_org_id
    # An MO SMS counts against the SIM's SMS quota: SIMs the seeded mix left with none would
    # answer 400, so only SIMs with SMS to spare send.
    return [s.iccid for s in emulator.sims.all()
            if s.org_id == org and s.device.attached and s.sms_quota.volume >= 1]


def enqueue_mo(base_url: str, iccids: list[str], count: int) -> tuple[float, int]:
    """(seconds, answers) to make at least `count` devices send one MO SMS each.

    Raises:
        wrk.InvalidRun: fewer than `count` answers, or any that was not a 2xx.
    """
    if count > len(iccids):
        raise wrk.InvalidRun(f"{count} MO SMS asked but only {len(iccids)} attached SIMs")
    script = wrk.lua_script("POST", [f"/_mockbsc/sims/{i}/mo-sms" for i in iccids],
                            {"Content-Type": "application/json"},
                            json.dumps({"payload": "benchmark", "dcs": 0}), limit=count)
    started = time.perf_counter()
    result = wrk.run_limited(base_url, script, count)
    return time.perf_counter() - started, result.requests


def await_queued(base_url: str, sent: int, timeout: float = 120) -> int:
    """Wait until `sent` deliveries are pending with a failed first attempt; how many are.

    There may be a few more than wrk counted: requests in flight when wrk was stopped still
    reach the server, but wrk never reads their answers. The figures use this count.

    Raises:
        wrk.InvalidRun: not all of them within `timeout` seconds.
    """
    if not wait_for(lambda: waiting_retry(base_url) >= sent, timeout):
        raise wrk.InvalidRun(f"only {waiting_retry(base_url)} of {sent} deliveries pending "
                             f"after {timeout:.0f} s")
    return waiting_retry(base_url)


def waiting_retry(base_url: str) -> int:
    """How many deliveries are pending with a failed attempt: the listing's count alone.

    Polling the whole listing (every delivery with its attempts, ~1.2 KB each, four times a
    second) left one such answer's size, ~1.1 KB a delivery, in the server's heap (glibc
    keeps a freed large block's size as its mmap threshold), and the memory figure counted
    it as the deliveries' own.
    """
    answer = httpx.get(f"{base_url}/_mockbsc/webhooks",
                       params={"status": "pending", "attempted": "true", "limit": 0},
                       timeout=60)
    answer.raise_for_status()
    return int(answer.headers["X-Total-Count"])


def wait_for(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return False


def measure(quick: bool, duration: float, log: Callable[[str], None]) -> list[Figure]:
    iccids = attached_iccids(FLEET)
    return [_deliveries(iccids, 3000 if quick else 10_000, log),
            *_pending(iccids, 2000 if quick else PENDING, duration, log)]


def _deliveries(iccids: list[str], count: int, log: Callable[[str], None]) -> Figure:
    """Queue `count` deliveries whose first attempt failed, then release them all at once.

    On a manual clock with the forwarding URL at a closed port, every first attempt fails;
    the URL is then pointed at the receiver and the clock advanced past the first retry, so
    the sender works through all of them in one go and the API's enqueue rate plays no part.
    """
    receiver = procs.module_command("benchmarks.receiver")
    with refusing_port() as closed, procs.serve(receiver, health="/stats") as sink, \
            procs.serve(procs.mockbsc_command(
                "--sims", str(FLEET), "--clock", "manual", "--webhook-first-retry", "60",
                "--sms-forward-url", f"http://127.0.0.1:{closed}/sms")) as server:
        _, answered = enqueue_mo(server.url, iccids, count)
        sent = await_queued(server.url, answered)
        org = 4321  # the default organisation of the default fixtures
        httpx.put(f"{server.url}/_mockbsc/orgs/{org}/sms-forwarding",
                  json={"url": f"{sink.url}/sms"}, timeout=10).raise_for_status()
        cpu, started = server.cpu_seconds(), time.perf_counter()
        httpx.post(f"{server.url}/_mockbsc/clock/advance", json={"seconds": 61},
                   timeout=300).raise_for_status()
        took, cpu = time.perf_counter() - started, server.cpu_seconds() - cpu
        got = httpx.get(f"{sink.url}/stats", timeout=5).json()
    span = got["last"] - got["first"]
    rate = (got["count"] - 1) / span if span > 0 else 0.0
    log(f"deliveries: {sent} queued; advance took {took:.1f} s; receiver {got}")
    if got["count"] != sent:
        raise wrk.InvalidRun(f"the receiver got {got['count']} of {sent} deliveries")
    note = (f"{got['count']:,} of {sent:,} delivered by one clock advance in {took:.1f} s; "
            f"{cpu * 1000 / max(sent, 1):.2f} ms of server CPU each")
    return Figure("webhook deliveries/s to a fast local receiver", f"{rate:,.0f}/s",
                  ">= 2,500/s", rate >= 2500, note)


def _pending(iccids: list[str], count: int, duration: float,
             log: Callable[[str], None]) -> list[Figure]:
    """Two identical servers, one with `count` deliveries pending retry; alternating bursts."""
    with refusing_port() as closed:
        flags = ["--sims", str(FLEET), "--sms-forward-url", f"http://127.0.0.1:{closed}/sms"]
        with procs.serve(procs.mockbsc_command(*flags)) as server, \
                procs.serve(procs.mockbsc_command(*flags)) as clean:
            return _compare_pending(server, clean, iccids, count, duration, log)


def _compare_pending(server: procs.Server, clean: procs.Server, iccids: list[str], count: int,
                     duration: float, log: Callable[[str], None]) -> list[Figure]:
    scripts = {}
    for s in (server, clean):
        auth = {"Authorization": f"Bearer {token(s.url)}"}
        scripts[s.port] = wrk.lua_script(
            "GET", [f"{API}/v1/sims/{i}" for i in iccids[:2000]], auth)
        wrk.run(s.url, scripts[s.port], 1)
    # Every SIM about to send an MO SMS is read once first: a SIM's seeded history is made
    # at its first read (any call does it), and is not what a pending delivery costs.
    # (All of the attached SIMs: wrk's threads start at offsets across the whole list.)
    warm = wrk.lua_script("GET", [f"{API}/v1/sims/{i}" for i in iccids],
                          {"Authorization": f"Bearer {token(server.url)}"}, limit=len(iccids))
    wrk.run_limited(server.url, warm, len(iccids))
    # One delivery first, from a SIM outside the measured ones: the sender's one-time start
    # (its event loop thread, the HTTP client's import and TLS contexts: ~10 MB) is no
    # pending delivery's cost, and divided by 2,000 of them it was 5 KB each.
    httpx.post(f"{server.url}/_mockbsc/sims/{iccids[-1]}/mo-sms",
               json={"payload": "warm-up", "dcs": 0}, timeout=10).raise_for_status()
    await_queued(server.url, 1)
    rss_before = server.rss_mb()
    _, answered = enqueue_mo(server.url, iccids[:-1], count)
    sent = await_queued(server.url, answered + 1) - 1
    rss_after = server.rss_mb()
    rounds = 4
    seconds = max(duration / rounds, 1.0)
    pairs = [(wrk.run(clean.url, scripts[clean.port], seconds),
              wrk.run(server.url, scripts[server.port], seconds)) for _ in range(rounds)]
    kept = statistics.median(after.rps / before.rps for before, after in pairs)
    p99_clean = statistics.median(b.p99_ms for b, _ in pairs)
    p99_loaded = statistics.median(a.p99_ms for _, a in pairs)
    grown = rss_after - rss_before
    log(f"pending: {sent}; rps ratios "
        f"{', '.join(f'{a.rps / b.rps:.0%}' for b, a in pairs)}; p99 {p99_clean:.1f} -> "
        f"{p99_loaded:.1f} ms; RSS {rss_before:.0f} -> {rss_after:.0f} MB")
    each_kb = grown * 1024 / max(sent, 1)
    return [
        Figure(f"{sent:,} pending webhook retries: memory", f"+{grown:.0f} MB",
               "<= 2 KB each", each_kb <= 2,
               f"{each_kb:.1f} KB each (SMS record + delivery + attempt; the SIMs' seeded "
               f"history was read and the sender started before); RSS {rss_after:.0f} MB"),
        Figure(f"{sent:,} pending retries: GET /v1/sims/{{iccid}} rps vs none pending",
               f"{kept:.0%}", "unchanged (>= 85%)", kept >= 0.85,
               f"median of {rounds} paired bursts; p99 {p99_clean:.1f} -> {p99_loaded:.1f} ms"),
    ]
