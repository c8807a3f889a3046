"""`mockbsc contract`: schemathesis over every operation of mockbsc's contract, against any
BSC-compatible server (mockbsc itself, a company's proxy, or the real platform).

The command gets a token first, so wrong credentials or a wrong URL fail in one clear line
instead of as hundreds of 401s; schemathesis then runs as its own CLI (its report lists each
failure with the check that failed and a `curl` command that reproduces it).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import httpx

from mockbsc.contract.document import BSC_CONTRACT, Contract, contract_path

CONFIG = Path(__file__).with_name("schemathesis.toml")


class ContractKitError(Exception):
    """A problem to report in one line before any test runs (bad URL, credentials, setup)."""


@dataclass(frozen=True, slots=True)
class RunOptions:
    base_url: str
    user: str
    password: str
    max_examples: int = 20
    mode: str = "all"
    phases: str = "examples,coverage,fuzzing"
    workers: str = "1"
    seed: int | None = None
    extra: Sequence[str] = field(default_factory=tuple)
    junit_xml: Path | None = None
    cache: bool = True


FILTERED = re.compile(r"-H '(?i:authorization): \[Filtered\]'")
"""The `Authorization` header schemathesis hides in each `curl` reproducer."""


def fetch_token(base_url: str, user: str, password: str, timeout: float = 30.0) -> str:
    """A bearer token from `POST {base_url}/oauth/token`.

    Raises:
        ContractKitError: the server is unreachable or refuses the credentials.
    """
    url = base_url.rstrip("/") + "/oauth/token"
    try:
        response = httpx.post(url, auth=(user, password), timeout=timeout,
                              data={"grant_type": "client_credentials"})
    except httpx.HTTPError as exc:
        raise ContractKitError(f"cannot reach {url}: {exc}. Is --base-url the URL a client "
                               "uses, e.g. http://127.0.0.1:8080/management-api?") from None
    if response.status_code != 200:
        raise ContractKitError(f"{url} refused the credentials of '{user}': "
                               f"{response.status_code} {response.text[:300]}")
    try:
        return str(response.json()["access_token"])
    except (ValueError, KeyError, TypeError):
        raise ContractKitError(f"{url} answered 200 without an access_token: "
                               f"{response.text[:300]}") from None


def schemathesis_command(options: RunOptions) -> list[str]:
    """The schemathesis CLI call: mockbsc's contract, its settings file, the target URL."""
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run",
               str(contract_path(BSC_CONTRACT)), "--url", options.base_url.rstrip("/"),
               "--mode", options.mode, "--phases", options.phases,
               "--max-examples", str(options.max_examples), "--workers", options.workers,
               "--suppress-health-check", "all", "--generation-database", "none"]
    if options.seed is not None:
        command += ["--seed", str(options.seed)]
    if options.junit_xml is not None:
        command += ["--report", "junit", "--report-junit-path",
                    str(options.junit_xml.resolve())]
    return [*command, *options.extra]


def pasteable(line: str) -> str:
    """A report line whose `curl` reproducer can be pasted: the hidden `Authorization`
    becomes `$TOKEN` (the token endpoint's, `$BASIC`), which `verdict` says how to set."""
    basic = "/oauth/token" in line
    return FILTERED.sub('-H "Authorization: Basic $BASIC"' if basic
                        else '-H "Authorization: Bearer $TOKEN"', line)


@contextmanager
def cache_env(enabled: bool) -> Iterator[dict[str, str]]:
    """Where schemathesis and Hypothesis keep their caches: under mockbsc's own cache
    directory (`mockbsc.adapters.cache`), never in the working directory; with caching off
    (or no cache directory), in a temporary directory removed after the run."""
    from mockbsc.adapters import cache

    base = cache.cache_dir() if enabled else None
    with tempfile.TemporaryDirectory(prefix="mockbsc-contract-") as scratch:
        root = base / "contract" if base is not None else Path(scratch)
        yield {"MOCKBSC_CONTRACT_CACHE": str(root / "schemathesis"),
               "HYPOTHESIS_STORAGE_DIRECTORY": str(root / "hypothesis")}


def run(options: RunOptions, out: TextIO | None = None) -> int:
    """Run the suite, streaming schemathesis's report; returns its exit code (0 = conforms).

    Raises:
        ContractKitError: schemathesis is missing, or no token could be obtained.
    """
    out = out or sys.stdout  # looked up per call: pytest's capsys swaps sys.stdout
    if importlib.util.find_spec("schemathesis") is None:
        raise ContractKitError("schemathesis is not installed: pip install 'mockbsc[contract]'")
    token = fetch_token(options.base_url, options.user, options.password)
    operations = len(Contract.load(BSC_CONTRACT).operations)
    print(f"mockbsc contract: {operations} operations of the BSC contract against "
          f"{options.base_url} as '{options.user}' (token obtained)", file=out, flush=True)
    env = {**os.environ, "MOCKBSC_CONTRACT_USER": options.user,
           "MOCKBSC_CONTRACT_PASSWORD": options.password, "MOCKBSC_CONTRACT_TOKEN": token}
    with cache_env(options.cache) as caches, subprocess.Popen(
            schemathesis_command(options), env={**env, **caches}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:  # streamed: a long run shows progress as it goes
            out.write(pasteable(line))
            out.flush()
    code = process.returncode
    print(verdict(code, options.base_url, options.user), file=out, flush=True)
    if options.junit_xml is not None:
        print(f"mockbsc contract: JUnit XML report in {options.junit_xml}", file=out, flush=True)
    return code


def verdict(code: int, base_url: str, user: str = "USER") -> str:
    if code == 0:
        return f"mockbsc contract: PASSED - {base_url} conforms to the contract."
    url = base_url.rstrip("/")
    token = (f"TOKEN=$(curl -s -u {shlex.quote(user + ':PASSWORD')} -d "
             f"grant_type=client_credentials {url}/oauth/token | python3 -c 'import json,sys; "
             "print(json.load(sys.stdin)[\"access_token\"])')")
    return (f"mockbsc contract: FAILED (exit {code}) - {base_url} differs from the contract. "
            "Each failure above names the operation and the check, with a curl command to "
            "replay it; accept deliberate ones with `-- --baseline FILE`.\n"
            "To paste a reproducer, set its token first (PASSWORD: yours):\n"
            f"  {token}\n"
            f"  BASIC=$(printf %s {shlex.quote(user + ':PASSWORD')} | base64)  "
            "# only for /oauth/token")
