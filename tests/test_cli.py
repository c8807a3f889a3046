"""`mockbsc serve` settings from flags and MOCKBSC_* variables; bad values named clearly."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mockbsc.cli import SERVE_FLAGS, main, serve_settings
from mockbsc.config import Settings, SettingsError


def test_flags_override_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"MOCKBSC_PORT": "9000", "MOCKBSC_SIMS": "12", "MOCKBSC_CLOCK": "manual",
                        "MOCKBSC_USER": "env:pw", "MOCKBSC_TOKEN_REUSE": "false"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MOCKBSC_HOST", raising=False)
    settings = serve_settings(["--port", "9001", "--user", "ci:secret", "--access-log"])
    assert (settings.port, settings.sims, settings.clock) == (9001, 12, "manual")
    assert settings.users == ("env:pw", "ci:secret")  # --user adds to MOCKBSC_USER
    assert settings.host == "127.0.0.1"
    assert settings.token_reuse is False  # a setting only a variable sets
    assert settings.access_log is True


def test_serve_help_shows_each_flags_environment_variable(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for name in (*SERVE_FLAGS, "access_log"):
        assert f"--{name.replace('_', '-')}" in text
        assert f"MOCKBSC_{name.upper()}" in text, name


def test_unknown_flags_and_commands_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--no-such-flag"]) == 2
    assert "--no-such-flag" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("mockbsc ")


@pytest.mark.parametrize(("env", "needle"), [
    ({"MOCKBSC_PORT": "http"}, "port"), ({"MOCKBSC_CLOCK": "fast"}, "clock"),
    ({"MOCKBSC_TOKEN_TTL": "-5"}, "token_ttl"), ({"MOCKBSC_USER": "nopassword"}, "user"),
    ({"MOCKBSC_START": "3000-01-01T00:00:00Z"},
     r"start: '3000-01-01T00:00:00\+00:00' is later than 2999-12-31T23:59:59\+00:00"),
    ({"MOCKBSC_START": "3000-01-01T00:00:00"}, r"start: '3000-01-01T00:00:00\+00:00' is later"),
], ids=["port", "clock", "ttl", "user", "start-past-the-clock", "start-without-offset"])
def test_bad_settings_name_the_setting(env: dict[str, str], needle: str) -> None:
    with pytest.raises(SettingsError, match=needle):
        Settings.from_env(env)


def test_cli_reports_bad_value_without_traceback() -> None:
    result = subprocess.run([sys.executable, "-m", "mockbsc", "serve", "--port", "x"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "port" in result.stderr
    assert "Traceback" not in result.stderr


def test_user_flag_adds_an_api_user_to_another_org() -> None:
    from mockbsc.adapters.fixtures_file import load_scenario
    from mockbsc.domain.platform import Emulator

    emulator = Emulator(Settings(clock="manual", users=("ci:pw", "tenant:pw:777")),
                        load_scenario())
    token, _ = emulator.issue_token("tenant", "pw")
    assert token.user.org_id == 777
    assert emulator.sims.count(777) == 10
    assert emulator.issue_token("ci", "pw")[0].user.org_id == 4321


def test_import_through_a_recording_proxy_uses_get_only_and_breaks_no_rule(
        tmp_path: Path) -> None:
    """`mockbsc serve --fd` as the platform, `mockbsc proxy --fd --record` in front of it,
    `mockbsc import` through the proxy: every call recorded is a GET (after the token) and the
    proxy saw no contract violation."""
    import httpx

    from mockbsc.testing.ports import listening_socket, port_of

    record = tmp_path / "cassettes"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with listening_socket() as up, listening_socket() as front:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "mockbsc", "serve", "--fd", str(up.fileno()), "--sims",
                 "4", "--clock", "manual", "--log-level", "warning"], pass_fds=[up.fileno()]))
            upstream = f"http://127.0.0.1:{port_of(up)}"
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "mockbsc", "proxy", "--upstream", upstream, "--fd",
                 str(front.fileno()), "--record", str(record)], pass_fds=[front.fileno()]))
            proxy = f"http://127.0.0.1:{port_of(front)}"
        with httpx.Client(timeout=60) as client:
            assert client.get(f"{proxy}/health").json()["upstream"] == upstream
            result = subprocess.run(
                [sys.executable, "-m", "mockbsc", "import", "--base-url",
                 f"{proxy}/management-api", "--user", "demo", "--password", "demo-password",
                 "--out", str(tmp_path / "f.yaml")], capture_output=True, text=True,
                timeout=120, check=False)
            assert result.returncode == 0, result.stderr
            assert client.get(f"{proxy}/_mockbsc/violations").json() == []
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
    calls = sorted(p.name.split("-", 1)[1] for p in record.iterdir())
    assert calls.count("postAccessTokenPOST.yaml") == 1
    assert all(c.startswith("get") for c in calls if c != "postAccessTokenPOST.yaml")
    assert len(calls) == 1 + 1 + 4 * 3 + 2  # token, listing, 3 reads per SIM, products, orders


def test_fixtures_schema_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    import jsonschema
    import yaml

    from mockbsc.adapters.fixtures_file import default_fixtures_path

    assert main(["fixtures", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.validate(yaml.safe_load(default_fixtures_path().read_text()), schema)
    assert main(["fixtures", "check", str(default_fixtures_path())]) == 0
    assert ": ok (2 organisation(s)" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("organisations: []\n")
    assert main(["fixtures", "check", str(bad)]) == 2
    checked = capsys.readouterr().err
    assert "organisations: needs at least 1 item(s)" in checked
    assert main(["serve", "--fixtures", str(bad)]) == 2  # the same message, before binding
    assert capsys.readouterr().err == checked


def test_the_readme_fault_flags_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    monkeypatch.delenv("MOCKBSC_FAULTS", raising=False)
    settings = serve_settings([
        "--fault", "GET /v1/sims/{iccid} status=503 times=2",
        "--fault", '{"operation": "getSimsUsingGET", "latency_ms": 200, "latency_max_ms": 900}'])
    assert settings.faults is not None
    rules = json.loads(settings.faults)
    assert [r.get("status") for r in rules] == [503, None]


def test_a_start_without_an_offset_is_utc_whatever_the_hosts_zone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Read as local time it moved by the host's offset (a Berlin laptop started an hour
    early); on UTC machines, CI's, nothing showed."""
    import time

    from mockbsc.api.app import build_emulator

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        for clock in ("manual", "system"):
            settings = Settings().with_text({"start": "2027-01-01T00:00:00", "clock": clock})
            assert settings.start == datetime(2027, 1, 1, tzinfo=UTC)
            now = build_emulator(settings).now()
            assert timedelta(0) <= now - datetime(2027, 1, 1, tzinfo=UTC) < timedelta(minutes=5)
    finally:
        monkeypatch.undo()
        time.tzset()
