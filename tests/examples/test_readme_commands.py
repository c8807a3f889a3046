"""Every shell command in the README is run by a test.

Each ```sh/```bash block is preceded by `<!-- commands: run -->` (the blocks so marked run
here, in order, as one bash session against a real `mockbsc serve`) or by
`<!-- commands: covered by PATH[::TEST] ... -->` naming the test that runs those commands
(a Docker build, a real upstream: what cannot run here as written).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mockbsc.testing.ports import unbound_port_number

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
BLOCK = re.compile(r"(?P<before>[^\n]*)\n```(?:sh|bash)\n(?P<code>.*?)```", re.S)
MARK = re.compile(r"<!-- commands: (?P<how>run|covered by (?P<path>[^\s:]+)(?:::(?P<test>\w+))?)")


def blocks() -> list[tuple[str, str]]:
    return [(m["before"], m["code"]) for m in BLOCK.finditer(README.read_text("utf-8"))]


def test_every_command_block_is_run_or_covered_by_a_named_test() -> None:
    found = blocks()
    assert len(found) >= 10
    for before, code in found:
        mark = MARK.search(before)
        assert mark, f"README block without a <!-- commands: ... --> mark:\n{code[:200]}"
        if mark["path"]:
            path = REPO / mark["path"]
            assert path.exists(), mark["path"]
            if mark["test"]:
                assert f"def {mark['test']}(" in path.read_text("utf-8"), mark.group(0)


@pytest.mark.slow
def test_readme_commands_run_in_order_against_a_real_server(tmp_path: Path) -> None:
    mock, hook = unbound_port_number(), unbound_port_number()  # the README names numbers
    script = "\n".join(code for before, code in blocks() if "commands: run" in before)
    script = script.replace("8080", str(mock)).replace("9000", str(hook))
    preamble = f"""
set -eo pipefail
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT
# A call to the mock that gets an error status fails the run (attach answering 409, say).
curl() {{
  case "$*" in
    *"127.0.0.1:{mock}"*|*"localhost:{mock}"*) command curl --fail-with-body "$@" ;;
    *) command curl "$@" ;;
  esac
}}
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKBSC_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["MOCKBSC_PORT"] = str(mock)  # the README's `mockbsc serve` listens on the default
    process = subprocess.Popen(["bash", "-c", preamble + script], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=120)
    finally:  # a hung step must not leave the README's servers running
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
    done = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "PATCH {" in out  # the delivery report reached the README's listener
    assert '"payload": "temp=21.5"' in out or '"payload":"temp=21.5"' in out  # the MO SMS
    assert "exit 2" in out  # `mockbsc fixtures check` refused the broken file
    assert "unknown field(s) colour" in done.stderr
