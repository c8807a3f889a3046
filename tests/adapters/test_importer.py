"""`mockbsc import` end to end: a live mockbsc as the platform, the file served again."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from starlette.testclient import TestClient

from mockbsc.adapters.bsc_client import BscClient, BscClientError, retry_after
from mockbsc.adapters.importer import ImportOptions, Progress, run_import
from mockbsc.api.app import build_emulator, create_app
from mockbsc.cli import main
from mockbsc.config import Settings
from mockbsc.testing.server import MockBSCServer

API = "/management-api"


@pytest.fixture(scope="module")
def upstream() -> Iterator[MockBSCServer]:
    """The 'platform': 12 SIMs of organisation 4321, a few detached, disabled, low on data."""
    with MockBSCServer(Settings(sims=12, clock="manual", seed=7)) as server:
        headers = server.token().headers
        placed = httpx.post(f"{server.api_url}/v1/orders", headers=headers, json={
            "products": [{"productId": 1001, "quantity": 2}], "customer_reference": "PO-1"})
        assert placed.status_code == 201, placed.text
        iccid = httpx.get(f"{server.api_url}/v1/sims", headers=headers).json()[0]["iccid"]
        topped = httpx.post(f"{server.api_url}/v1/sims/{iccid}/topup", headers=headers)
        assert topped.status_code == 201, topped.text
        yield server


def fleet(client: httpx.Client, base: str, token: str) -> dict[str, dict[str, Any]]:
    """Each SIM as a client sees it: the SIM, its quotas, its connection state."""
    headers = {"Authorization": f"Bearer {token}"}
    sims = client.get(f"{base}/v1/sims", params={"pageSize": 100}, headers=headers).json()
    seen = {}
    for sim in sims:
        one = f"{base}/v1/sims/{sim['iccid']}"
        seen[sim["iccid"]] = {
            "sim": sim,
            "data": client.get(f"{one}/quota/data", headers=headers).json(),
            "sms": client.get(f"{one}/quota/sms", headers=headers).json(),
            "state": client.get(f"{one}/status", headers=headers).json()["status"],
        }
    return seen


def orders_of(client: httpx.Client, base: str, token: str) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = client.get(
        f"{base}/v1/orders", headers={"Authorization": f"Bearer {token}"}).json()
    for order in listed:
        for sim in order.get("sims", []):
            sim.pop("_links")  # they name the server's own host
    return listed


def served(path: Path) -> TestClient:
    settings = Settings(clock="manual", fixtures=str(path))
    return TestClient(create_app(build_emulator(settings)), base_url="http://testserver")


def token_of(client: httpx.Client, base: str, user: str, password: str) -> str:
    answer = client.post(f"{base}/oauth/token", auth=(user, password),
                         data={"grant_type": "client_credentials"})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def test_import_then_serve_gives_the_same_sims_and_quotas(upstream: MockBSCServer,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "fleet.yaml"
    code = main(["import", "--base-url", upstream.api_url, "--user", "demo",
                 "--password", "demo-password", "--out", str(out)])
    assert code == 0
    text = out.read_text()
    assert "demo-password" not in text
    assert "access_token" not in text
    assert not (tmp_path / "fleet.yaml.partial").exists()
    with httpx.Client() as http:
        original = fleet(http, upstream.api_url,
                         token_of(http, upstream.api_url, "demo", "demo-password"))
        orders = orders_of(http, upstream.api_url,
                           token_of(http, upstream.api_url, "demo", "demo-password"))
    with served(out) as mock:
        copy = fleet(mock, API, token_of(mock, API, "demo", "imported-password"))
        orgs = mock.get("/_mockbsc/orgs").json()
        copied_orders = orders_of(mock, API, token_of(mock, API, "demo", "imported-password"))
    assert copy == original
    assert copied_orders == orders
    assert [o.get("customer_reference") for o in orders].count("PO-1") == 1
    assert len(copy) == 12
    assert [o["id"] for o in orgs] == [4321]


def test_redacted_import_keeps_shapes_and_quotas_but_no_identity(upstream: MockBSCServer,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "shared.yaml"
    assert main(["import", "--base-url", upstream.api_url, "--user", "demo", "--password",
                 "demo-password", "--out", str(out), "--redact", "--limit", "5",
                 "--local-password", "s3cret"]) == 0
    with httpx.Client() as http:
        original = fleet(http, upstream.api_url,
                         token_of(http, upstream.api_url, "demo", "demo-password"))
    with served(out) as mock:
        copy = fleet(mock, API, token_of(mock, API, "demo", "s3cret"))
    assert len(copy) == 5
    real = list(original.values())[:5]
    for before, after in zip(real, copy.values(), strict=True):
        b, a = before["sim"], after["sim"]
        for name in ("iccid", "imsi", "msisdn", "ip_address", "imei", "label"):
            if name in b:
                assert a[name] != b[name]
                assert name in a
                if name not in ("ip_address", "label"):
                    assert len(a[name]) == len(b[name])
                    assert a[name].isdigit()
        assert a["iccid_with_luhn"].startswith(a["iccid"])
        assert (after["data"], after["sms"], a["status"]) == (before["data"], before["sms"],
                                                             b["status"])
    assert not {s["sim"]["iccid"] for s in real} & set(copy)
    text = out.read_text()
    for sim in original.values():  # nowhere in the file, orders included
        for name in ("iccid", "imsi", "msisdn", "imei", "ip_address", "label"):
            assert name not in sim["sim"] or sim["sim"][name] not in text
    assert "PO-1" not in text
    assert "s3cret" in text


class Interrupting(httpx.BaseTransport):
    """Forwards to the live upstream; fails every call after `allowed` status reads."""

    def __init__(self, allowed: int | None) -> None:
        self.allowed = allowed
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/status"):
            if self.allowed == 0:
                raise httpx.ConnectError("cable pulled")
            if self.allowed is not None:
                self.allowed -= 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_an_interrupted_import_resumes_where_it_stopped(upstream: MockBSCServer,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "fleet.yaml"
    options = ImportOptions(upstream.api_url, "demo", "demo-password", out)
    with BscClient(upstream.api_url, "demo", "demo-password",
                   transport=Interrupting(4)) as client, pytest.raises(BscClientError):
        run_import(options, client, progress=None)
    assert not out.exists()
    assert len((tmp_path / "fleet.yaml.partial").read_text().splitlines()) == 1 + 4
    with BscClient(upstream.api_url, "demo", "demo-password",
                   transport=Interrupting(None)) as client:
        result = run_import(options, client, progress=None)
    assert (result.resumed, result.sims) == (4, 12)
    assert result.calls == 1 + 1 + 8 * 3 + 2  # token, listing, 8 SIMs, products, orders
    whole = tmp_path / "whole.yaml"
    run_import(ImportOptions(upstream.api_url, "demo", "demo-password", whole), progress=None)
    resumed = yaml.safe_load(out.read_text())
    assert resumed["organisations"] == yaml.safe_load(whole.read_text())["organisations"]


def test_rate_limits_are_waited_out_as_retry_after_asks(tmp_path: Path) -> None:
    waits: list[float] = []
    settings = Settings(sims=3, clock="manual",
                        faults="getSimsUsingGET status=429 times=2")
    with MockBSCServer(settings) as server, BscClient(
            server.api_url, "demo", "demo-password", sleep=waits.append) as client:
        result = run_import(ImportOptions(server.api_url, "demo", "demo-password",
                                          tmp_path / "f.yaml"), client, progress=None)
    assert result.sims == 3
    assert len(waits) == 2
    assert all(w >= 1 for w in waits)
    assert retry_after("7") == 7.0
    assert retry_after("Wed, 02 Dec 2026 10:00:30 GMT",
                       now=__import__("datetime").datetime(2026, 12, 2, 10, 0, 0,
                                                          tzinfo=__import__("datetime").UTC)) \
        == 30.0


def test_wrong_credentials_fail_in_one_line(upstream: MockBSCServer, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["import", "--base-url", upstream.api_url, "--user", "demo", "--password",
                 "wrong", "--out", str(tmp_path / "x.yaml")])
    assert code == 1
    err = capsys.readouterr().err
    assert "token request" in err
    assert "400" in err
    assert "wrong" not in err.split("answered")[0]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_done_total_rate_and_eta_on_a_terminal_only() -> None:
    ticks = iter([0.0, 2.0])
    screen = Terminal()
    line = Progress(screen, clock=lambda: next(ticks)).show(4, 10)
    assert line == "4/10 SIMs  2.0/s  ETA 00:00:03"
    assert screen.getvalue() == "\r" + line
    quiet = io.StringIO()
    Progress(quiet, clock=lambda: 1.0).show(1, 2)
    assert quiet.getvalue() == ""
