"""`mockbsc serve` settings from flags and MOCKBSC_* variables; bad values named clearly."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mockbsc.cli import build_parser, settings_from
from mockbsc.config import Settings, SettingsError


def test_flags_override_environment() -> None:
    args = build_parser().parse_args(["serve", "--port", "9001", "--user", "ci:secret"])
    settings = settings_from(args, {"MOCKBSC_PORT": "9000", "MOCKBSC_SIMS": "12",
                                    "MOCKBSC_CLOCK": "manual"})
    assert (settings.port, settings.sims, settings.clock) == (9001, 12, "manual")
    assert settings.users == ("ci:secret",)
    assert settings.host == "127.0.0.1"


@pytest.mark.parametrize(("env", "needle"), [
    ({"MOCKBSC_PORT": "http"}, "port"), ({"MOCKBSC_CLOCK": "fast"}, "clock"),
    ({"MOCKBSC_TOKEN_TTL": "-5"}, "token_ttl"), ({"MOCKBSC_USER": "nopassword"}, "user"),
], ids=["port", "clock", "ttl", "user"])
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
