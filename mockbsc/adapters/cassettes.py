"""Recorded HTTP exchanges as VCR.py cassettes: read (JSON or YAML) and written, secrets out.

`mockbsc proxy --record DIR` writes one cassette per exchange; `mockbsc contract replay` reads
them back, and reads what other tools recorded: VCR.py cassettes (`interactions`, response
`body: {string: …}`) in YAML or JSON, Ruby VCR's (`http_interactions`), and the JSON extract of
the public live recordings (`body_json`/`body_raw`, see `tests/contract/cassettes/`).

Nothing secret is written: the `Authorization`, cookie and API-key headers are dropped, and
tokens and passwords in bodies (JSON keys or form fields such as `access_token`, `appToken`,
`password`) are replaced by `<redacted>`.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import yaml

REDACTED = "<redacted>"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie",
                            "x-api-key", "x-amz-security-token"})
_SECRET_KEY = re.compile(r"token|password|secret|credential|apikey|api_key", re.IGNORECASE)


class CassetteError(ValueError):
    """A file that is not a cassette this module reads; the message says which and why."""


@dataclass(slots=True)
class Recording:
    """One exchange as recorded. Headers keep every value (VCR's lists)."""

    method: str
    uri: str
    status: int
    request_headers: dict[str, list[str]] = field(default_factory=dict)
    request_body: str = ""
    response_headers: dict[str, list[str]] = field(default_factory=dict)
    response_body: str = ""
    message: str = ""
    source: str = ""

    def header(self, side: str, name: str) -> str | None:
        headers = self.request_headers if side == "request" else self.response_headers
        for key, values in headers.items():
            if key.lower() == name.lower() and values:
                return values[0]
        return None


def load(paths: Iterable[str | Path]) -> list[Recording]:
    """Every exchange of the cassettes, in file order (a directory: its files, sorted).

    Raises:
        CassetteError: a file cannot be read or has no interactions.
    """
    found: list[Recording] = []
    for given in paths:
        path = Path(given)
        files = sorted(p for p in path.iterdir() if p.suffix in (".json", ".yaml", ".yml")) \
            if path.is_dir() else [path]
        for file in files:
            found += _load_file(file)
    return found


def _load_file(path: Path) -> list[Recording]:
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise CassetteError(f"{path}: {exc}") from None
    interactions = None
    if isinstance(data, Mapping):
        interactions = data.get("interactions", data.get("http_interactions"))
    if not isinstance(interactions, list):
        raise CassetteError(f"{path}: no 'interactions' list (not a VCR cassette)")
    try:
        return [_recording(item, f"{path.name}#{n}") for n, item in enumerate(interactions)]
    except (KeyError, TypeError, ValueError) as exc:
        raise CassetteError(f"{path}: bad interaction: {exc}") from None


def _recording(item: Mapping[str, Any], source: str) -> Recording:
    request, response = item["request"], item["response"]
    status = response["status"]
    code = status["code"] if isinstance(status, Mapping) else status
    message = status.get("message", "") if isinstance(status, Mapping) else ""
    if "body_json" in response or "body_raw" in response:  # the public recordings' extract
        raw = response.get("body_json")
        body = json.dumps(raw) if raw is not None else (response.get("body_raw") or "")
    else:
        body = _body(response.get("body"))
    return Recording(
        method=str(request["method"]).upper(), uri=str(request["uri"]), status=int(code),
        request_headers=_headers(request.get("headers")), request_body=_body(request.get("body")),
        response_headers=_headers(response.get("headers")), response_body=body,
        message=str(message), source=item.get("cassette") or source)


def _body(body: Any) -> str:
    if isinstance(body, Mapping):  # VCR.py / Ruby VCR: {string: …} (Ruby: base64_string)
        if "base64_string" in body:
            return base64.b64decode(body["base64_string"]).decode("utf-8", "replace")
        body = body.get("string")
    if body is None:
        return ""
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return str(body)


def _headers(headers: Any) -> dict[str, list[str]]:
    if not isinstance(headers, Mapping):
        return {}
    return {str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])]
            for k, vs in headers.items()}


# ---------------------------------------------------------------------- writing
def scrubbed_headers(headers: Mapping[str, list[str]]) -> dict[str, list[str]]:
    return {k: list(v) for k, v in headers.items() if k.lower() not in SECRET_HEADERS}


def scrubbed_body(body: str, content_type: str | None) -> str:
    """`body` with every secret-looking JSON value or form field replaced by `<redacted>`."""
    if not body.strip():
        return body
    media = (content_type or "").split(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded" or (not media and "=" in body
                                                          and body.lstrip()[:1] not in "[{"):
        pairs = parse_qsl(body, keep_blank_values=True)
        return urlencode([(k, REDACTED if _SECRET_KEY.search(k) else v) for k, v in pairs])
    try:
        value = json.loads(body)
    except ValueError:
        return body
    return json.dumps(_scrub(value), ensure_ascii=False)


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED if _SECRET_KEY.search(k) and not isinstance(v, (dict, list))
                else _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def to_vcr(recording: Recording) -> dict[str, Any]:
    """One VCR.py interaction of `recording`, secrets removed."""
    request_headers = scrubbed_headers(recording.request_headers)
    response_headers = scrubbed_headers(recording.response_headers)
    return {
        "request": {
            "body": scrubbed_body(recording.request_body,
                                  recording.header("request", "Content-Type")) or None,
            "headers": request_headers, "method": recording.method, "uri": recording.uri},
        "response": {
            "body": {"string": scrubbed_body(recording.response_body,
                                             recording.header("response", "Content-Type"))},
            "headers": response_headers,
            "status": {"code": recording.status, "message": recording.message}},
    }


def write(path: Path, recordings: Iterable[Recording]) -> None:
    """A VCR.py cassette (YAML for `.yaml`/`.yml`, else JSON), version 1."""
    document = {"interactions": [to_vcr(r) for r in recordings], "version": 1}
    if path.suffix in (".yaml", ".yml"):
        text = yaml.safe_dump(document, sort_keys=True, allow_unicode=True)
    else:
        text = json.dumps(document, indent=2, ensure_ascii=False)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
