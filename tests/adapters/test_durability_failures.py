"""Never acknowledge what is not saved: a failing state file answers 503 and says so on
`/health` until a save succeeds; every acknowledged change is there after a restart."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import signal
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from mockbsc.adapters.state_file import StateFile
from mockbsc.api.app import build_emulator, create_app
from mockbsc.config import Settings
from mockbsc.testing.ports import port_of
from tests.adapters.test_state_file import start_server
from tests.conftest import API, token_for


def settings_at(path: Path) -> Settings:
    return Settings(clock="manual", token_ttl=30 * 24 * 3600, state_file=str(path))


class Disk:
    """Makes the state file's appends fail as a full disk does, until `fix()`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.full = False
        original = StateFile.append

        def append(store: StateFile, entries: Any) -> None:
            if self.full:
                raise sqlite3.OperationalError("database or disk is full")
            original(store, entries)

        monkeypatch.setattr(StateFile, "append", append)


def test_an_unsaved_change_is_answered_503_and_health_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.db"
    disk = Disk(monkeypatch)
    acked: list[str] = []
    with TestClient(create_app(build_emulator(settings_at(path)))) as client:
        auth = {"Authorization": f"Bearer {token_for(client)}"}
        iccid = client.get(f"{API}/v1/sims", headers=auth).json()[0]["iccid"]
        first = client.post(f"{API}/v1/sims/{iccid}/topup", headers=auth)
        assert first.status_code == 201
        acked.append(first.headers["Location"])
        disk.full = True
        with caplog.at_level(logging.ERROR, logger="mockbsc.adapters.persister"):
            for _ in range(3):
                refused = client.post(f"{API}/v1/sims/{iccid}/topup", headers=auth)
                assert refused.status_code == 503
                body = refused.json()
                assert set(body) == {"timestamp", "status", "error", "message", "path"}
                assert body["status"] == 503
                assert body["path"] == f"{API}/v1/sims/{iccid}/topup"
                assert "disk is full" in body["message"]
            control = client.post(f"/_mockbsc/sims/{iccid}/detach")
            assert control.status_code == 503
            assert set(control.json()) == {"error", "message"}
        failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(failures) == 1, failures
        assert "disk is full" in failures[0].getMessage()
        health = client.get("/health")
        assert health.status_code == 503
        assert health.json() == {"error": "StateFileFailing", "message": (
            f"state file {path}: cannot save (OperationalError: database or disk is full)")}
        disk.full = False
        again = client.post(f"{API}/v1/sims/{iccid}/topup", headers=auth)
        assert again.status_code == 201
        acked.append(again.headers["Location"])
        assert client.get("/health").status_code == 200
    with TestClient(create_app(build_emulator(settings_at(path)))) as client:
        for location in acked:
            assert client.get(location, headers=auth).status_code == 200, location


@contextlib.contextmanager
def small_tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                              str(where)], capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root); the injected error test covers it")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def fill(directory: Path) -> Path:
    """Take every free byte of the file system with one file."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for chunk in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    os.write(fd, b"\0" * chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    finally:
        os.close(fd)
    return filler


def test_a_disk_that_fills_up_loses_no_acknowledged_change(tmp_path: Path,
                                                         sock: socket.socket) -> None:
    with small_tmpfs(tmp_path / "disk", "24m") as disk:
        path, port = disk / "state.db", port_of(sock)
        server = start_server(path, sock)
        base = f"http://127.0.0.1:{port}"
        acked: list[str] = []
        statuses: list[int] = []
        try:
            with httpx.Client(base_url=base, timeout=30) as http:
                token = http.post(f"{API}/oauth/token", auth=("demo", "demo-password"),
                                  data={"grant_type": "client_credentials"}).json()
                http.headers["Authorization"] = f"Bearer {token['access_token']}"
                sims = [s["iccid"] for s in http.get(f"{API}/v1/sims").json()]
                filler = fill(disk)
                for k in range(150):
                    r = http.post(f"{API}/v1/sims/{sims[k % len(sims)]}/topup")
                    statuses.append(r.status_code)
                    if r.status_code == 201:
                        acked.append(r.headers["Location"])
                    else:
                        assert r.status_code == 503, r.text
                assert http.get("/health").status_code == 503
                filler.unlink()
                r = http.post(f"{API}/v1/sims/{sims[0]}/topup")
                assert r.status_code == 201, r.text
                acked.append(r.headers["Location"])
                assert http.get("/health").status_code == 200
            os.kill(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
            assert 503 in statuses
            restarted = start_server(path, sock)
            try:
                with httpx.Client(base_url=base, timeout=30,
                                  headers={"Authorization": http.headers["Authorization"]}
                                  ) as again:
                    for location in acked:
                        assert again.get(location).status_code == 200, location
            finally:
                restarted.terminate()
                restarted.wait(timeout=30)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
