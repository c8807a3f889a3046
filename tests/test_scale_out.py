"""Scale-out (issue 15): Debian's nginx, with the configuration `docs/scale-out.md` shows,
in front of three `mockbsc serve` processes on loopback. Sandboxes keep their state across
calls through the balancer and are spread over the servers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockbsc.testing.ports import listening_socket, port_of, unbound_port_number

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "docs" / "scale-out" / "nginx-mockbsc.conf"
SERVERS = 3
SANDBOXES = 24
ICCID_FIELD = "iccid"

pytestmark = pytest.mark.slow


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)
    if found is None:
        if os.environ.get("MOCKBSC_REQUIRE_NGINX") or os.environ.get("CI"):  # .ci/run
            # installs it: there a missing nginx is a failure, not a skip
            pytest.fail("nginx is not installed (apt-get install nginx)")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    return found


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not become healthy")


@pytest.fixture(scope="module")
def backends() -> Iterator[list[str]]:
    """Three `mockbsc serve` on loopback, each on a socket bound here and passed by fd."""
    processes, urls = [], []
    try:
        for _ in range(SERVERS):
            with listening_socket() as sock:
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "mockbsc", "serve", "--fd", str(sock.fileno()),
                     "--log-level", "warning"], pass_fds=[sock.fileno()]))
                urls.append(f"http://127.0.0.1:{port_of(sock)}")
        for url, process in zip(urls, processes, strict=True):
            wait_healthy(url, process)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(10)


def nginx_conf(tmp: Path, port: int, backends: list[str]) -> str:
    """The documented snippet with this run's servers and port, in a minimal nginx.conf."""
    snippet = CONF.read_text()
    servers = "".join(f"    server {url.removeprefix('http://')};\n" for url in backends)
    snippet = re.sub(r"(    server 127\.0\.0\.1:808[1-3];\n)+", servers, snippet)
    snippet = snippet.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{port};")
    temp = "\n".join(f"    {kind}_temp_path {tmp}/{kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"worker_processes 1;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\n"
            f"events {{ worker_connections 512; }}\nhttp {{\n    access_log off;\n{temp}\n"
            f"{snippet}\n}}\n")


@pytest.fixture(scope="module")
def balancer(backends: list[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = nginx_binary()
    tmp = tmp_path_factory.mktemp("nginx")
    tmp.chmod(0o755)  # nginx's workers may run as another user
    for attempt in range(3):  # nginx binds its port itself: another process may take it first
        port = unbound_port_number()
        (tmp / "nginx.conf").write_text(nginx_conf(tmp, port, backends))
        process = subprocess.Popen([binary, "-p", str(tmp), "-c", str(tmp / "nginx.conf"),
                                    "-e", str(tmp / "error.log"), "-g", "daemon off;"],
                                   stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, process, timeout=20)
        except (RuntimeError, TimeoutError):
            process.kill()
            process.wait(5)
            if attempt == 2:
                raise AssertionError(f"nginx did not start: {(tmp / 'error.log').read_text()}"
                                     ) from None
            continue
        try:
            yield url
        finally:
            process.terminate()
            process.wait(10)
        return


def sandboxes_on(server: str) -> set[str]:
    return {s["id"] for s in httpx.get(server + "/_mockbsc/sandboxes", timeout=10).json()}


def test_sandboxes_keep_their_state_and_spread_over_the_servers(
        balancer: str, backends: list[str]) -> None:
    ids = [f"ci-job-{n:02d}" for n in range(SANDBOXES)]
    with httpx.Client(base_url=balancer, timeout=30) as client:
        for n, sandbox_id in enumerate(ids):
            created = client.put(f"/_mockbsc/sandboxes/{sandbox_id}",
                                 json={"clock": "manual", "sims": 3, "seed": n})
            assert created.status_code == 201, created.text
            assert created.json()["api_url"] == f"{balancer}/sandboxes/{sandbox_id}" \
                                                "/management-api"
        for n, sandbox_id in enumerate(ids):  # each call may land anywhere but its server
            base = f"/sandboxes/{sandbox_id}"
            token = client.post(f"{base}/management-api/oauth/token",
                                auth=("demo", "demo-password"),
                                data={"grant_type": "client_credentials"}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            iccid = client.get(f"{base}/management-api/v1/sims",
                               headers=headers).json()[0][ICCID_FIELD]
            changed = client.put(f"{base}/management-api/v1/sims/{iccid}",
                                 json={"label": sandbox_id}, headers=headers)
            assert changed.status_code == 200, changed.text
            client.post(f"{base}/_mockbsc/clock/advance", json={"seconds": 10 + n})
            sim = client.get(f"{base}/management-api/v1/sims/{iccid}", headers=headers).json()
            assert sim["label"] == sandbox_id
            clock = client.get(f"{base}/_mockbsc/clock").json()
            assert clock["offset_seconds"] == 10 + n
            assert client.put(f"/_mockbsc/sandboxes/{sandbox_id}").status_code == 409

        held = [sandboxes_on(server) for server in backends]
        assert all(held), f"a server got no sandbox: {[len(h) for h in held]}"
        assert sum(len(h) for h in held) == SANDBOXES  # each on exactly one server
        assert set().union(*held) == set(ids)

        assert client.delete(f"/_mockbsc/sandboxes/{ids[0]}").status_code == 204
        assert client.get(f"/sandboxes/{ids[0]}/_mockbsc/health").status_code == 404
        assert client.get("/management-api/api-docs").status_code == 200  # default platform


def test_the_documented_configuration_is_the_tested_one() -> None:
    doc = (ROOT / "docs" / "scale-out.md").read_text()
    snippet = CONF.read_text()
    assert "hash $mockbsc_sandbox consistent;" in snippet
    assert snippet.split("\n\n", 1)[1].strip() in doc
