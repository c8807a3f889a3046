"""`RemoteSandbox`: one sandbox on an external mockbsc server (a Docker sidecar, say).

With `--mockbsc-url URL` (or `MOCKBSC_URL`) the pytest plugin gives each test one of these
instead of an in-process emulator: created at the start of the test with the settings of its
`mockbsc` marker, deleted at the end. It offers what `MockBSCServer` offers that works over
HTTP (`url`, `api_url`, `token()`, `requests()`, `deliveries()`, `sms()`, clock moves,
`reset()`), all through the sandbox's own control API, so parallel workers never meet.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from types import TracebackType
from typing import Any

import httpx

from mockbsc.testing.server import BearerToken, ServerError

TIMEOUT = 30.0  # seeding a big sandbox on a busy CI machine takes a while


class RemoteSandbox:
    """A sandbox on the mockbsc server at `server_url`; create it with `create()` or `with`.

    Args:
        server_url: the server's base URL (e.g. `http://mockbsc:8080`).
        settings: the sandbox's platform (`PUT /_mockbsc/sandboxes/{id}`'s body).
        sandbox_id: the id; a random `t-...` one when None.
        admin_token: the server's `--admin-token`, if it has one.
    """

    def __init__(self, server_url: str, settings: dict[str, Any] | None = None, *,
                 sandbox_id: str | None = None, admin_token: str | None = None) -> None:
        self.server_url = server_url.rstrip("/")
        self.settings = dict(settings or {})
        self.id = sandbox_id or "t-" + secrets.token_hex(8)
        self._headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
        self._http = httpx.Client(timeout=TIMEOUT, headers=self._headers)
        self.info: dict[str, Any] = {}

    # ------------------------------------------------------------------ lifecycle
    def create(self) -> RemoteSandbox:
        """Create the sandbox on the server.

        Raises:
            ServerError: the server refused (the message carries its answer).
        """
        response = self._http.put(f"{self.server_url}/_mockbsc/sandboxes/{self.id}",
                                  json=self.settings)
        if response.status_code != 201:
            self._http.close()  # nothing to delete later
            raise ServerError(f"mockbsc at {self.server_url} did not create sandbox "
                              f"{self.id}: {response.status_code} {response.text[:500]}")
        self.info = response.json()
        return self

    def delete(self) -> None:
        """Remove the sandbox (quietly if it is already gone); close the connections."""
        try:
            self._http.delete(f"{self.server_url}/_mockbsc/sandboxes/{self.id}")
        except httpx.HTTPError:
            pass  # the server went away: the sandbox went with it
        finally:
            self._http.close()

    def __enter__(self) -> RemoteSandbox:
        return self.create()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.delete()

    # ------------------------------------------------------------------ addresses
    @property
    def url(self) -> str:
        """The sandbox's base URL (`.../sandboxes/{id}`): `url + "/health"` works as on a
        server of its own."""
        return f"{self.server_url}/sandboxes/{self.id}"

    @property
    def api_url(self) -> str:
        """What a BSC client is configured with (`.../sandboxes/{id}/management-api`)."""
        return self.url + "/management-api"

    @property
    def users(self) -> list[dict[str, Any]]:
        """The sandbox's API users: `username`, `password`, `org_id`."""
        users: list[dict[str, Any]] = self.info.get("users", [])
        return users

    # ------------------------------------------------------------------ the platform
    def token(self, username: str | None = None, password: str | None = None) -> BearerToken:
        """A bearer token from the sandbox's token endpoint (default: its first API user)."""
        if username is None:
            if not self.users:
                raise ServerError(f"sandbox {self.id} has no API user")
            username, password = self.users[0]["username"], self.users[0]["password"]
        response = self._http.post(f"{self.api_url}/oauth/token", auth=(username, password or ""),
                                   data={"grant_type": "client_credentials"}, headers={})
        response.raise_for_status()
        body = response.json()
        org_id = next((u["org_id"] for u in self.users if u["username"] == username), 0)
        return BearerToken(body["access_token"], int(body["expires_in"]), username, org_id,
                           {"Authorization": f"Bearer {body['access_token']}"})

    def requests(self, operation: str | None = None) -> list[dict[str, Any]]:
        """What the code under test called in this sandbox, oldest first."""
        return self._get("/requests", {"operation": operation})

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")

    def deliveries(self, status: str | None = None,
                   iccid: str | None = None) -> list[dict[str, Any]]:
        """Webhook deliveries with their attempts."""
        return self._get("/webhooks", {"status": status, "iccid": iccid})

    def sms(self, iccid: str) -> list[dict[str, Any]]:
        """The SMS the platform holds for a SIM, read as the first user allowed to see it."""
        for user in self.users:
            headers = self.token(user["username"], user["password"]).headers
            response = self._http.get(f"{self.api_url}/v1/sims/{iccid}/sms",
                                      params={"pageSize": 100}, headers=headers)
            if response.status_code == 200:
                result: list[dict[str, Any]] = response.json()
                return result
        raise LookupError(f"no user of sandbox {self.id} may read SIM {iccid}")

    def now(self) -> datetime:
        """The sandbox's clock."""
        now = self._call("GET", "/clock")["now"]
        return datetime.fromisoformat(str(now).replace("Z", "+00:00"))

    def advance(self, seconds: float) -> int:
        """Move the sandbox's clock forward, running what falls due; how many jobs ran."""
        return int(self._call("POST", "/clock/advance", {"seconds": seconds})["ran"])

    def set_time(self, moment: datetime) -> int:
        """Move the sandbox's clock to `moment` (never backwards)."""
        return int(self._call("POST", "/clock/set", {"now": moment.isoformat()})["ran"])

    def reset(self, seed: int | None = None, sims: int | None = None) -> None:
        """Back to a freshly seeded state (`POST /_mockbsc/reset` of the sandbox)."""
        body = {k: v for k, v in (("seed", seed), ("sims", sims)) if v is not None}
        self._call("POST", "/reset", body)

    def check(self) -> None:
        """Raise if the sandbox is gone or unhealthy (server-side errors stay on the server)."""
        self._call("GET", "/health")

    def describe(self) -> dict[str, Any]:
        return {"url": self.url, "id": self.id, **self._call("GET", "/health")}

    def __repr__(self) -> str:
        return f"<RemoteSandbox {self.url}>"

    # ------------------------------------------------------------------ plumbing
    def _get(self, path: str, params: dict[str, str | None]) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call(
            "GET", path, params={k: v for k, v in params.items() if v is not None})
        return result

    def _call(self, method: str, path: str, body: Any = None,
              params: dict[str, str] | None = None) -> Any:
        response = self._http.request(method, f"{self.url}/_mockbsc{path}", params=params,
                                      json=body)
        if response.status_code >= 400:
            raise ServerError(f"{method} {self.url}/_mockbsc{path}: {response.status_code} "
                              f"{response.text[:500]}")
        return response.json() if response.content else None
