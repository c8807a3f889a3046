"""The pytest plugin, tested the way plugins are tested: inner pytest runs via pytester."""

from __future__ import annotations

import pytest

from tests.warmup import warm_up


@pytest.fixture(scope="module", autouse=True)
def _warm_up() -> None:
    warm_up()


def test_every_fixture_is_provided(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import httpx
        from mockbsc import Emulator, ManualClock, MockBSCServer, Settings
        from mockbsc.testing.receiver import WebhookReceiver

        def test_fixtures(mockbsc_settings, mockbsc_clock, mockbsc, mockbsc_app, mockbsc_client,
                          mockbsc_token, mockbsc_server, mockbsc_webhook_receiver):
            assert isinstance(mockbsc_settings, Settings)
            assert isinstance(mockbsc_clock, ManualClock)
            assert isinstance(mockbsc, Emulator)
            assert mockbsc_app.state.emulator is mockbsc
            assert mockbsc_client.get("/health").status_code == 200
            assert mockbsc_token.headers == {"Authorization": f"Bearer {mockbsc_token.value}"}
            assert isinstance(mockbsc_server, MockBSCServer)
            assert mockbsc_server.emulator is mockbsc
            live = httpx.get(mockbsc_server.api_url + "/v1/sims", headers=mockbsc_token.headers)
            assert live.status_code == 200
            assert isinstance(mockbsc_webhook_receiver, WebhookReceiver)
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.mockbsc(seed=1, sims=None, token_ttl=3600*"])


def test_marker_sets_fleet_seed_token_lifetime_and_start(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import pytest

        @pytest.mark.mockbsc(sims=3, seed=7, token_ttl=60, start="2030-02-03T04:05:06Z")
        def test_marked(mockbsc, mockbsc_token, mockbsc_clock):
            assert mockbsc.sims.count(4321) == 3
            assert mockbsc.settings.seed == 7
            assert mockbsc_token.expires_in == 60
            assert mockbsc_clock.now().isoformat() == "2030-02-03T04:05:06+00:00"

        def test_unmarked(mockbsc, mockbsc_token):
            assert mockbsc.sims.count(4321) == 50
            assert mockbsc_token.expires_in == 3600
    """)
    pytester.runpytest("-p", "no:cacheprovider", "--strict-markers").assert_outcomes(passed=2)


def test_marker_on_the_module_is_overridden_by_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import pytest

        pytestmark = pytest.mark.mockbsc(sims=4, token_ttl=120)

        @pytest.mark.mockbsc(sims=2)
        def test_closest_wins(mockbsc):
            assert mockbsc.sims.count(4321) == 2
            assert mockbsc.settings.token_ttl == 120
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_marker_fixtures_path_is_relative_to_the_test_file(pytester: pytest.Pytester) -> None:
    from mockbsc.adapters.fixtures_file import default_fixtures_path

    pytester.makefile(".yaml", scenario=default_fixtures_path().read_text(encoding="utf-8"))
    pytester.makepyfile("""
        import pytest

        @pytest.mark.mockbsc(fixtures="scenario.yaml", sims=1)
        def test_own_fixtures(mockbsc):
            assert mockbsc.settings.fixtures.endswith("scenario.yaml")
            assert mockbsc.sims.count(4321) == 1
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_unknown_setting_in_marker_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import pytest

        @pytest.mark.mockbsc(sim_count=3)
        def test_typo(mockbsc):
            pass
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*unknown setting 'sim_count'*"])
    assert result.ret != 0


def test_each_test_gets_fresh_state(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        API = "/management-api"

        def test_first_changes_state(mockbsc, mockbsc_client, mockbsc_token):
            mockbsc.advance(3600)
            mockbsc_client.get(API + "/v1/sims", headers=mockbsc_token.headers)
            assert mockbsc.journal.count() == 1

        def test_second_starts_clean(mockbsc, mockbsc_clock):
            assert mockbsc.journal.count() == 0
            assert mockbsc_clock.now().isoformat() == "2026-01-05T09:00:00+00:00"
    """)
    # In file order (no pytest-randomly inside): the second test must come after the first.
    pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly").assert_outcomes(passed=2)


def test_live_server_is_shared_but_state_is_per_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import httpx
        import pytest

        PORTS = set()

        @pytest.mark.parametrize("n", range(3))
        def test_live(mockbsc_server, n):
            PORTS.add(mockbsc_server.port)
            token = mockbsc_server.token()
            response = httpx.get(mockbsc_server.api_url + "/v1/sims", headers=token.headers)
            assert response.status_code == 200
            journal = httpx.get(mockbsc_server.url + "/_mockbsc/requests").json()
            assert [e["operation"] for e in journal] == ["getSimsUsingGET"]

        def test_one_server_for_the_session():
            assert len(PORTS) == 1
    """)
    # In file order (no pytest-randomly inside): the last test counts the ports of the others.
    pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly").assert_outcomes(passed=4)


def test_server_side_error_fails_the_test_with_its_cause(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import httpx

        def explode(*args, **kwargs):
            raise ZeroDivisionError("fleet listing exploded")

        def test_in_process(mockbsc, mockbsc_client, mockbsc_token, monkeypatch):
            monkeypatch.setattr(mockbsc, "list_sims", explode)
            response = mockbsc_client.get("/management-api/v1/sims",
                                          headers=mockbsc_token.headers)
            assert response.status_code == 500

        def test_live(mockbsc, mockbsc_server, monkeypatch):
            monkeypatch.setattr(mockbsc, "list_sims", explode)
            response = httpx.get(mockbsc_server.api_url + "/v1/sims",
                                 headers=mockbsc_server.token().headers)
            assert response.status_code == 500
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=2)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_in_process*",
                                 "*ZeroDivisionError: fleet listing exploded*"])
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_live*"])


def test_webhook_receiver_records_and_fails_on_demand(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import httpx

        def test_receiver(mockbsc_webhook_receiver):
            receiver = mockbsc_webhook_receiver
            receiver.fail_next(2)
            statuses = [httpx.post(receiver.url, json={"n": n}).status_code for n in range(3)]
            assert statuses == [500, 500, 200]
            assert [r.json() for r in receiver.wait_for(3)] == [{"n": 0}, {"n": 1}, {"n": 2}]
            assert receiver.requests[0].method == "POST"
            assert receiver.requests[0].path == "/webhook"
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_clock_fixture_moves_the_emulator_time(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        def test_clock(mockbsc, mockbsc_clock, mockbsc_client):
            mockbsc.advance(90)
            assert mockbsc_clock.now().isoformat() == "2026-01-05T09:01:30+00:00"
            assert mockbsc_client.get("/_mockbsc/clock").json()["now"] == "2026-01-05T09:01:30Z"
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_live_server_delivers_webhooks_of_the_test_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import httpx

        def test_mo_sms_over_the_live_server(mockbsc, mockbsc_server, mockbsc_token,
                                             mockbsc_webhook_receiver):
            control = mockbsc_server.url + "/_mockbsc"
            httpx.put(control + "/orgs/4321/sms-forwarding",
                      json={"url": mockbsc_webhook_receiver.url})
            sims = httpx.get(mockbsc_server.api_url + "/v1/sims",
                             headers=mockbsc_token.headers).json()
            httpx.post(f"{control}/sims/{sims[0]['iccid']}/mo-sms", json={"payload": "up"})
            mockbsc.advance(0)
            assert mockbsc_webhook_receiver.wait_for(1)[0].json()["payload"] == "up"
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_live_server_address_can_be_pinned(pytester: pytest.Pytester,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from mockbsc.testing.ports import unbound_port_number

    port = unbound_port_number()  # the pinned number is what is under test
    monkeypatch.setenv("MOCKBSC_TEST_PORT", str(port))
    monkeypatch.setenv("MOCKBSC_PORT", "1")  # `mockbsc serve`'s setting is not the tests'
    pytester.makepyfile(f"""
        def test_pinned(mockbsc_server):
            assert mockbsc_server.url == "http://127.0.0.1:{port}"
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_pinned_port_is_a_base_under_xdist(pytester: pytest.Pytester,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    port = _free_run(4)  # the numbers are under test: the server's two, then the receiver's
    hook = port + 2
    monkeypatch.setenv("MOCKBSC_TEST_PORT", str(port))
    monkeypatch.setenv("MOCKBSC_TEST_WEBHOOK_PORT", str(hook))
    pytester.makepyfile(f"""
        import pytest

        @pytest.mark.parametrize("n", [1, 2])
        def test_pinned(mockbsc_server, mockbsc_webhook_receiver, worker_id, n):
            offset = int(worker_id[2:])
            assert mockbsc_server.url == f"http://127.0.0.1:{{{port} + offset}}"
            assert mockbsc_webhook_receiver.url == f"http://127.0.0.1:{{{hook} + offset}}/webhook"
    """)
    # Two real xdist workers (the ports after each pinned one must stay free: racy by nature,
    # so they are taken below the kernel's range for outgoing connections, where no other
    # test's client lands on them)
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "-p", "no:randomly"
                                  ).assert_outcomes(passed=2)


def test_a_pinned_port_in_use_says_what_to_do(pytester: pytest.Pytester,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from mockbsc.testing.ports import listening_socket, port_of

    with listening_socket() as taken:
        monkeypatch.setenv("MOCKBSC_TEST_PORT", str(port_of(taken)))
        pytester.makepyfile("""
            def test_pinned(mockbsc_server):
                pass
        """)
        result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*MOCKBSC_TEST_PORT pins it: under pytest-xdist worker gwN*"])


def _free_run(count: int) -> int:
    """The first of `count` consecutive ports free a moment ago, below the kernel's ephemeral
    range: two `unbound_port_number()` calls may give neighbours (then worker gw1's server
    lands on gw0's receiver), and ports in that range are handed to other tests' clients."""
    import random
    import socket
    from pathlib import Path

    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    draw = random.Random()
    for _ in range(200):
        base = draw.randrange(20_000, low - count)
        try:
            for port in range(base, base + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise AssertionError(f"no {count} free ports in a row below {low}")
