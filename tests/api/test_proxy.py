"""`mockbsc proxy` end to end: a live mockbsc as the upstream, a contract-breaking fake one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from mockbsc.api.proxy import create_proxy_app
from mockbsc.cli import main
from mockbsc.config import Settings
from mockbsc.testing.server import MockBSCServer

API = "/management-api"
SETTINGS = Settings(sims=8, clock="manual", seed=3)


@pytest.fixture
def upstream() -> Iterator[MockBSCServer]:
    with MockBSCServer(SETTINGS) as server:
        yield server


def session(client: httpx.Client, base: str) -> list[tuple[int, dict[str, str], Any]]:
    """A client's day: token, listing, one SIM, its quotas and status, a change, an SMS."""
    def seen(answer: httpx.Response) -> tuple[int, dict[str, str], Any]:
        kept = {k: answer.headers[k] for k in ("X-Total-Count", "X-Total-Pages",
                                                "Content-Type") if k in answer.headers}
        if "Location" in answer.headers:
            kept["Location"] = answer.headers["Location"].split(API, 1)[1]
        body: Any = answer.json() if answer.content else None
        if isinstance(body, dict):
            body.pop("access_token", None)
            body.pop("appToken", None)
        return answer.status_code, kept, body

    token = client.post(f"{base}/oauth/token", auth=("demo", "demo-password"),
                        data={"grant_type": "client_credentials"})
    auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
    listing = client.get(f"{base}/v1/sims", params={"page": 1, "pageSize": 5}, headers=auth)
    iccid = listing.json()[0]["iccid"]
    one = f"{base}/v1/sims/{iccid}"
    answers = [seen(token), seen(listing)]
    for path in ("", "/quota/data", "/quota/sms", "/status", "/events?pageSize=3"):
        answers.append(seen(client.get(one + path, headers=auth)))
    answers.append(seen(client.put(one, json={"label": "Pump 7"}, headers=auth)))
    sent = client.post(f"{one}/sms", json={"payload": "hi"}, headers=auth)
    answers.append(seen(sent))
    answers.append(seen(client.get(f"{base}{sent.headers['Location'].split(API, 1)[1]}",
                                   headers=auth)))
    answers.append(seen(client.get(f"{base}/v1/sims/{iccid}", headers={
        "Authorization": "Bearer not-a-token"})))
    return answers


def test_proxy_answers_as_the_upstream_records_without_secrets_and_replays(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with MockBSCServer(SETTINGS) as direct, httpx.Client() as http:
        expected = session(http, direct.api_url)
    record = tmp_path / "cassettes"
    with MockBSCServer(SETTINGS) as upstream, TestClient(
            create_proxy_app(upstream.url, record)) as proxy:
        got = session(proxy, f"http://testserver{API}")
        violations = proxy.get("/_mockbsc/violations").json()
        health = proxy.get("/health").json()
    assert got == expected
    assert violations == []
    assert health["status"] == "ok"
    assert health["upstream"] == upstream.url
    files = sorted(record.iterdir())
    assert len(files) == len(expected)
    text = "".join(f.read_text() for f in files)
    assert "demo-password" not in text
    assert "Authorization" not in text
    assert "ZGVtbzpkZW1vLXBhc3N3b3Jk" not in text  # demo:demo-password in Basic
    assert "<redacted>" in files[0].read_text()  # the token answer
    with MockBSCServer(SETTINGS) as fresh:
        code = main(["contract", "replay", str(record), "--base-url", fresh.api_url,
                     "--user", "demo", "--password", "demo-password"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"{len(files)} of {len(files)} exchanges match" in out


def breaking_upstream() -> Starlette:
    """An upstream that breaks the contract in the ways a proxy must notice."""
    async def sims(request: Request) -> Response:
        body = [{"iccid": "8988228066602306770", "imsi": "901405102306770",
                 "msisdn": "882285102306770", "imei_lock": False, "status": "Enabled",
                 "activation_date": "26.08.2021 12:13", "ip_address": "10.0.0.1",
                 "current_quota": 500, "quota_status": {"id": 0, "description": "ok"},
                 "current_quota_SMS": 250, "quota_status_SMS": {"id": 0, "description": "ok"}}]
        return JSONResponse(body)  # no paging headers, a date in the wrong format

    async def sim(request: Request) -> Response:
        return Response("I'm a teapot", status_code=418, media_type="text/plain")

    async def quota(request: Request) -> Response:
        return Response(json.dumps({"volume": 1}), media_type="text/html")

    return Starlette(routes=[
        Route(f"{API}/v1/sims", sims), Route(API + "/v1/sims/{iccid}", sim),
        Route(API + "/v1/sims/{iccid}/quota/data", quota)])


def test_an_upstream_breaking_the_contract_shows_up_at_violations() -> None:
    fake = httpx.ASGITransport(app=breaking_upstream())
    app = create_proxy_app("http://upstream.test", transport=fake)
    with TestClient(app) as proxy:
        listing = proxy.get(f"{API}/v1/sims", params={"pageSize": 5})
        assert listing.status_code == 200  # passed on unchanged
        assert proxy.get(f"{API}/v1/sims/8988228066602306770").status_code == 418
        proxy.get(f"{API}/v1/sims/8988228066602306770/quota/data")
        proxy.get(f"{API}/v1/sims", params={"pageSize": 5000})  # the client's own mistake
        found = proxy.get("/_mockbsc/violations").json()
    rules = {(v["exchange"], v["side"], v["rule"]) for v in found}
    assert (1, "response", "header") in rules  # X-Total-Count and friends missing
    assert any(v["rule"] == "schema" and "activation_date" in v["detail"] for v in found)
    assert (2, "response", "status") in rules
    assert (3, "response", "content-type") in rules
    assert (4, "request", "parameter") in rules
    assert {v["operation"] for v in found} == {"getSimsUsingGET", "getSimUsingGET",
                                               "getDataQuotaForSimUsingGET"}
    first = next(v for v in found if v["exchange"] == 1)
    assert (first["method"], first["path"], first["status"]) == ("GET", f"{API}/v1/sims", 200)


def test_the_mock_itself_keeps_no_violations(client: TestClient) -> None:
    assert client.get("/_mockbsc/violations").json() == []


def test_an_unreachable_upstream_is_a_502_not_a_hang() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    app = create_proxy_app("http://nowhere.test",
                           transport=httpx.MockTransport(refuse))  # type: ignore[arg-type]
    with TestClient(app) as proxy:
        answer = proxy.get(f"{API}/v1/sims")
    assert answer.status_code == 502
    assert "nowhere.test" in answer.json()["message"]


def test_a_body_over_the_limit_is_refused_without_reaching_the_upstream() -> None:
    reached: list[httpx.Request] = []

    def upstream(request: httpx.Request) -> httpx.Response:
        reached.append(request)
        return httpx.Response(200)

    app = create_proxy_app("http://up.test", transport=httpx.MockTransport(upstream),  # type: ignore[arg-type]
                           max_body_bytes=100)
    with TestClient(app) as proxy:
        answer = proxy.post(f"{API}/v1/sims", content=b"[" + b" " * 200 + b"]",
                            headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert reached == []
