"""Start-up figures: `mockbsc serve` to first 200, in-process app creation, reset.

- serve: wall time from spawning the `mockbsc serve --fd N` process (default fleet, on a
  socket already listening) until `GET /health` first answers 200, polled every 2 ms;
  median of 5 (with --quick: 3).
- in-process app: `Emulator(Settings(clock="manual"), load_scenario(), labels=label_words)`
  plus `create_app()`, what the `mockbsc` fixture does, measured in a fresh interpreter: the
  first one (loads the contracts once per process) and the median of the next 20 (every later
  test of a session). Both read the user's cache (`mockbsc.adapters.cache`) as any run after
  the first does.
- Both run from compiled bytecode, as an installed package does (pip compiles it at install;
  a checkout writes it on its first import): the package's bytecode is compiled first, since
  an environment with PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module of
  mockbsc from source in every spawn (~150 ms of CPU on the slow host of session 4).
- reset: `emulator.reset()` of the default fleet (70 SIMs), median of 50: what the
  function-scoped fixtures do between tests on a shared emulator.
"""

from __future__ import annotations

import compileall
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import procs
from benchmarks.report import Figure

IN_PROCESS = r"""
import json, statistics, sys, time
started = time.perf_counter()
from mockbsc.api.app import create_app
from mockbsc.config import Settings
from mockbsc.domain.platform import Emulator
from mockbsc.adapters.fixtures_file import label_words, load_scenario
imported = time.perf_counter()

def make():
    t = time.perf_counter()
    emulator = Emulator(Settings(clock="manual"), load_scenario(), labels=label_words)
    create_app(emulator)
    return time.perf_counter() - t, emulator

first, emulator = make()
warm = [make()[0] for _ in range(20)]
resets = []
for _ in range(50):
    t = time.perf_counter()
    emulator.reset()
    resets.append(time.perf_counter() - t)
print(json.dumps({"import": imported - started, "first": first,
                  "warm": statistics.median(warm), "reset": statistics.median(resets)}))
"""


def serve_command(fd: int) -> list[str]:
    """The installed `mockbsc` console script next to this interpreter, as users run it."""
    script = Path(sys.executable).parent / "mockbsc"
    if script.exists() or shutil.which("mockbsc"):
        return [str(script if script.exists() else shutil.which("mockbsc")), "serve",
                "--fd", str(fd), "--log-level", "warning"]
    return list(procs.mockbsc_command()(fd))


def time_to_first_200() -> tuple[float, float]:
    """(wall seconds to the first 200, CPU seconds the server had used by then)."""
    started = time.perf_counter()
    process, port = procs.spawn(serve_command, cwd=procs.ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    try:
        procs.wait_healthy(f"http://127.0.0.1:{port}/health", process, 30)
        return time.perf_counter() - started, procs.cpu_seconds(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


STACK = ("import click, uvicorn, uvloop, httptools, anyio, orjson, jsonschema_rs, platformdirs, "
         "starlette.applications, starlette.routing, starlette.middleware")


def stack_floor() -> tuple[float, float]:
    """(wall, CPU seconds) of a fresh interpreter that only imports the libraries `serve`
    stands on: the part of start-up no change to mockbsc's own code can remove."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", STACK], check=True, cwd=procs.ROOT)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def compile_package(log: Callable[[str], None]) -> None:
    """Write mockbsc's bytecode next to its sources, as `pip install` does; best effort (a
    read-only checkout is measured as it is, and the log says so)."""
    package = procs.ROOT / "mockbsc"
    if compileall.compile_dir(package, quiet=2, workers=1):
        log(f"bytecode of {package} compiled (as pip does at install)")
    else:
        log(f"could not compile all of {package}: start-up includes compiling its sources")


def measure(quick: bool, log: Callable[[str], None]) -> list[Figure]:
    compile_package(log)
    timed = [time_to_first_200() for _ in range(3 if quick else 5)]
    runs = [wall for wall, _ in timed]
    serve, cpu = statistics.median(runs), statistics.median(c for _, c in timed)
    floors = [stack_floor() for _ in range(len(timed))]
    floor, floor_cpu = statistics.median(w for w, _ in floors), statistics.median(
        c for _, c in floors)
    log("serve to first 200: " + ", ".join(f"{w * 1000:.0f} ms ({c * 1000:.0f} ms CPU)"
                                           for w, c in timed))
    done = subprocess.run([sys.executable, "-c", IN_PROCESS], capture_output=True, text=True,
                          check=True, cwd=procs.ROOT)
    app = json.loads(done.stdout.strip().splitlines()[-1])
    log(f"in-process: {app}")
    return [
        Figure(f"serve start -> first 200 /health (median of {len(runs)})",
               f"{serve * 1000:.0f} ms", "<= 350 ms", serve <= 0.35,
               "runs " + "/".join(f"{r * 1000:.0f}" for r in runs)
               + f"; server CPU {cpu * 1000:.0f} ms"),
        Figure("the stack's imports alone (python, click, uvicorn, Starlette, ...)",
               f"{floor * 1000:.0f} ms", "report", None,
               f"median of {len(floors)}; CPU {floor_cpu * 1000:.0f} ms: what start-up pays "
               f"before any mockbsc code, so mockbsc's own share is about "
               f"{max(serve - floor, 0) * 1000:.0f} ms of wall and "
               f"{max(cpu - floor_cpu, 0) * 1000:.0f} ms of CPU"),
        Figure("in-process app per test (Emulator + create_app)", f"{app['warm'] * 1000:.1f} ms",
               "<= 100 ms", app["warm"] <= 0.1, "median of 20 in one process"),
        Figure("in-process app, first in a process", f"{app['first'] * 1000:.0f} ms",
               "<= 100 ms", app["first"] <= 0.1,
               f"after {app['import'] * 1000:.0f} ms of imports; contracts parsed once"),
        Figure("reset between tests (emulator.reset, 70 SIMs)", f"{app['reset'] * 1000:.2f} ms",
               "<= 5 ms", app["reset"] <= 0.005, "median of 50"),
    ]
