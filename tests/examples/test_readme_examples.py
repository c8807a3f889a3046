"""The README's examples are tests: each block marked `<!-- example: NAME -->` is run here.

`test_*.py` blocks run as pytest files (with the installed mockbsc plugin, via pytester);
`script` blocks run as plain Python programs. A README example that stops working fails here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.warmup import warm_up

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE = re.compile(r"<!-- example: (?P<name>[\w.]+) -->\n```python\n(?P<code>.*?)```", re.S)


@pytest.fixture(scope="module", autouse=True)
def _warm_up() -> None:
    warm_up()


def examples() -> list[tuple[str, str]]:
    return [(m["name"], m["code"]) for m in EXAMPLE.finditer(README.read_text(encoding="utf-8"))]


def test_readme_has_an_example_of_every_fixture() -> None:
    code = "\n".join(code for _, code in examples())
    for fixture in ("mockbsc", "mockbsc_client", "mockbsc_token", "mockbsc_server",
                    "mockbsc_webhook_receiver", "mockbsc_clock", "mockbsc_settings",
                    "mockbsc_app", "MockBSCServer", "pytest.mark.mockbsc"):
        assert re.search(rf"\b{re.escape(fixture)}\b", code), f"no README example uses {fixture}"


@pytest.mark.parametrize(("name", "code"), [e for e in examples() if e[0] != "script"],
                         ids=lambda value: value if value.endswith(".py") else "")
def test_readme_pytest_example_passes(pytester: pytest.Pytester, name: str, code: str) -> None:
    pytester.makepyfile(**{name.removesuffix(".py"): code})
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "error")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 1, result.stdout.str()
    assert set(outcomes) <= {"passed"}, result.stdout.str()


@pytest.mark.parametrize("code", [c for n, c in examples() if n == "script"])
def test_readme_script_example_runs(code: str) -> None:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("http://127.0.0.1:")
