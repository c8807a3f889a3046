"""`wrk`, the HTTP load generator: installed from Debian's packages when missing, run over
loopback for a bounded time, its output parsed into requests/s and latency percentiles."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
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


class InvalidRun(RuntimeError):
    """The load was not delivered as asked: no figure may be drawn from this run."""


@dataclass(frozen=True, slots=True)
class WrkResult:
    """What one wrk run reports.

    `non_2xx` is wrk's "Non-2xx or 3xx responses" line (wrk counts every status above 399
    there; the endpoints measured never redirect). `errors` are its "Socket errors" line:
    connect, read, write and timeout counts.
    """

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def bad(self) -> int:
        """Answers that were not 2xx plus socket errors of every kind."""
        return self.non_2xx + sum(self.errors.values())

    def problems(self, expected: int | None = None) -> list[str]:
        """Why this run does not count (empty: the load was delivered as asked).

        Args:
            expected: requests that had to be answered, at least (a limited run).
        """
        found = []
        if self.requests == 0:
            found.append("no request was answered")
        if self.non_2xx:
            found.append(f"{self.non_2xx} non-2xx answers")
        found += [f"{count} socket {kind} errors" for kind, count in self.errors.items()
                  if count]
        if expected is not None and self.requests < expected:
            found.append(f"{self.requests} requests answered of {expected} asked")
        return found

    def checked(self, expected: int | None = None) -> WrkResult:
        """This result, if the load was delivered as asked.

        Raises:
            InvalidRun: socket errors, non-2xx answers, nothing answered, or fewer requests
                than `expected`.
        """
        problems = self.problems(expected)
        if problems:
            raise InvalidRun("; ".join(problems))
        return self

    def summary(self) -> str:
        return f"{self.rps:,.0f} rps, p50 {self.p50_ms:.2f} ms, p99 {self.p99_ms:.2f} ms"


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if found is None:
        raise InvalidRun(f"wrk latency {text!r} is not a duration")
    return float(found.group(1)) * _UNITS_MS[found.group(2)]


def _required(pattern: str, output: str) -> str:
    found = re.search(pattern, output, re.M)
    if found is None:
        raise InvalidRun(f"wrk output has no {pattern!r}:\n{output[-2000:]}")
    return found.group(1)


def parse(output: str) -> WrkResult:
    """Parse wrk's summary (run with `--latency`).

    Raises:
        InvalidRun: the summary lacks requests/s, the request count or the percentiles.
    """
    percentiles = dict(re.findall(r"^\s+(\d+(?:\.\d+)?)%\s+([\d.]+\w+)\s*$", output, re.M))
    if "50" not in percentiles or "99" not in percentiles:
        raise InvalidRun(f"wrk output has no latency distribution:\n{output[-2000:]}")
    rps = float(_required(r"Requests/sec:\s+([\d.]+)", output))
    requests = int(_required(r"^\s*(\d+) requests in", output))
    non_2xx = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors = {}
    found = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                      output)
    if found:
        errors = dict(zip(("connect", "read", "write", "timeout"), map(int, found.groups()),
                          strict=True))
    return WrkResult(rps, _ms(percentiles["50"]), _ms(percentiles["99"]), requests, non_2xx,
                     errors)


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
    """Load `base_url` (loopback only) for `duration` seconds; the result, checked.

    Raises:
        InvalidRun: wrk failed, or the run had socket errors or non-2xx answers.
    """
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
        raise InvalidRun(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse(done.stdout).checked()


def run_limited(base_url: str, script: str, limit: int, threads: int = 2,
                connections: int = 32, timeout: float = 300) -> WrkResult:
    """Run a `lua_script(..., limit=limit)` until every thread reached its share, then stop.

    Raises:
        InvalidRun: wrk failed, the run had socket errors or non-2xx answers, or fewer than
            `limit` requests were answered (wrk ran out of `timeout` first).

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
        raise InvalidRun(f"wrk failed ({process.returncode}): {errors or output}")
    return parse(output).checked(expected=limit)
