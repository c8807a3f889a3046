"""The Docker sidecar without a Docker engine: the Dockerfile's own install and start commands,
run in a fresh venv, must give a healthy server; the image must stay small and non-root."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from mockbsc.testing.ports import unbound_port_number

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO / "Dockerfile"
NOT_IN_IMAGE = {"pytest", "schemathesis", "hypothesis", "coverage", "ruff", "mypy",
                "types-pyyaml", "setuptools-scm", "cython"}


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list), f"use the exec (JSON) form: {args}"
    return [str(v) for v in value]


def env_of(args: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in shlex.split(args))


def dockerignore_allows(relative: str) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""
    allowed = True
    parts = relative.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    for raw in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines():
        raw = raw.strip()
        if not raw or raw.startswith("#"):
            continue
        negate = raw.startswith("!")
        pattern = raw.lstrip("!").rstrip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*", "[^/]*")
        if any(re.fullmatch(regex, p) for p in prefixes):
            allowed = negate
    return allowed


def test_dockerfile_is_slim_non_root_and_healthchecked() -> None:
    steps = instructions()
    words = [w for w, _ in steps]
    assert steps[0] == ("FROM", "python:3.11-slim")
    user = dict(steps)["USER"]
    assert user not in ("root", "0")
    assert words.index("USER") > max(i for i, w in enumerate(words) if w == "RUN")
    assert exec_form(dict(steps)["ENTRYPOINT"]) == ["mockbsc", "serve", "--host", "0.0.0.0"]
    assert "8080" in dict(steps)["EXPOSE"]
    health = dict(steps)["HEALTHCHECK"]
    assert "/health" in health
    assert "curl" not in health  # not in the slim image
    runs = " ".join(a for w, a in steps if w == "RUN")
    for tool in ("apt-get", "gcc", "build-essential", "[dev]", "[test]"):
        assert tool not in runs


def _seconds(flag: str, text: str) -> float:
    found = re.search(rf"--{flag}=(\d+)s\b", text)
    return float(found[1]) if found else float("inf")


def test_image_reports_healthy_within_two_seconds_of_starting() -> None:
    health = dict(instructions())["HEALTHCHECK"]
    # CI service containers wait for "healthy": probe at most every 2 s while starting.
    assert min(_seconds("start-interval", health), _seconds("interval", health)) <= 2
    assert _seconds("start-period", health) >= 10  # a slow start is not counted as failing


def test_dependencies_are_a_cached_layer_of_their_own_and_labels_are_oci() -> None:
    steps = instructions()
    copies = [i for i, (w, a) in enumerate(steps) if w == "COPY" and "mockbsc" in a.split()[0]]
    installs = [i for i, (w, a) in enumerate(steps) if w == "RUN" and "pip install" in a]
    assert installs[0] < copies[0], "dependencies must install before the code is copied"
    assert "--no-deps" in steps[installs[-1]][1]
    labels = " ".join(a for w, a in steps if w == "LABEL")
    for key in ("title", "description", "version", "licenses"):
        assert f"org.opencontainers.image.{key}=" in labels


def test_dockerignore_whitelists_only_what_the_build_copies() -> None:
    for kept in ("pyproject.toml", "README.md", "mockbsc/testing/server.py",
                 "contracts/bsc-openapi.yaml",
                 "fixtures/default.yaml"):
        assert dockerignore_allows(kept), kept
    for dropped in ("tests/testing/test_plugin.py", "contracts/test_conformance.py", ".git/HEAD",
                    "mockbsc/__pycache__/x.pyc", "benchmarks/run.py", "venv/bin/python"):
        assert not dockerignore_allows(dropped), dropped
    for word, args in instructions():
        if word == "COPY":
            *sources, _ = shlex.split(args)
            for source in sources:
                origin = REPO / source
                files = [origin] if origin.is_file() else [
                    f for f in origin.rglob("*") if f.is_file()]
                assert any(dockerignore_allows(str(f.relative_to(REPO))) for f in files), source


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A venv standing in for the image: the Dockerfile's COPY and RUN steps, executed."""
    root = tmp_path_factory.mktemp("image")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {"PATH": f"{venv / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
           "HOME": str(root), "VIRTUAL_ENV": str(venv)}
    workdir = root
    mapped = {}
    for word, args in instructions():
        if word == "ENV":
            env.update(env_of(args))
        elif word == "WORKDIR":
            mapped[args] = str(root / args.strip("/"))
            workdir = Path(mapped[args])
            workdir.mkdir(parents=True, exist_ok=True)
        elif word == "COPY":
            *sources, target = shlex.split(args)
            for source in sources:
                origin = REPO / source
                destination = workdir / target
                if origin.is_dir():
                    shutil.copytree(origin, destination, ignore=_ignored)
                else:
                    shutil.copy2(origin, destination / origin.name)
        elif word == "RUN" and "pip install" in args:  # user setup etc. is image-only
            command = args
            for image_path, host_path in mapped.items():
                command = command.replace(f" {image_path}", f" {host_path}")
            done = subprocess.run(["sh", "-c", command], cwd=workdir, env=env,
                                  capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return workdir, env


def _ignored(directory: str, names: list[str]) -> list[str]:
    """copytree's filter: leave out what .dockerignore keeps out of the build context."""
    relative = os.path.relpath(directory, REPO)
    return [n for n in names if not dockerignore_allows(f"{relative}/{n}")
            and not (Path(directory, n).is_dir() and dockerignore_allows(f"{relative}/{n}/x"))]


@pytest.mark.slow
def test_image_install_carries_no_test_tools(image: tuple[Path, dict[str, str]]) -> None:
    _, env = image
    listing = subprocess.run(["python", "-m", "pip", "list", "--format=json"], env=env,
                             capture_output=True, text=True, check=True)
    names = {p["name"].lower() for p in json.loads(listing.stdout)}
    assert "mockbsc" in names
    assert not names & NOT_IN_IMAGE


@pytest.mark.slow
def test_image_entrypoint_serves_and_passes_its_healthcheck(
    image: tuple[Path, dict[str, str]]
) -> None:
    workdir, env = image
    steps = dict(instructions())
    port = unbound_port_number()  # the number is what is under test: see its docstring
    env = {**env, "MOCKBSC_PORT": str(port)}  # as `docker run -e MOCKBSC_PORT=...` would
    health = exec_form(steps["HEALTHCHECK"].split("CMD", 1)[1].strip())
    process = subprocess.Popen(exec_form(steps["ENTRYPOINT"]), cwd=workdir, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while subprocess.run(health, env=env, capture_output=True).returncode != 0:
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "healthcheck never passed"
            time.sleep(0.2)
        token = httpx.post(f"http://127.0.0.1:{port}/management-api/oauth/token",
                           auth=("demo", "demo-password"),
                           data={"grant_type": "client_credentials"})
        assert token.status_code == 200
    finally:
        process.terminate()
        process.communicate(timeout=10)
