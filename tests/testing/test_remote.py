"""`--mockbsc-url`: the plugin gives each test a fresh sandbox on an external server (issue
15), isolated even with pytest-xdist's eight workers. Inner pytest runs via pytester against a
live server of this process."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockbsc.config import Settings
from mockbsc.testing.remote import RemoteSandbox
from mockbsc.testing.server import MockBSCServer, ServerError
from tests.warmup import warm_up

ADMIN = "remote-admin"


@pytest.fixture(scope="module")
def external() -> Iterator[MockBSCServer]:
    """The "sidecar": a live server with an admin token, as CI would run it."""
    warm_up()
    with MockBSCServer(Settings(admin_token=ADMIN)) as server:
        yield server


@pytest.fixture
def admin_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKBSC_ADMIN_TOKEN", ADMIN)


def live_sandboxes(server: MockBSCServer) -> list[str]:
    response = httpx.get(server.url + "/_mockbsc/sandboxes",
                         headers={"Authorization": f"Bearer {ADMIN}"})
    return [s["id"] for s in response.json()]


def test_each_test_gets_a_fresh_sandbox_with_the_same_fixtures(
        pytester: pytest.Pytester, external: MockBSCServer, admin_env: None) -> None:
    pytester.makefile(".yaml", small="""
        organisations: [{id: 900, name: Small, sims: 2}]
        users: [{username: tiny, password: tiny-pw, organisation: 900, user_id: 1}]
    """)
    pytester.makepyfile("""
        import httpx
        import pytest

        @pytest.mark.mockbsc(sims=3, seed=5, start="2030-01-01T00:00:00Z")
        def test_changes_everything(mockbsc_server, mockbsc_token, mockbsc_client):
            assert "/sandboxes/" in mockbsc_server.api_url
            sims = httpx.get(mockbsc_server.api_url + "/v1/sims",
                             headers=mockbsc_token.headers).json()
            assert len(sims) == 3
            assert mockbsc_client.get("/management-api/v1/sims",
                                      headers=mockbsc_token.headers).status_code == 200
            assert [r["operation"] for r in mockbsc_server.requests()] == [
                "getSimsUsingGET", "getSimsUsingGET"]
            assert mockbsc_server.now().isoformat() == "2030-01-01T00:00:00+00:00"
            mockbsc_server.advance(3600)
            assert mockbsc_server.now().isoformat() == "2030-01-01T01:00:00+00:00"
            assert mockbsc_server.deliveries() == []

        def test_starts_clean(mockbsc_server, mockbsc_token):
            assert mockbsc_server.requests() == []
            assert mockbsc_server.now().isoformat() == "2026-01-05T09:00:00+00:00"
            sims = httpx.get(mockbsc_server.api_url + "/v1/sims",
                             params={"pageSize": 100}, headers=mockbsc_token.headers).json()
            assert len(sims) == 50
            default = httpx.get(mockbsc_server.server_url + "/management-api/v1/sims",
                                headers=mockbsc_token.headers)
            assert default.status_code == 401

        @pytest.mark.mockbsc(fixtures="small.yaml")
        def test_fixtures_files_are_sent(mockbsc_server):
            assert [u["username"] for u in mockbsc_server.users] == ["tiny"]
            assert mockbsc_server.token().org_id == 900

        def test_needs_the_emulator(mockbsc):
            raise AssertionError("never runs remotely")
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly",
                                "--mockbsc-url", external.url)
    result.assert_outcomes(passed=3, skipped=1)
    assert live_sandboxes(external) == []  # each was deleted after its test


def test_mockbsc_url_comes_from_the_environment_too(
        pytester: pytest.Pytester, external: MockBSCServer, admin_env: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKBSC_URL", external.url)
    pytester.makepyfile(f"""
        def test_remote(mockbsc_server):
            assert mockbsc_server.url.startswith("{external.url}/sandboxes/")
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_setting_the_server_refuses_is_a_usage_error(
        pytester: pytest.Pytester, external: MockBSCServer, admin_env: None) -> None:
    pytester.makepyfile("""
        import pytest

        @pytest.mark.mockbsc(sims=-4)
        def test_bad(mockbsc_server):
            pass
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "--mockbsc-url", external.url)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*@pytest.mark.mockbsc*sims*"])


def test_a_remote_sandbox_without_the_admin_token_is_refused(external: MockBSCServer) -> None:
    with pytest.raises(ServerError, match="401"):
        RemoteSandbox(external.url).create()


XDIST_TESTS = """
    import httpx
    import pytest

    @pytest.mark.parametrize("n", range(24))
    def test_isolated(n, mockbsc_server):
        mockbsc_server.reset(seed=n, sims=n + 1)  # a reset drops the tokens: get one after
        api, headers = mockbsc_server.api_url, mockbsc_server.token().headers
        for round in range(5):
            mockbsc_server.advance(7 * (n + 1))  # tokens live an hour
            sims = httpx.get(api + "/v1/sims", params={"pageSize": 100}, headers=headers).json()
            assert len(sims) == n + 1
            iccid = sims[0]["iccid"]
            label = f"test-{n}-round-{round}"
            put = httpx.put(f"{api}/v1/sims/{iccid}", json={"label": label}, headers=headers)
            assert put.status_code == 200, put.text
            mockbsc_server.advance(5)  # the queued change applies
            got = httpx.get(f"{api}/v1/sims/{iccid}", headers=headers).json()
            assert got["label"] == label
            assert mockbsc_server.now().timestamp() == pytest.approx(
                1767603600 + (round + 1) * (7 * (n + 1) + 5))
        calls = {(r["method"], r["status"]) for r in mockbsc_server.requests()}
        assert calls == {("POST", 200), ("GET", 200), ("PUT", 200)}
        assert len(mockbsc_server.requests()) == 16  # and the token call
"""


def test_eight_xdist_workers_each_get_isolated_sandboxes(
        pytester: pytest.Pytester, external: MockBSCServer, admin_env: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(XDIST_TESTS)
    # Only the two plugins this needs: nine interpreters loading every installed one
    # (schemathesis, hypothesis, ...) take most of a minute on a small CI machine.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "xdist.plugin",
                                           "-p", "mockbsc.testing.plugin", "-n", "8",
                                           "--mockbsc-url", external.url, timeout=300)
    result.assert_outcomes(passed=24)
    result.stdout.fnmatch_lines(["*8 workers*"])
    assert live_sandboxes(external) == []
