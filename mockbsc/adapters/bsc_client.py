"""A small read-only client of a BSC-compatible API (the real platform, a staging one, mockbsc).

Used by `mockbsc import`: one token, then GET calls only, each retried while the platform
answers 429 (waiting its `Retry-After`, as its published limits ask) and once with a fresh
token after a 401 (a token may expire during a long import). The password is kept in memory
only, never logged.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx

MAX_RETRY_AFTER = 300.0  # seconds: a platform asking for longer is treated as this
DEFAULT_RETRY_AFTER = 1.0  # a 429 without a readable Retry-After


class BscClientError(RuntimeError):
    """A call failed for good (wrong credentials or URL, an unexpected status)."""


def retry_after(value: str | None, now: datetime | None = None) -> float:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date."""
    if not value:
        return DEFAULT_RETRY_AFTER
    text = value.strip()
    if text.isdecimal():
        return min(float(text), MAX_RETRY_AFTER)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    wait = (moment - (now or datetime.now(UTC))).total_seconds()
    return min(max(wait, 0.0), MAX_RETRY_AFTER)


class BscClient:
    """GET calls under `base_url` (e.g. `https://host/management-api`) with a bearer token.

    Args:
        base_url: the API as a client uses it.
        user, password: the API user (HTTP Basic for the token).
        transport: an httpx transport (tests pass `httpx.MockTransport`).
        sleep: how to wait for `Retry-After` (tests pass a recorder).
        max_attempts: attempts per call while it is answered 429.
    """

    def __init__(self, base_url: str, user: str, password: str, *,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep, max_attempts: int = 20,
                 timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._user, self._password = user, password
        self._http = httpx.Client(transport=transport, timeout=timeout,
                                  headers={"Accept": "application/json"})
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._token: str | None = None
        self.token_info: dict[str, Any] = {}
        self.calls = 0
        self.waited = 0.0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BscClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def login(self) -> dict[str, Any]:
        """Get a token; the token response (without the token itself) is kept as
        `token_info` (`userId`, `orgId` where the platform sends them)."""
        response = self._send("POST", "/oauth/token", auth=(self._user, self._password),
                              data={"grant_type": "client_credentials"})
        if response.status_code != 200:
            raise BscClientError(f"token request to {self.base_url}/oauth/token answered "
                                 f"{response.status_code}: {response.text[:200]}")
        try:
            body = response.json()
            self._token = str(body["access_token"])
        except (ValueError, KeyError, TypeError):
            raise BscClientError("token response without access_token") from None
        self.token_info = {k: v for k, v in body.items()
                           if k not in ("access_token", "appToken", "refresh_token")}
        return self.token_info

    def get(self, path: str, params: dict[str, Any] | None = None,
            ok: tuple[int, ...] = (200,)) -> httpx.Response:
        """GET `path` (under the base URL); an answer outside `ok` raises."""
        if self._token is None:
            self.login()
        response = self._send("GET", path, params=params, bearer=True)
        if response.status_code == 401:  # expired meanwhile: one fresh token, one more try
            self.login()
            response = self._send("GET", path, params=params, bearer=True)
        if response.status_code not in ok:
            raise BscClientError(f"GET {path} answered {response.status_code}: "
                                 f"{response.text[:200]}")
        return response

    def json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = self.get(path, params)
        try:
            return response.json()
        except ValueError:
            raise BscClientError(f"GET {path}: the answer is not JSON") from None

    def pages(self, path: str, page_size: int = 100,
              params: dict[str, Any] | None = None) -> Iterator[tuple[list[Any], int | None]]:
        """Each page of a listing with the total (`X-Total-Count`, None if not sent); stops
        at an empty or short page or at `X-Total-Pages`."""
        page = 1
        while True:
            response = self.get(path, {**(params or {}), "page": page, "pageSize": page_size})
            items = response.json()
            if not isinstance(items, list):
                raise BscClientError(f"GET {path}: expected a JSON array")
            total = _int(response.headers.get("X-Total-Count"))
            pages = _int(response.headers.get("X-Total-Pages"))
            yield items, total
            if not items or len(items) < page_size or (pages is not None and page >= pages):
                return
            page += 1

    def _send(self, method: str, path: str, *, bearer: bool = False,
              **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._token}"} if bearer else {}
        for attempt in range(1, self._max_attempts + 1):
            self.calls += 1
            try:
                response = self._http.request(method, self.base_url + path, headers=headers,
                                              **kwargs)
            except httpx.HTTPError as exc:
                raise BscClientError(f"{method} {self.base_url}{path}: {exc}") from None
            if response.status_code != 429 or attempt == self._max_attempts:
                return response
            wait = retry_after(response.headers.get("Retry-After"))
            self.waited += wait
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.strip().isdecimal() else None
