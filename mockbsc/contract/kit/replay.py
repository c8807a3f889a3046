"""`mockbsc contract replay`: recorded exchanges sent again to any server, answers compared.

A recording from the real platform (or from `mockbsc proxy --record`) says what a client may
rely on; replaying it against the mock, a staging platform or a new release tells whether
they still answer alike. Exact values differ between servers (another fleet, another clock),
so what is compared is what a client's code depends on: the status, the content type, the
presence of the paging headers and of `Location` (and the path shape of the latter), and the
body's keys and value types (recursively; a key the server adds is not a difference).

What cannot be replayed verbatim is mapped: a fresh token is used (a recording made with a
bad token, answered 401, is replayed with a bad token; a refused token request with a wrong
password); recorded ICCIDs the target lacks are mapped, in order, to the target's own SIMs
(except those the recording shows as unknown: answered 404 or an empty 200); ids from a
recorded `Location` are mapped to the ids the target answered.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from mockbsc.adapters.cassettes import Recording

BASE_MARKER = "/management-api"
BAD_TOKEN = "replay-invalid-token"
PAGING_HEADERS = ("X-Total-Count", "X-Total-Pages")
_ICCID_PATH = re.compile(r"/v1/sims/([0-9]+)")
_DIGITS = re.compile(r"[0-9]+")


class ReplayError(RuntimeError):
    """The target cannot be used (no token); the message says why."""


@dataclass(slots=True)
class Outcome:
    """One replayed exchange: what was sent, what differs (empty when all matches)."""

    source: str
    method: str
    path: str
    recorded_status: int
    status: int
    problems: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not self.problems


def local_path(uri: str) -> str:
    """The path and query of a recorded URI under the API's base (`/v1/sims?page=2`)."""
    parts = urlsplit(uri)
    path = parts.path
    if BASE_MARKER in path:
        path = path[path.index(BASE_MARKER) + len(BASE_MARKER):]
    elif "/v1/" in path:
        path = path[path.index("/v1/"):]
    return path + (f"?{parts.query}" if parts.query else "")


class Replayer:
    def __init__(self, base_url: str, user: str, password: str,
                 client: httpx.Client | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.user, self.password = user, password
        self.client = client or httpx.Client(timeout=30.0)
        self.token: str | None = None
        self.iccids: dict[str, str] = {}
        self.ids: dict[str, str] = {}

    def login(self) -> str:
        try:
            answer = self.client.post(self.base_url + "/oauth/token",
                                      auth=(self.user, self.password),
                                      data={"grant_type": "client_credentials"})
            self.token = str(answer.json()["access_token"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise ReplayError(f"no token from {self.base_url}/oauth/token: {exc}") from None
        return self.token

    def plan_iccids(self, recordings: list[Recording]) -> None:
        """Map each recorded ICCID the target lacks to one of the target's SIMs."""
        unknown, seen = set(), []
        for r in recordings:
            for iccid in _ICCID_PATH.findall(local_path(r.uri)):
                if iccid not in seen:
                    seen.append(iccid)
                path = local_path(r.uri).split("?")[0]
                if r.method == "GET" and path == f"/v1/sims/{iccid}" and (
                        r.status == 404 or (r.status == 200 and not r.response_body.strip())):
                    unknown.add(iccid)
            for iccid in re.findall(r'"iccid"\s*:\s*"([0-9]+)"', r.request_body):
                if iccid not in seen:
                    seen.append(iccid)
        wanted = [i for i in seen if i not in unknown]
        if not wanted:
            return
        target = self._target_iccids(len(wanted))
        free = [i for i in target if i not in wanted]
        for iccid in wanted:
            if iccid in target:
                self.iccids[iccid] = iccid
            elif free:
                self.iccids[iccid] = free.pop(0)

    def _target_iccids(self, count: int) -> list[str]:
        answer = self.client.get(self.base_url + "/v1/sims",
                                 params={"page": 1, "pageSize": min(max(count * 2, 10), 100)},
                                 headers=self._bearer())
        try:
            return [str(s["iccid"]) for s in answer.json()]
        except (ValueError, KeyError, TypeError):
            return []

    def _bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token or self.login()}"}

    def _map(self, text: str, path: bool) -> str:
        for recorded, target in self.iccids.items():
            text = text.replace(recorded, target)
        if path and self.ids:
            text = "/".join(self.ids.get(part, part) for part in text.split("/"))
        return text

    def replay(self, recording: Recording) -> Outcome:
        path = self._map(local_path(recording.uri), path=True)
        body = self._map(recording.request_body, path=False)
        headers = {k: v for k in ("Content-Type", "Accept")
                   if (v := recording.header("request", k)) is not None}
        auth = None
        if path.startswith("/oauth/token"):
            good = 200 <= recording.status < 300
            auth = (self.user, self.password if good else self.password + "-wrong")
        elif recording.status == 401:
            headers["Authorization"] = f"Bearer {BAD_TOKEN}"
        else:
            headers.update(self._bearer())
        answer = self.client.request(recording.method, self.base_url + path, headers=headers,
                                     content=body.encode() if body else None, auth=auth)
        outcome = Outcome(recording.source, recording.method, path, recording.status,
                          answer.status_code)
        outcome.problems = compare(recording, answer)
        self._learn_ids(recording, answer)
        return outcome

    def _learn_ids(self, recording: Recording, answer: httpx.Response) -> None:
        recorded = recording.header("response", "Location")
        got = answer.headers.get("Location")
        if recorded and got:
            self.ids[recorded.rstrip("/").rsplit("/", 1)[-1]] = got.rstrip("/").rsplit("/", 1)[-1]


def compare(recording: Recording, answer: httpx.Response) -> list[str]:
    """What differs between a recorded answer and the target's (see the module's doc)."""
    problems = []
    if recording.status != answer.status_code:
        problems.append(f"status: recorded {recording.status}, got {answer.status_code}")
    body = recording.response_body
    recorded_type = _media(recording.header("response", "Content-Type"))
    got_type = _media(answer.headers.get("Content-Type"))
    if body.strip() and recorded_type != got_type:
        problems.append(f"content type: recorded {recorded_type}, got {got_type or '(none)'}")
    for name in PAGING_HEADERS:
        had, has = recording.header("response", name), answer.headers.get(name)
        if (had is None) != (has is None):
            problems.append(f"header {name}: recorded {'present' if had else 'absent'}, got "
                            f"{'present' if has else 'absent'}")
        elif has is not None and not has.strip().isdecimal():
            problems.append(f"header {name}: {has!r} is not a count")
    had, has = recording.header("response", "Location"), answer.headers.get("Location")
    if (had is None) != (has is None):
        problems.append(f"header Location: recorded {'present' if had else 'absent'}, got "
                        f"{'present' if has else 'absent'}")
    elif had is not None and has is not None and _shape(had) != _shape(has):
        problems.append(f"header Location: recorded {_shape(had)}, got {_shape(has)}")
    if not body.strip():
        if answer.content.strip():
            problems.append("body: recorded empty, got one")
        return problems
    try:
        expected = json.loads(body)
    except ValueError:
        return problems  # not JSON: only the status and headers are compared
    try:
        actual = answer.json()
    except ValueError:
        return [*problems, "body: recorded JSON, got none"]
    problems += [f"body{where}: {what}" for where, what in _structure(expected, actual, "")]
    return problems


def _structure(expected: Any, actual: Any, where: str) -> Iterable[tuple[str, str]]:
    kind, got = _kind(expected), _kind(actual)
    if kind != got:
        yield where or ".", f"recorded {kind}, got {got}"
        return
    if isinstance(expected, dict):
        missing = [k for k in expected if k not in actual]
        if missing:
            yield where or ".", f"keys missing: {', '.join(missing)}"
        for key in expected:
            if key in actual:
                yield from _structure(expected[key], actual[key], f"{where}.{key}")
    elif isinstance(expected, list) and expected and actual:
        yield from _structure(expected[0], actual[0], f"{where}[0]")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _media(value: str | None) -> str:
    return (value or "").split(";")[0].strip().lower()


def _shape(location: str) -> str:
    path = urlsplit(location).path
    if "/v1/" in path:
        path = path[path.index("/v1/"):]
    return _DIGITS.sub("{n}", path)


def replay_all(recordings: list[Recording], base_url: str, user: str, password: str,
               client: httpx.Client | None = None) -> list[Outcome]:
    replayer = Replayer(base_url, user, password, client)
    try:
        replayer.login()
        replayer.plan_iccids(recordings)
        return [replayer.replay(r) for r in recordings]
    except httpx.HTTPError as exc:
        raise ReplayError(f"{base_url}: {exc}") from None
    finally:
        if client is None:
            replayer.client.close()


def report(outcomes: list[Outcome]) -> str:
    lines = []
    for o in outcomes:
        mark = "ok  " if o.matches else "DIFF"
        lines.append(f"{mark} {o.source}: {o.method} {o.path} -> {o.status}")
        lines += [f"       {p}" for p in o.problems]
    bad = sum(1 for o in outcomes if not o.matches)
    lines.append(f"{len(outcomes) - bad} of {len(outcomes)} exchanges match")
    return "\n".join(lines)
