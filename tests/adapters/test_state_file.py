"""`--state-file`: state restored at start and durable while running, even through SIGKILL."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from mockbsc.adapters.state_file import StateFileError
from mockbsc.api.app import build_emulator, create_app
from mockbsc.cli import main
from mockbsc.config import Settings
from mockbsc.domain.state.snapshot import export_state
from mockbsc.testing.ports import port_of
from tests.conftest import API, token_for
from tests.domain.state.test_durability_changes import plain
from tests.domain.state.test_state import busy_state

pytestmark = pytest.mark.mockbsc(token_ttl=30 * 24 * 3600)


def settings_at(path: Path) -> Settings:
    return Settings(clock="manual", token_ttl=30 * 24 * 3600, state_file=str(path))


def test_a_restart_finds_everything_again(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first = build_emulator(settings_at(path))
    with TestClient(create_app(first)) as client:
        auth = {"Authorization": f"Bearer {token_for(client)}"}
        iccid = client.get(f"{API}/v1/sims", headers=auth).json()[0]["iccid"]
        client.post(f"/_mockbsc/sims/{iccid}/attach")
        ids = busy_state(client, auth, iccid)
        saved = export_state(first)
    second = build_emulator(settings_at(path))
    with TestClient(create_app(second)) as client:
        assert plain(export_state(second)) == plain(saved)
        sms = {s["id"]: s for s in
               client.get(f"{API}/v1/sims/{iccid}/sms", headers=auth).json()}  # same token
        assert sms[ids["mt"]]["status"]["description"] == "BUFFERED"
        pending = client.get("/_mockbsc/webhooks", params={"status": "pending"}).json()
        assert [d["kind"] for d in pending] == ["mo"]


def test_the_file_is_sqlite_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with TestClient(create_app(build_emulator(settings_at(path)))), \
            sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT count(*) FROM log").fetchone()[0] == 1  # the seeded base


@pytest.mark.parametrize("content", [b"not a database at all" * 100, b""],
                         ids=["garbage", "empty"])
def test_an_unreadable_file_stops_the_start(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(content)
    if content:
        with pytest.raises(StateFileError):
            create_app(build_emulator(settings_at(path)))
        assert main(["serve", "--state-file", str(path), "--port", "1"]) == 2
    else:  # an empty file is a fresh database: the seeded state is saved into it
        create_app(build_emulator(settings_at(path))).state.persister.stop()
        assert path.stat().st_size > 0


def test_a_damaged_entry_stops_the_start(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    create_app(build_emulator(settings_at(path))).state.persister.stop()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO log (body) VALUES (?)",
                   (b'[["sims._by_iccid|\\"1\\"", {"$obj": "os:system"}]]',))
    with pytest.raises(StateFileError, match="not a mockbsc domain class"):
        create_app(build_emulator(settings_at(path)))


def start_server(path: Path, sock: socket.socket, *flags: str,
                 timeout: float = 30) -> subprocess.Popen[bytes]:
    """`mockbsc serve` on the listening socket `sock` (inherited: no port to race for), with
    the state file `path` and `flags` (default: a manual clock); waits for `/health`."""
    log, port = path.with_suffix(".log"), port_of(sock)
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "mockbsc", "serve", "--fd", str(sock.fileno()),
             *(flags or ("--clock", "manual")), "--state-file", str(path),
             "--token-ttl", "2592000", "--log-level", "warning"],
            stdout=subprocess.DEVNULL, stderr=output, pass_fds=[sock.fileno()])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    process.wait()
    raise AssertionError(f"server did not start: {log.read_text()}")


def kill_under_load(server: subprocess.Popen[bytes], load: Callable[[int], None],
                    acked: dict[str, list[str]], stop: threading.Event, count: int,
                    within: float) -> None:
    """Six clients run `load`; once `count` changes were acknowledged (or `within` seconds
    passed) the server is killed with SIGKILL while requests are in flight, then the
    clients are stopped."""
    threads = [threading.Thread(target=load, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + within
    while sum(map(len, acked.values())) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(server.pid, signal.SIGKILL)  # mid-load: requests are in flight right now
    server.wait(timeout=30)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)


def test_sigkill_mid_load_loses_no_acknowledged_change(tmp_path: Path,
                                                       sock: socket.socket) -> None:
    path, port = tmp_path / "state.db", port_of(sock)
    server = start_server(path, sock)
    base = f"http://127.0.0.1:{port}"
    acked: dict[str, list[str]] = {"orders": [], "sms": [], "labels": []}
    lock = threading.Lock()
    stop = threading.Event()
    try:
        token = httpx.post(f"{base}{API}/oauth/token", auth=("demo", "demo-password"),
                           data={"grant_type": "client_credentials"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        sims = [s["iccid"] for s in httpx.get(f"{base}{API}/v1/sims", headers=headers,
                                               params={"pageSize": 8}).json()]

        def load(n: int) -> None:
            with httpx.Client(base_url=base + API, headers=headers, timeout=10) as http:
                for k in range(10_000):
                    if stop.is_set():
                        return
                    iccid = sims[(n + k) % len(sims)]
                    try:
                        if k % 3 == 0:
                            r = http.post(f"/v1/sims/{iccid}/topup")
                            key, value = "orders", r.headers.get("Location", "")
                        elif k % 3 == 1:
                            r = http.post(f"/v1/sims/{iccid}/sms", json={"payload": f"m{n}-{k}"})
                            key, value = "sms", r.headers.get("Location", "")
                        else:
                            r = http.put(f"/v1/sims/{iccid}", json={"label": f"l{n}-{k}"})
                            key, value = "labels", f"{iccid}=l{n}-{k}"
                    except httpx.TransportError:
                        return  # the server died under us: this one was never acknowledged
                    if r.status_code in (200, 201):
                        with lock:
                            acked[key].append(value)

        kill_under_load(server, load, acked, stop, count=150, within=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert sum(map(len, acked.values())) >= 150

    restarted = start_server(path, sock)  # the same socket: the port was never let go
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=10) as http:
            for location in acked["orders"]:
                assert http.get(location).status_code == 200, location
            for location in acked["sms"]:
                assert http.get(location).status_code == 200, location
            state = http.get("/_mockbsc/state").json()
        # a queued label change was acknowledged: it is among the pending changes or applied
        pending = str(state["stores"]["emulator"]["_pending"]) + str(state["stores"]["sims"])
        for label in acked["labels"]:
            assert label.split("=")[1] in pending, label
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=15)
