"""SIGKILL under load at 100,000 SIMs: every 2xx-acknowledged change is there after a restart."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
from pathlib import Path

import httpx
import pytest

from mockbsc.testing.ports import port_of
from tests.adapters.test_state_file import kill_under_load, start_server
from tests.conftest import API

SIMS = 100_000


def start(path: Path, sock: socket.socket) -> subprocess.Popen[bytes]:
    """A server of 100,000 SIMs on the system clock (a big fleet starts slowly: 240 s)."""
    return start_server(path, sock, "--sims", str(SIMS), timeout=240)


@pytest.mark.slow
def test_sigkill_under_load_at_100k_sims_keeps_every_acknowledged_change(
        tmp_path: Path, sock: socket.socket) -> None:
    path, port = tmp_path / "state.db", port_of(sock)
    server = start(path, sock)
    base = f"http://127.0.0.1:{port}"
    acked: dict[str, list[str]] = {"orders": [], "labels": []}
    sent: dict[str, list[str]] = {}  # labels per SIM in the order sent (one client per SIM)
    lock = threading.Lock()
    stop = threading.Event()
    try:
        token = httpx.post(f"{base}{API}/oauth/token", auth=("demo", "demo-password"),
                           data={"grant_type": "client_credentials"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        # SIMs from all over the fleet, not only the first page
        sims = [s["iccid"] for page in (1, 250, 999) for s in httpx.get(
            f"{base}{API}/v1/sims", headers=headers,
            params={"pageSize": 100, "page": page}, timeout=30).json()[:10]]

        def load(n: int) -> None:
            with httpx.Client(base_url=base + API, headers=headers, timeout=30) as http:
                for k in range(100_000):
                    if stop.is_set():
                        return
                    iccid = sims[n * 5 + k % 5]
                    try:
                        if k % 2:
                            r = http.post(f"/v1/sims/{iccid}/topup")
                            key, value = "orders", r.headers.get("Location", "")
                        else:
                            sent.setdefault(iccid, []).append(f"k{n}-{k}")
                            r = http.put(f"/v1/sims/{iccid}", json={"label": f"k{n}-{k}"})
                            key, value = "labels", f"k{n}-{k}"
                    except httpx.TransportError:
                        return  # killed under us: this one was never acknowledged
                    if 200 <= r.status_code < 300:
                        with lock:
                            acked[key].append(value)

        kill_under_load(server, load, acked, stop, count=300, within=120)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert sum(map(len, acked.values())) >= 300

    restarted = start(path, sock)
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            for location in acked["orders"]:
                assert http.get(location).status_code == 200, location
            # queued label changes apply now; each SIM's label is its client's last
            # acknowledged one, or one sent after it (saved, its answer cut off by the kill)
            assert http.post("/_mockbsc/clock/advance", json={"seconds": 120}).status_code == 200
            done = set(acked["labels"])
            for iccid, labels in sent.items():
                last = max((i for i, label in enumerate(labels) if label in done), default=-1)
                if last < 0:
                    continue  # none acknowledged: any label will do
                label = http.get(f"{API}/v1/sims/{iccid}").json().get("label")
                assert label in labels[last:], (iccid, label, labels[last])
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=60)
