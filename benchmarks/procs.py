"""Server processes for the benchmarks: start on a free loopback port, wait for health, stop.

Each server gets a socket that is already bound and listening (`mockbsc.testing.ports`) and takes
it over by file descriptor (`--fd N`), so no other process can take its port in between.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from mockbsc.testing.ports import listening_socket, port_of

ROOT = Path(__file__).resolve().parent.parent


Command = Callable[[int], Sequence[str]]
"""Builds a server's command line from the file descriptor of its listening socket."""


def mockbsc_command(*extra: str) -> Command:
    """`mockbsc serve` as the console script runs it (same interpreter as the suite)."""
    return lambda fd: [sys.executable, "-c",
                       "import sys; from mockbsc.cli import main; sys.exit(main())",
                       "serve", "--fd", str(fd), "--log-level", "warning", *extra]


def module_command(module: str, *extra: str) -> Command:
    """`python -m module --fd N ...`: the reference and the receiver."""
    return lambda fd: [sys.executable, "-m", module, "--fd", str(fd), *extra]


def spawn(command: Command, **popen: Any) -> tuple[subprocess.Popen[bytes], int]:
    """Start `command` on a fresh listening socket; (the process, its port)."""
    with listening_socket() as sock:  # the child holds its own copy from here on
        process = subprocess.Popen(list(command(sock.fileno())), pass_fds=[sock.fileno()],
                                   **popen)
        return process, port_of(sock)


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float) -> float:
    """Seconds until `url` answered 200; raises if the process dies or time runs out."""
    started = time.perf_counter()
    with httpx.Client(timeout=1.0) as client:
        while True:
            try:
                if client.get(url).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode} before {url}")
            if time.perf_counter() - started > timeout:
                raise TimeoutError(f"{url} not healthy within {timeout} s")
            time.sleep(0.002)


@dataclass(slots=True)
class Server:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mb(self) -> float:
        return rss_mb(self.process.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextlib.contextmanager
def serve(command: Command, health: str = "/health",
          timeout: float = 120.0) -> Iterator[Server]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process, port = spawn(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    try:
        wait_healthy(f"http://127.0.0.1:{port}{health}", process, timeout)
        yield Server(process, port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
