"""One file, one server; only our own files: the state file's lock and identity."""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mockbsc.adapters.state_file import StateFileError
from mockbsc.api.app import build_emulator, create_app
from mockbsc.config import Settings
from tests.adapters.test_state_file import start_server
from tests.conftest import token_for


def settings_at(path: Path) -> Settings:
    return Settings(clock="manual", state_file=str(path))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def serve(path: Path, sock: socket.socket) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockbsc", "serve", "--fd", str(sock.fileno()), "--clock",
         "manual", "--state-file", str(path), "--log-level", "warning"],
        capture_output=True, text=True, timeout=60, check=False, pass_fds=[sock.fileno()])


def test_a_second_server_on_the_file_exits_naming_the_holder(tmp_path: Path,
        new_socket: Callable[[], socket.socket]) -> None:
    path = tmp_path / "state.db"
    first = start_server(path, new_socket())
    try:
        second = serve(path, new_socket())
        assert second.returncode == 2
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1, second.stderr
        assert str(path) in lines[0]
        assert f"pid {first.pid}" in lines[0]
    finally:
        first.terminate()
        first.wait(timeout=30)
    second = start_server(path, new_socket())  # the lock went with the first server
    second.terminate()
    second.wait(timeout=30)


def test_the_lock_is_released_when_a_server_is_killed(tmp_path: Path,
        new_socket: Callable[[], socket.socket]) -> None:
    path = tmp_path / "state.db"
    first = start_server(path, new_socket())
    first.kill()
    first.wait(timeout=30)
    again = start_server(path, new_socket())
    again.terminate()
    again.wait(timeout=30)


def test_in_one_process_the_second_open_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    app = create_app(build_emulator(settings_at(path)))
    try:
        with pytest.raises(StateFileError, match=f"in use by another mockbsc server \\(pid "
                                                 f"{os.getpid()}\\)"):
            create_app(build_emulator(settings_at(path)))
    finally:
        app.state.persister.stop()
    create_app(build_emulator(settings_at(path))).state.persister.stop()


def foreign(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        db.execute("INSERT INTO invoices (total) VALUES (12.5)")
    db.close()


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path,
        new_socket: Callable[[], socket.socket]) -> None:
    path = tmp_path / "invoices.db"
    foreign(path)
    before = digest(path)
    with pytest.raises(StateFileError, match="not a mockbsc state file"):
        create_app(build_emulator(settings_at(path)))
    result = serve(path, new_socket())
    assert result.returncode == 2
    assert "not a mockbsc state file" in result.stderr
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["invoices.db", "invoices.db.lock"]
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master")]
    assert tables == ["invoices"]


@pytest.mark.parametrize("content", [b"SQLite format 3\x00" + b"\x00" * 84, b"hello" * 50],
                         ids=["bare-header", "text"])
def test_a_file_that_is_not_ours_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(content)
    with pytest.raises(StateFileError, match="not"):
        create_app(build_emulator(settings_at(path)))
    assert path.read_bytes() == content


def test_a_state_file_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    create_app(build_emulator(settings_at(path))).state.persister.stop()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 1")
    db.close()
    before = digest(path)
    with pytest.raises(StateFileError, match="schema version 1"):
        create_app(build_emulator(settings_at(path)))
    assert digest(path) == before


def test_fault_rules_and_rate_limits_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    settings = Settings(clock="manual", state_file=str(path), rate_limits="platform")
    with TestClient(create_app(build_emulator(settings))) as client:
        added = client.post("/_mockbsc/faults", json={"operation": "getSimUsingGET",
                                                      "status": 503, "times": 3})
        assert added.status_code == 201, added.text
        token_for(client)
        assert client.get("/_mockbsc/requests").json() != []  # journaled, but not state
    with TestClient(create_app(build_emulator(settings_at(path)))) as client:
        rules = client.get("/_mockbsc/faults").json()
        assert [(r["operation"], r["status"], r["remaining"]) for r in rules] == [
            ("getSimUsingGET", 503, 3)]
        emulator = client.app.state.emulator  # type: ignore[attr-defined]
        assert emulator.limits.profile == "platform"
        assert client.get("/_mockbsc/requests").json() == []
