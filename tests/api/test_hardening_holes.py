"""Issue 12, smaller holes: the clock is bounded, the admin token is never empty and is
compared as UTF-8, the contract cache is verified, and a reset runs off the event loop."""

from __future__ import annotations

import hashlib
import marshal
import os
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.config import Settings, SettingsError
from mockbsc.contract import document as contract
from mockbsc.domain.platform import Emulator
from tests.conftest import API, token_for


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59Z", "3000-01-01T00:00:00Z"])
def test_the_clock_cannot_be_set_past_its_maximum(client: TestClient, moment: str) -> None:
    response = client.post("/_mockbsc/clock/set", json={"now": moment})
    assert response.status_code == 400, response.text
    assert "2999-12-31" in response.json()["message"]
    assert token_for(client)  # token requests keep working (were 500 until a restart)


def test_the_clock_cannot_be_advanced_past_its_maximum(client: TestClient) -> None:
    response = client.post("/_mockbsc/clock/advance", json={"seconds": 40_000_000_000})
    assert response.status_code == 400, response.text
    assert token_for(client)


def test_the_clock_reaches_its_maximum(client: TestClient) -> None:
    response = client.post("/_mockbsc/clock/set", json={"now": "2999-12-31T23:59:59Z"})
    assert response.status_code == 200, response.text
    assert token_for(client)


@pytest.mark.parametrize("seconds", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_finite_seconds_are_400(client: TestClient, emulator: Emulator,
                                    seconds: bytes) -> None:
    before = emulator.now()
    response = client.post("/_mockbsc/clock/advance", content=b'{"seconds": ' + seconds + b"}",
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert emulator.now() == before


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_admin_token_is_refused_at_start(value: str) -> None:
    with pytest.raises(SettingsError, match="admin_token"):
        Settings.from_env({"MOCKBSC_ADMIN_TOKEN": value})


def test_serve_refuses_an_empty_admin_token(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from mockbsc.cli import main

    monkeypatch.setenv("MOCKBSC_ADMIN_TOKEN", "")
    monkeypatch.setattr("mockbsc.cli.serve", lambda settings: pytest.fail("served"))
    assert main(["serve"]) == 2
    assert "admin_token" in capsys.readouterr().err


@pytest.mark.mockbsc(admin_token="pässwört-☃")
def test_a_non_ascii_admin_token_is_compared_as_utf8(client: TestClient) -> None:
    good = {"Authorization": "Bearer pässwört-☃".encode()}
    assert client.get("/_mockbsc/clock", headers=good).status_code == 200
    wrong = {"Authorization": "Bearer pässwört-x".encode()}
    assert client.get("/_mockbsc/clock", headers=wrong).status_code == 401


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "mockbsc"


def _without_security(document: dict[str, Any]) -> dict[str, Any]:
    document = dict(document)
    document.pop("security", None)
    document["paths"] = {path: {m: {k: v for k, v in op.items() if k != "security"}
                                if isinstance(op, dict) else op for m, op in item.items()}
                         for path, item in document["paths"].items()}
    return document


def _cached_file(cache_home: Path) -> Path:
    source = contract.contract_path(contract.CONTROL_CONTRACT)
    contract._parse(source)
    [cached] = cache_home.glob("contract-*.marshal")
    return cached


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_cache_file_others_could_write_is_not_trusted(cache_home: Path) -> None:
    cached = _cached_file(cache_home)
    source_digest = cached.read_bytes()[:32]
    payload = marshal.dumps(_without_security(contract._parse(
        contract.contract_path(contract.CONTROL_CONTRACT))))
    cached.write_bytes(source_digest + hashlib.sha256(payload).digest() + payload)
    cached.chmod(0o666)  # anyone may have written it
    loaded = contract._parse(contract.contract_path(contract.CONTROL_CONTRACT))
    assert "security" in loaded


def test_a_tampered_cache_file_is_not_trusted(cache_home: Path) -> None:
    cached = _cached_file(cache_home)
    document = marshal.loads(cached.read_bytes()[64:])
    tampered = cached.read_bytes()[:64] + marshal.dumps(_without_security(document))
    cached.write_bytes(tampered)  # the digest no longer matches the bytes
    loaded = contract._parse(contract.contract_path(contract.CONTROL_CONTRACT))
    assert "security" in loaded


def test_a_reset_runs_off_the_event_loop(client: TestClient, emulator: Emulator,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    on_loop: list[bool] = []
    original = Emulator.reset

    def spy(self: Emulator, *args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Emulator, "reset", spy)
    assert client.post("/_mockbsc/reset", json={"sims": 10}).status_code == 200
    assert on_loop == [False]


def test_a_sort_key_with_a_trailing_newline_is_ignored_like_any_unknown_key(
        client: TestClient, auth: dict[str, str]) -> None:
    """Issue 13: unknown sort keys are ignored, as the platform ignores them; a key with a
    newline is just another unknown key (it cannot sneak past a pattern any more)."""
    plain = client.get(f"{API}/v1/sims", headers=auth)
    response = client.get(f"{API}/v1/sims?sort=label%0A", headers=auth)
    assert response.status_code == 200, response.text
    assert response.json() == plain.json()
