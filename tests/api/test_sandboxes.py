"""Sandboxes (issue 15): created, listed, deleted and expired over the root control API;
each a whole platform of its own under `/sandboxes/{id}/`, the unprefixed URLs untouched."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.api.app import create_app
from mockbsc.api.sandboxes import SandboxRegistry
from mockbsc.config import Settings
from mockbsc.domain.clock import ManualClock
from mockbsc.domain.platform import Emulator
from tests.conftest import API, DEMO, token_for

ICCID = "8988280666030217999"


@pytest.fixture
def registry_clock() -> ManualClock:
    """The registry's own time, moved by the tests instead of sleeping."""
    return ManualClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def server(emulator: Emulator, registry_clock: ManualClock) -> Iterator[TestClient]:
    registry = SandboxRegistry(ttl=3600, max_sandboxes=3, now=registry_clock.now)
    app = create_app(emulator, sandboxes=registry)
    with TestClient(app, base_url="http://localhost") as client:
        yield client
    emulator.check()


def create(client: TestClient, sandbox_id: str, **body: Any) -> dict[str, Any]:
    response = client.put(f"/_mockbsc/sandboxes/{sandbox_id}", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def bearer(client: TestClient, base: str, user: tuple[str, str] = DEMO) -> dict[str, str]:
    response = client.post(f"{base}{API}/oauth/token", auth=user,
                           data={"grant_type": "client_credentials"})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_a_put_creates_a_sandbox_and_answers_its_urls_and_users(server: TestClient) -> None:
    response = server.put("/_mockbsc/sandboxes/team-a_1", json={"seed": 7, "sims": 50})
    assert response.status_code == 201
    assert response.headers["location"] == "http://localhost/_mockbsc/sandboxes/team-a_1"
    body = response.json()
    assert body["id"] == "team-a_1"
    assert body["api_url"] == "http://localhost/sandboxes/team-a_1/management-api"
    assert body["control_url"] == "http://localhost/sandboxes/team-a_1/_mockbsc"
    assert {"username": "demo", "password": "demo-password", "org_id": 4321} in body["users"]
    headers = bearer(server, "/sandboxes/team-a_1")
    sims = server.get(f"/sandboxes/team-a_1{API}/v1/sims", params={"pageSize": 100},
                      headers=headers).json()
    assert len(sims) == 50


def test_a_second_put_of_the_same_id_is_409_and_leaves_the_first(server: TestClient) -> None:
    create(server, "one", sims=5)
    again = server.put("/_mockbsc/sandboxes/one", json={"sims": 9})
    assert again.status_code == 409
    assert again.json()["error"] == "Conflict"
    assert server.get("/_mockbsc/sandboxes/one").json()["sims"] == \
        create(server, "two", sims=5)["sims"]


def test_a_post_creates_one_with_a_generated_id(server: TestClient) -> None:
    response = server.post("/_mockbsc/sandboxes", json={"sims": 3})
    assert response.status_code == 201
    sandbox_id = response.json()["id"]
    assert re.fullmatch(r"sb-[0-9a-f]{16}", sandbox_id)
    assert server.get(f"/sandboxes/{sandbox_id}/_mockbsc/health").json()["status"] == "ok"


@pytest.mark.parametrize("bad", ["a" * 65, "a.b", "a%20b", "%C3%A4"])
def test_an_id_outside_the_pattern_is_400(server: TestClient, bad: str) -> None:
    response = server.put(f"/_mockbsc/sandboxes/{bad}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["name"] == "sandbox_id"


def test_tokens_work_only_in_the_platform_that_issued_them(server: TestClient) -> None:
    create(server, "a")
    create(server, "b")
    in_a = bearer(server, "/sandboxes/a")
    in_default = {"Authorization": f"Bearer {token_for(server)}"}
    assert server.get(f"/sandboxes/a{API}/v1/sims", headers=in_a).status_code == 200
    assert server.get(f"/sandboxes/b{API}/v1/sims", headers=in_a).status_code == 401
    assert server.get(f"{API}/v1/sims", headers=in_a).status_code == 401
    assert server.get(f"/sandboxes/a{API}/v1/sims", headers=in_default).status_code == 401


def test_clock_reset_faults_and_journal_stay_in_their_sandbox(server: TestClient) -> None:
    create(server, "a", clock="manual", start="2026-01-05T09:00:00Z")
    create(server, "b", clock="manual", start="2026-01-05T09:00:00Z")
    default_now = server.get("/_mockbsc/clock").json()["now"]
    server.post("/sandboxes/a/_mockbsc/clock/advance", json={"seconds": 3600})
    server.post("/sandboxes/a/_mockbsc/faults", json={"path": "/v1/sims", "status": 503})
    a, b = bearer(server, "/sandboxes/a"), bearer(server, "/sandboxes/b")
    assert server.get(f"/sandboxes/a{API}/v1/sims", headers=a).status_code == 503
    assert server.get(f"/sandboxes/b{API}/v1/sims", headers=b).status_code == 200
    assert server.get("/sandboxes/a/_mockbsc/clock").json()["now"] == "2026-01-05T10:00:00Z"
    assert server.get("/sandboxes/b/_mockbsc/clock").json()["now"] == "2026-01-05T09:00:00Z"
    assert server.get("/_mockbsc/clock").json()["now"] >= default_now
    assert server.get("/_mockbsc/faults").json() == []
    journal_b = server.get("/sandboxes/b/_mockbsc/requests").json()
    assert [(e["path"], e["status"]) for e in journal_b] == [
        (f"{API}/oauth/token", 200), (f"{API}/v1/sims", 200)]
    assert server.get("/_mockbsc/requests").json() == []
    server.put(f"/sandboxes/b{API}/v1/sims/{ICCID}", json={"label": "kept"}, headers=b)
    server.post("/sandboxes/b/_mockbsc/clock/advance", json={"seconds": 5})  # applies it
    server.post("/sandboxes/a/_mockbsc/reset", json={})
    label = server.get(f"/sandboxes/b{API}/v1/sims/{ICCID}", headers=b).json()["label"]
    assert label == "kept"


def test_a_start_without_an_offset_is_utc(server: TestClient) -> None:
    assert create(server, "naive", start="2026-07-01T10:00:00", clock="manual")["clock"][
        "now"] == "2026-07-01T10:00:00Z"


def test_an_order_location_carries_the_sandbox_prefix(server: TestClient) -> None:
    create(server, "shop")
    headers = bearer(server, "/sandboxes/shop")
    response = server.post(f"/sandboxes/shop{API}/v1/orders", headers=headers,
                           json={"products": [{"productId": 1001, "quantity": 1}]})
    assert response.status_code == 201, response.text
    location = response.headers["location"]
    assert location.startswith(f"http://localhost/sandboxes/shop{API}/v1/orders/")
    assert server.get(location, headers=headers).status_code == 200
    fault = server.post("/sandboxes/shop/_mockbsc/faults", json={"status": 500})
    assert fault.headers["location"].startswith("/sandboxes/shop/_mockbsc/faults/")


def test_the_body_sets_the_platform(server: TestClient) -> None:
    fixtures = {
        "organisations": [{"id": 77, "name": "Seventy-Seven", "sims": 4}],
        "users": [{"username": "ops", "password": "pw", "organisation": 77, "user_id": 1}],
    }
    body = create(server, "own", fixtures=fixtures, clock="manual",
                  start="2027-02-03T04:05:06Z", users=["extra:secret:77"], token_ttl=60,
                  faults=[{"operation": "getSimsUsingGET", "status": 502}])
    assert body["clock"]["now"] == "2027-02-03T04:05:06Z"
    assert body["clock"]["mode"] == "manual"
    assert {(u["username"], u["org_id"]) for u in body["users"]} == {("ops", 77),
                                                                      ("extra", 77)}
    token = server.post(f"/sandboxes/own{API}/oauth/token", auth=("extra", "secret"),
                        data={"grant_type": "client_credentials"}).json()
    assert token["expires_in"] == 60
    assert body["sims"] == 4
    listed = server.get(f"/sandboxes/own{API}/v1/sims",
                        headers={"Authorization": f"Bearer {token['access_token']}"})
    assert listed.status_code == 502
    assert server.get("/_mockbsc/faults").json() == []


@pytest.mark.parametrize(("body", "names"), [
    ({"colour": "blue"}, "colour"),
    ({"sims": -1}, "sims"),
    ({"clock": "sundial"}, "clock"),
    ({"fixtures": {"organisations": []}}, "fixtures"),
    ({"fixtures": "/no/such/fixtures.yaml"}, "fixtures"),
    ({"users": ["no-password"]}, "users"),
    ({"fixtures": "/dev/zero"}, "fixtures"),
    ({"fixtures": {"organisations": [{"id": 1, "name": "Big", "sims": 10**7}]}}, "fixtures"),
    ({"start": "9999-12-31T23:59:59Z"}, "start"),
    ({"faults": [{"status": 200}]}, "faults"),
])
def test_a_bad_body_is_a_400_naming_the_field_and_creates_nothing(
        server: TestClient, body: dict[str, Any], names: str) -> None:
    response = server.put("/_mockbsc/sandboxes/bad", json=body)
    assert response.status_code == 400, response.text
    assert names in response.text
    assert server.get("/_mockbsc/sandboxes").json() == []


def test_delete_removes_it_and_its_urls_answer_404(server: TestClient) -> None:
    create(server, "gone")
    assert server.delete("/_mockbsc/sandboxes/gone").status_code == 204
    api = server.get(f"/sandboxes/gone{API}/v1/sims")
    assert api.status_code == 404
    assert api.json()["status"] == 404  # the API's envelope under the API's path
    control = server.get("/sandboxes/gone/_mockbsc/health")
    assert control.status_code == 404
    assert control.json() == {"error": "NotFound", "message": "No sandbox 'gone'"}
    assert server.delete("/_mockbsc/sandboxes/gone").status_code == 404
    assert server.get("/_mockbsc/sandboxes/gone").status_code == 404


def test_the_list_shows_id_created_last_used_and_sims(server: TestClient,
                                                      registry_clock: ManualClock) -> None:
    create(server, "first", sims=5)
    registry_clock.advance(60)
    create(server, "second", sims=8)
    registry_clock.advance(60)
    server.get("/sandboxes/first/_mockbsc/health")
    listed = {s["id"]: s for s in server.get("/_mockbsc/sandboxes").json()}
    assert list(listed) == ["first", "second"]
    assert listed["first"]["created"] == "2026-03-01T12:00:00Z"
    assert listed["first"]["last_used"] == "2026-03-01T12:02:00Z"
    assert listed["second"]["last_used"] == "2026-03-01T12:01:00Z"
    assert listed["first"]["expires"] == "2026-03-01T13:02:00Z"
    assert listed["first"]["url"] == "http://localhost/sandboxes/first"
    assert listed["first"]["sims"] > listed["second"]["sims"] - 8 + 5 - 1


def test_an_idle_sandbox_expires_after_the_ttl_and_a_used_one_lives(
        server: TestClient, registry_clock: ManualClock) -> None:
    create(server, "idle")
    create(server, "busy")
    registry_clock.advance(3000)
    assert server.get("/sandboxes/busy/_mockbsc/health").status_code == 200
    registry_clock.advance(601)
    assert server.get("/sandboxes/idle/_mockbsc/health").status_code == 404
    assert server.get("/sandboxes/busy/_mockbsc/health").status_code == 200
    assert [s["id"] for s in server.get("/_mockbsc/sandboxes").json()] == ["busy"]
    create(server, "idle")  # its id is free again


def test_the_next_create_over_the_maximum_is_429_with_the_platforms_body(
        server: TestClient) -> None:
    for name in ("s1", "s2", "s3"):
        create(server, name)
    response = server.put("/_mockbsc/sandboxes/s4")
    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"timestamp", "status", "error", "message", "path"}
    assert body["status"] == 429
    assert body["error"] == "Too Many Requests"
    assert "max-sandboxes" in body["message"]
    assert server.post("/_mockbsc/sandboxes").status_code == 429
    server.delete("/_mockbsc/sandboxes/s1")
    create(server, "s4")


def test_sandboxes_do_not_nest(server: TestClient) -> None:
    create(server, "outer")
    assert server.put("/sandboxes/outer/_mockbsc/sandboxes/inner").status_code == 404
    assert server.get("/sandboxes/outer/_mockbsc/sandboxes").status_code == 404


@pytest.mark.mockbsc(admin_token="adm1n")
def test_the_admin_token_covers_sandbox_control(server: TestClient) -> None:
    admin = {"Authorization": "Bearer adm1n"}
    assert server.put("/_mockbsc/sandboxes/locked").status_code == 401
    assert server.put("/_mockbsc/sandboxes/locked", headers=admin).status_code == 201
    assert server.get("/_mockbsc/sandboxes").status_code == 401
    assert server.get("/sandboxes/locked/_mockbsc/clock").status_code == 401
    assert server.get("/sandboxes/locked/_mockbsc/clock", headers=admin).status_code == 200
    assert server.get("/sandboxes/locked/health").status_code == 200
    headers = bearer(server, "/sandboxes/locked")  # the BSC API takes the sandbox's tokens
    assert server.get(f"/sandboxes/locked{API}/v1/sims", headers=headers).status_code == 200


def test_the_explorer_and_api_docs_live_under_the_prefix(server: TestClient) -> None:
    create(server, "docs")
    page = server.get("/sandboxes/docs/")
    assert page.status_code == 200
    assert '"/sandboxes/docs/management-api/api-docs"' in page.text
    assert 'const ROOT = "/sandboxes/docs"' in page.text  # the page prefixes the servers
    assert 'href="/sandboxes/docs/explorer/assets/swagger-ui.css"' in page.text
    assert server.get("/sandboxes/docs/explorer/assets/swagger-ui.css").status_code == 200
    docs = server.get(f"/sandboxes/docs{API}/api-docs")
    assert docs.status_code == 200
    assert docs.json()["openapi"].startswith("3.")
    redirect = server.get("/sandboxes/docs/explorer", follow_redirects=False)
    assert redirect.headers["location"] == "/sandboxes/docs/"


def test_ttl_and_maximum_come_from_flags_and_environment() -> None:
    from mockbsc.api.app import build_emulator
    from mockbsc.cli import build_parser, settings_from

    args = build_parser().parse_args(["serve", "--sandbox-ttl", "90", "--max-sandboxes", "7"])
    flags = create_app(build_emulator(settings_from(args, {}))).state.sandboxes
    assert (flags.ttl, flags.max_sandboxes) == (90, 7)
    env = settings_from(build_parser().parse_args(["serve"]),
                        {"MOCKBSC_SANDBOX_TTL": "0", "MOCKBSC_MAX_SANDBOXES": "3"})
    registry = create_app(build_emulator(env)).state.sandboxes
    assert (registry.ttl, registry.max_sandboxes) == (0, 3)
    defaults = create_app(build_emulator(Settings())).state.sandboxes
    assert (defaults.ttl, defaults.max_sandboxes) == (3600, 200)


def test_sandboxes_live_in_memory_beside_a_state_file(tmp_path: Path) -> None:
    from mockbsc.api.app import build_emulator

    settings = Settings(clock="manual", state_file=str(tmp_path / "state.db"))
    with TestClient(create_app(build_emulator(settings)), base_url="http://localhost") as one:
        create(one, "scratch")
        headers = bearer(one, "/sandboxes/scratch")
        changed = one.put(f"/sandboxes/scratch{API}/v1/sims/{ICCID}", json={"label": "gone"},
                          headers=headers)
        assert changed.status_code == 200
        one.post("/sandboxes/scratch/_mockbsc/clock/advance", json={"seconds": 5})
        assert one.get(f"/sandboxes/scratch{API}/v1/sims/{ICCID}",
                       headers=headers).json()["label"] == "gone"
    with TestClient(create_app(build_emulator(settings)), base_url="http://localhost") as two:
        assert two.get("/sandboxes/scratch/_mockbsc/health").status_code == 404
        default = {"Authorization": f"Bearer {token_for(two)}"}
        assert two.get(f"{API}/v1/sims/{ICCID}", headers=default).json()["label"] != "gone"


def test_the_pump_runs_due_work_and_drops_expired_sandboxes_unasked(
        registry_clock: ManualClock) -> None:
    import anyio

    from mockbsc.api.app import build_emulator
    from mockbsc.api.sandboxes import pump

    registry = SandboxRegistry(ttl=60, now=registry_clock.now)
    client = TestClient(create_app(build_emulator(Settings(clock="manual")), sandboxes=registry),
                        base_url="http://localhost")  # no lifespan: the pump runs below
    create(client, "pumped", clock="manual")
    headers = bearer(client, "/sandboxes/pumped")
    client.put(f"/sandboxes/pumped{API}/v1/sims/{ICCID}", json={"label": "by-pump"},
               headers=headers)
    emulator = registry.require("pumped").emulator
    emulator.clock.advance(5)  # (ManualClock) due now, but nothing ran it yet
    assert emulator.work_due()

    async def run() -> None:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(pump, registry, 0.001)
            with anyio.fail_after(20):
                while emulator.work_due():
                    await anyio.sleep(0.005)
                registry_clock.advance(61)
                while len(registry):
                    await anyio.sleep(0.005)
            tasks.cancel_scope.cancel()

    anyio.run(run)
    assert emulator.sims.find(ICCID).label == "by-pump"  # type: ignore[union-attr]
    assert client.get("/sandboxes/pumped/_mockbsc/health").status_code == 404
