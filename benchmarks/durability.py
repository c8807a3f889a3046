"""Durable-state figures (issue 11): `mockbsc serve --sims 100000 --state-file` in a temp dir.

- start with a fresh file: spawn to first 200 on `/health` (the seeded base is committed
  before the server answers).
- PUT /v1/sims/{iccid}: one client, one request at a time over keep-alive, each answered
  only after its commit; median and p95 of 200 (50 with --quick), different SIMs.
- durable top-ups: 6 client threads posting `POST /v1/sims/{iccid}/topup` for `duration`
  seconds (201 each, after its commit); meanwhile one more client issues a `GET` every 50 ms
  and the longest of those is the figure "GET while writing".
- file + WAL after the writes, then after 10,000 more logged changes (PUTs from 6 clients,
  the log folded in the background): the bytes per change must stay small.
- restart after SIGKILL with 100k SIMs and 10k logged changes: spawn to first 200.
- without --state-file: the same one-client PUT median, for comparison (must not change).
"""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from benchmarks import procs
from benchmarks.report import Figure

API = "/management-api"
SIMS = 100_000


def _token(base: str) -> dict[str, str]:
    r = httpx.post(f"{base}{API}/oauth/token", auth=("demo", "demo-password"),
                   data={"grant_type": "client_credentials"}, timeout=30)
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _iccids(base: str, headers: dict[str, str], n: int) -> list[str]:
    r = httpx.get(f"{base}{API}/v1/sims", headers=headers, params={"pageSize": n}, timeout=30)
    return [s["iccid"] for s in r.json()]


@contextlib.contextmanager
def _server(*extra: str, timeout: float = 180.0) -> Iterator[tuple[subprocess.Popen[bytes],
                                                                  str, float]]:
    env = {**os.environ, "PYTHONPATH": str(procs.ROOT)}
    started = time.perf_counter()
    process, port = procs.spawn(procs.mockbsc_command("--sims", str(SIMS), *extra),
                                cwd=procs.ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    try:
        procs.wait_healthy(f"http://127.0.0.1:{port}/health", process, timeout)
        yield process, f"http://127.0.0.1:{port}", time.perf_counter() - started
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _put_latencies(base: str, headers: dict[str, str], sims: list[str], n: int) -> list[float]:
    times = []
    with httpx.Client(base_url=base + API, headers=headers, timeout=30) as http:
        for k in range(n):
            t = time.perf_counter()
            r = http.put(f"/v1/sims/{sims[k % len(sims)]}", json={"label": f"b{k}"})
            times.append(time.perf_counter() - t)
            assert r.status_code == 200, r.text
    return times


def _load(base: str, headers: dict[str, str], sims: list[str], clients: int, seconds: float,
          request: Callable[[httpx.Client, str, int], httpx.Response],
          until: int | None = None) -> tuple[int, float, float]:
    """(acknowledged calls, seconds, longest GET wait meanwhile)."""
    done = [0] * clients
    stop = threading.Event()
    longest = [0.0]

    def work(n: int) -> None:
        with httpx.Client(base_url=base + API, headers=headers, timeout=60) as http:
            k = 0
            while not stop.is_set():
                r = request(http, sims[(n * 997 + k) % len(sims)], k)
                k += 1
                if r.status_code < 300:
                    done[n] += 1
                if until is not None and sum(done) >= until:
                    stop.set()

    def watch() -> None:
        with httpx.Client(base_url=base + API, headers=headers, timeout=60) as http:
            while not stop.is_set():
                t = time.perf_counter()
                http.get(f"/v1/sims/{sims[0]}")
                longest[0] = max(longest[0], time.perf_counter() - t)
                time.sleep(0.05)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    threads.append(threading.Thread(target=watch))
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    stop.wait(seconds if until is None else 600)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(done), time.perf_counter() - started, longest[0]


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.exists())


def measure(quick: bool, duration: float, log: Callable[[str], None]) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="mockbsc-bench-") as tmp:
        path = Path(tmp) / "state.db"
        log("fresh state file, 100k SIMs")
        with _server("--state-file", str(path)) as (process, base, start):
            figures.append(Figure("state file: start with a fresh file (100k SIMs)",
                                  f"{start:.2f} s", "<= 6 s", start <= 6.0,
                                  f"server CPU {procs.cpu_seconds(process.pid):.2f} s"))
            headers = _token(base)
            sims = _iccids(base, headers, 100)
            times = _put_latencies(base, headers, sims, 50 if quick else 200)
            median, p95 = statistics.median(times), statistics.quantiles(times, n=20)[-1]
            figures += [
                Figure("state file: PUT /v1/sims/{iccid} median, one client",
                       f"{median * 1000:.1f} ms", "<= 15 ms", median <= 0.015),
                Figure("state file: PUT /v1/sims/{iccid} p95, one client",
                       f"{p95 * 1000:.1f} ms", "<= 60 ms", p95 <= 0.060)]
            log("durable top-ups from 6 clients")
            calls, took, longest = _load(
                base, headers, sims, 6, duration,
                lambda http, iccid, k: http.post(f"/v1/sims/{iccid}/topup"))
            figures += [
                Figure("state file: durable top-ups/s, 6 clients", f"{calls / took:.0f}/s",
                       ">= 100/s", calls / took >= 100),
                Figure("state file: longest GET while they run", f"{longest * 1000:.0f} ms",
                       "<= 100 ms", longest <= 0.1)]
            before = _size(path)
            log("10,000 logged changes")
            changes, _, _ = _load(
                base, headers, sims, 6, 0,
                lambda http, iccid, k: http.put(f"/v1/sims/{iccid}", json={"label": f"c{k}"}),
                until=10_000)
            time.sleep(2.0)  # one fold of the log
            after = _size(path)
            per = max(after - before, 0) / max(changes, 1)
            figures.append(Figure("state file: file + WAL growth per change",
                                  f"{per:.0f} B", "bounded (<= 4 KB)", per <= 4096,
                                  f"{before / 1e6:.1f} MB -> {after / 1e6:.1f} MB "
                                  f"after {changes} PUTs"))
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        log("restart after SIGKILL")
        with _server("--state-file", str(path)) as (process, base, restart):
            figures.append(Figure("state file: restart after SIGKILL (10k logged changes)",
                                  f"{restart:.2f} s", "<= 6 s", restart <= 6.0,
                                  f"server CPU {procs.cpu_seconds(process.pid):.2f} s"))
    log("the same PUTs without --state-file")
    with _server() as (process, base, plain_start):
        figures.append(Figure("no state file: start (100k SIMs), for comparison",
                              f"{plain_start:.2f} s", "-", None,
                              f"server CPU {procs.cpu_seconds(process.pid):.2f} s"))
        headers = _token(base)
        sims = _iccids(base, headers, 100)
        plain = statistics.median(_put_latencies(base, headers, sims, 50 if quick else 200))
        figures.append(Figure("no state file: PUT /v1/sims/{iccid} median, one client",
                              f"{plain * 1000:.1f} ms", "unchanged (<= 15 ms)", plain <= 0.015))
    return figures
