"""`wrk`, the HTTP load generator: installed from Debian's packages when missing, run over
loopback for a bounded time, its output parsed into requests/s and latency percentiles."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

DONE = "mockbsc-bench-thread-done"  # printed by a thread that reached its request limit


class WrkMissing(RuntimeError):
    """wrk is not installed and could not be installed."""


def ensure_wrk() -> str:
    """The path of `wrk`, installing the Debian package first if it is missing.

    Raises:
        WrkMissing: not installed and `apt-get` is unavailable or failed.
    """
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None:
        raise WrkMissing("wrk is not installed and there is no apt-get; install wrk "
                         "(https://github.com/wg/wrk) and run the benchmarks again")
    print("benchmarks: wrk is missing; running apt-get update && apt-get install -y wrk ...",
          flush=True)
    for command in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "wrk"]):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise WrkMissing(f"`{' '.join(command)}` failed ({done.returncode}); install wrk "
                             f"by hand (needs root):\n{done.stderr.strip()[-2000:]}")
    found = shutil.which("wrk")
    if not found:
        raise WrkMissing("apt-get installed wrk but it is not on PATH")
    return found


@dataclass(slots=True)
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad: int  # non-2xx/3xx answers plus socket errors

    def summary(self) -> str:
        return f"{self.rps:,.0f} rps, p50 {self.p50_ms:.2f} ms, p99 {self.p99_ms:.2f} ms"


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS_MS[unit]


def parse(output: str) -> WrkResult:
    percentiles = dict(re.findall(r"^\s+(\d+)%\s+([\d.]+\w+)\s*$", output, re.M))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    if errors:
        bad += sum(int(n) for n in errors.groups())
    return WrkResult(rps, _ms(percentiles["50"]), _ms(percentiles["99"]), requests, bad)


def lua_script(method: str, paths: list[str], headers: dict[str, str], body: str = "",
               limit: int | None = None, threads: int = 2) -> str:
    """A wrk script that cycles through `paths` (one request each) with fixed headers and body.

    With `limit`, each of the `threads` stops after its share of `limit` answers (in-flight
    requests still land, so a few more than `limit` may be sent); each thread starts at its
    own offset in `paths`, so with a limit no path is hit twice if `paths` is long enough.
    """
    quoted_paths = ",".join(f'"{p}"' for p in paths)
    header_lines = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items())
    body_line = f"wrk.body = [==[{body}]==]\n" if body else ""
    stride = len(paths) // threads if limit else 7919
    script = (
        f'wrk.method = "{method}"\n{header_lines}{body_line}'
        f"local paths = {{{quoted_paths}}}\n"
        "local n = 0\n"
        f"function setup(thread) thread:set('offset', n * {stride}); n = n + 1 end\n"
        "function init(args) i = offset; answered = 0 end\n"
        "function request()\n"
        "  i = i + 1\n"
        "  return wrk.format(nil, paths[(i % #paths) + 1])\n"
        "end\n"
    )
    if limit:
        share = -(-limit // threads)
        script += ("function response(status, headers, body)\n"
                   "  answered = answered + 1\n"
                   f"  if answered == {share} then io.write('{DONE}\\n'); io.flush(); "
                   "wrk.thread:stop() end\n"
                   "end\n")
    return script


def _loopback_only(base_url: str) -> None:
    if not base_url.startswith("http://127.0.0.1:"):
        raise ValueError(f"benchmarks send traffic to 127.0.0.1 only, not {base_url}")


def _command(binary: str, threads: int, connections: int, seconds: int, lua: Path,
             base_url: str) -> list[str]:
    """One wrk invocation: latency histogram, 5 s request timeout, the Lua script given."""
    return [binary, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
            "--timeout", "5s", "--latency", "-s", str(lua), base_url]


def run(base_url: str, script: str, duration: float, connections: int = 32,
        threads: int = 2) -> WrkResult:
    """Load `base_url` (loopback only) for `duration` seconds and parse the result."""
    _loopback_only(base_url)
    binary = ensure_wrk()
    seconds = max(1, round(duration))  # wrk takes whole seconds only
    with tempfile.TemporaryDirectory() as tmp:
        lua = Path(tmp) / "bench.lua"
        lua.write_text(script, encoding="utf-8")
        done = subprocess.run(
            _command(binary, threads, connections, seconds, lua, base_url),
            capture_output=True, text=True, check=False, timeout=seconds + 30,
        )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse(done.stdout)


def run_limited(base_url: str, script: str, threads: int = 2, connections: int = 32,
                timeout: float = 300) -> WrkResult:
    """Run a `lua_script(..., limit=...)` until every thread reached its share, then stop.

    wrk itself always runs for its whole duration, so this interrupts it (SIGINT, after which
    wrk prints its usual summary) as soon as each thread has printed that it is done.
    """
    _loopback_only(base_url)
    binary = ensure_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        lua = Path(tmp) / "bench.lua"
        lua.write_text(script, encoding="utf-8")
        process = subprocess.Popen(
            _command(binary, threads, connections, round(timeout), lua, base_url),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert process.stdout is not None
        done = 0
        lines = []
        for line in process.stdout:
            lines.append(line)
            done += line.strip() == DONE
            if done == threads:
                process.send_signal(signal.SIGINT)
                break
        rest, errors = process.communicate(timeout=30)
    output = "".join(lines) + rest
    if "Requests/sec" not in output:
        raise RuntimeError(f"wrk failed ({process.returncode}): {errors or output}")
    return parse(output)
