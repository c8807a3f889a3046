"""Responses as the platform sends them: `application/json;charset=UTF-8` plus Spring's
security headers, empty bodies for actions, and the four pagination headers for lists."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
from starlette.responses import Response

from mockbsc.domain.paging import Page

JSON_UTF8 = "application/json;charset=UTF-8"
SECURITY_HEADERS = {
    "Cache-Control": "no-cache, no-store, max-age=0, must-revalidate",
    "Pragma": "no-cache",
    "Expires": "0",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-XSS-Protection": "1; mode=block",
    "Strict-Transport-Security": "max-age=31536000",  # as recorded (S4) on every /v1 answer
}


# The fallback for what orjson refuses (integers beyond 64 bits): the standard library's
# compact UTF-8 output, which orjson's matches byte for byte on everything else we send.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS
_SECURITY_RAW = [(k.lower().encode("latin-1"), v.encode("latin-1"))
                 for k, v in SECURITY_HEADERS.items()]
_SET_BY_STARLETTE = ("content-length", "content-type")


def _response(body: bytes, status: int, headers: Mapping[str, str] | None,
              media_type: str) -> Response:
    """`Response(body, status, {**SECURITY_HEADERS, **headers}, media_type)`, the same bytes on
    the wire, without encoding the fixed security headers again for every response."""
    if (headers and any(k in SECURITY_HEADERS or k.lower() in _SET_BY_STARLETTE
                        for k in headers)) or media_type.startswith("text/"):
        return Response(body, status, {**SECURITY_HEADERS, **(headers or {})}, media_type)
    raw = _SECURITY_RAW + [(k.lower().encode("latin-1"), v.encode("latin-1"))
                           for k, v in headers.items()] if headers else _SECURITY_RAW[:]
    if not (status < 200 or status in (204, 304)):  # Starlette's rule for Content-Length
        raw.append((b"content-length", str(len(body)).encode("latin-1")))
    raw.append((b"content-type", media_type.encode("latin-1")))
    return _Prepared(body, status, raw)


class _Prepared(Response):
    """A `Response` given its body and its headers as Starlette would have built them (the
    same order, the same bytes): the security headers encoded once, no rendering."""

    def __init__(self, body: bytes, status: int, raw_headers: list[tuple[bytes, bytes]]
                 ) -> None:
        self.status_code = status
        self.background = None
        self.body = body
        self.raw_headers = raw_headers


def json_response(
    content: Any, status: int = 200, headers: Mapping[str, str] | None = None,
    media_type: str = JSON_UTF8,
) -> Response:
    return _response(encode(content), status, headers, media_type)


def encode(content: Any) -> bytes:
    """Compact UTF-8 JSON, keys in insertion order: orjson (a tenth of `json.dumps`'s cost on
    a SIM), the standard library for the rare value orjson does not take."""
    try:
        return orjson.dumps(content, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError: e.g. an int beyond 64 bits
        return _ENCODER.encode(content).encode()


def json_array_response(items: Iterable[Any], media_type: str = JSON_UTF8,
                        headers: Mapping[str, str] | None = None) -> Response:
    """A JSON array encoded one item at a time into one buffer: a listing of 10,000 webhook
    deliveries peaks at its bytes (~1.2 KB a delivery) instead of all its dicts plus their
    bytes (~4 KB a delivery, measured by tracemalloc), and a process's resident memory keeps
    much of such a peak once it has been reached."""
    out = io.BytesIO()
    separator = b"["
    for item in items:
        out.write(separator)
        out.write(encode(item))
        separator = b","
    out.write(b"]" if separator == b"," else b"[]")
    return _response(out.getvalue(), 200, headers, media_type)


def gateway_json_response(content: Any, status: int = 200) -> Response:
    """The token endpoint's answer: `application/json` and none of Spring's security headers,
    as recorded (S4): it is served by the API gateway, not by the Spring application."""
    return Response(_ENCODER.encode(content).encode(), status, None, "application/json")


def empty_response(status: int, headers: Mapping[str, str] | None = None) -> Response:
    """An action's answer: no body, `Content-Type: application/json`, as on the wire."""
    return _response(b"", status, headers, "application/json")


def page_headers(page: Page[Any]) -> dict[str, str]:
    return {
        "X-Count-Per-Page": str(page.page_size),
        "X-Current-Page": str(page.page),
        "X-Total-Count": str(page.total),
        "X-Total-Pages": str(page.total_pages),
    }


def page_response(items: Sequence[Any], page: Page[Any]) -> Response:
    return json_response(list(items), headers=page_headers(page))
