"""The request journal: what the code under test sent to mockbsc, over HTTP and in Python."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.journal import JournalEntry, RequestJournal
from mockbsc.domain.platform import Emulator
from mockbsc.testing.verify import VerifyingEmulator
from tests.conftest import API


def _entry(n: int, operation: str = "getSimsUsingGET") -> JournalEntry:
    return JournalEntry(datetime(2026, 1, 5, tzinfo=UTC), "GET", f"/p/{n}", "", operation,
                        200, 1.0)


def test_journal_keeps_only_the_newest_entries() -> None:
    journal = RequestJournal(capacity=3)
    for n in range(5):
        journal.record(_entry(n))
    assert [e.path for e in journal] == ["/p/2", "/p/3", "/p/4"]


def test_journal_filters_by_operation_and_limit() -> None:
    journal = RequestJournal()
    for n in range(4):
        journal.record(_entry(n, "getSimUsingGET" if n % 2 else "getSimsUsingGET"))
    assert journal.count("getSimUsingGET") == 2
    assert [e.path for e in journal.entries("getSimsUsingGET", limit=1)] == ["/p/2"]
    assert journal.last().path == "/p/3"


def test_calls_are_journaled_with_operation_status_and_org(
    client: TestClient, auth: dict[str, str], emulator: Emulator
) -> None:
    client.get(f"{API}/v1/sims", params={"pageSize": 5}, headers=auth)
    client.get(f"{API}/v1/sims")
    entries = emulator.journal.entries("getSimsUsingGET")
    assert [(e.status, e.org_id, e.query) for e in entries] == [
        (200, 4321, "pageSize=5"), (401, None, "")]
    assert emulator.journal.count("postAccessTokenPOST") == 1


def test_journal_over_http_lists_filters_and_clears(
    client: TestClient, auth: dict[str, str]
) -> None:
    client.get(f"{API}/v1/sims", headers=auth)
    client.get(f"{API}/v1/nowhere", headers=auth)
    response = client.get("/_mockbsc/requests", params={"limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert [(e.get("operation"), e["status"]) for e in body] == [
        ("getSimsUsingGET", 200), (None, 404)]
    assert body[0]["method"] == "GET"
    assert body[0]["at"].endswith("Z")
    only = client.get("/_mockbsc/requests", params={"operation": "postAccessTokenPOST"})
    assert len(only.json()) == 1
    assert client.delete("/_mockbsc/requests").status_code == 204
    assert client.get("/_mockbsc/requests").json() == []


def test_control_calls_are_not_journaled(client: TestClient, emulator: Emulator) -> None:
    client.get("/health")
    client.get("/_mockbsc/clock")
    assert len(emulator.journal) == 0


def test_a_call_is_in_the_journal_before_its_last_byte_reaches_the_client(
    emulator: Emulator, auth: dict[str, str]
) -> None:
    """A client that has its answer must find the call in the journal: recording after the
    body was sent raced the client's next request (seen under load as a flaky README test)."""
    import anyio

    from mockbsc.api.app import create_app

    app = create_app(emulator)
    seen_at_last_byte: list[int] = []
    sent = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict[str, object]:
        return sent.pop() if sent else {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body"):
            seen_at_last_byte.append(emulator.journal.count("getSimsUsingGET"))

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": f"{API}/v1/sims", "raw_path": b"",
             "query_string": b"", "root_path": "", "server": ("mockbsc", 80),
             "client": ("127.0.0.1", 1),
             "headers": [(b"host", b"mockbsc"),
                         (b"authorization", auth["Authorization"].encode())]}
    anyio.run(app, scope, receive, send)
    assert seen_at_last_byte == [1]


def test_last_call_of_an_operation_or_a_clear_error() -> None:
    journal = RequestJournal()
    with pytest.raises(LookupError, match=r"^no request recorded$"):
        journal.last()
    for n in range(4):
        journal.record(_entry(n, "getSimUsingGET" if n < 2 else "getSimsUsingGET"))
    assert journal.last("getSimUsingGET").path == "/p/1"
    assert journal.last("getSimsUsingGET").path == "/p/3"
    with pytest.raises(LookupError, match=r"^no request of topUpUsingPOST recorded$"):
        journal.last("topUpUsingPOST")


def test_entry_wire_form_leaves_out_what_is_unknown() -> None:
    bare = JournalEntry(datetime(2026, 1, 5, 9, 0, 1, tzinfo=UTC), "GET", "/x", "a=1", None,
                        404, 1.23456)
    assert bare.to_dict() == {"at": "2026-01-05T09:00:01Z", "method": "GET", "path": "/x",
                              "query": "a=1", "status": 404, "duration_ms": 1.235}
    full = JournalEntry(datetime(2026, 1, 5, tzinfo=UTC), "POST", "/y", "", "topUpUsingPOST",
                        503, 0.5, org_id=4321, fault="rule 1: status 503")
    assert full.to_dict() == {"at": "2026-01-05T00:00:00Z", "method": "POST", "path": "/y",
                              "query": "", "status": 503, "duration_ms": 0.5,
                              "operation": "topUpUsingPOST", "org_id": 4321,
                              "fault": "rule 1: status 503"}


def test_journal_over_http_filters_by_operation_and_keeps_the_newest(
        client: TestClient, auth: dict[str, str]) -> None:
    for size in (1, 2, 3):
        client.get(f"{API}/v1/sims", params={"pageSize": size}, headers=auth)
    client.get(f"{API}/v1/products", headers=auth)
    response = client.get("/_mockbsc/requests",
                          params={"operation": "getSimsUsingGET", "limit": 2})
    assert response.status_code == 200
    assert [(e["query"], e["org_id"]) for e in response.json()] == [
        ("pageSize=2", 4321), ("pageSize=3", 4321)]
    assert len(client.get("/_mockbsc/requests").json()) == 5


def test_journal_keeps_the_body_and_headers_with_secrets_redacted(
    client: TestClient, auth: dict[str, str], iccid: str
) -> None:
    sent = {"payload": "ping", "source_address": "1234567"}
    assert client.post(f"{API}/v1/sims/{iccid}/sms", json=sent,
                       headers={**auth, "X-Trace": "t-1"}).status_code == 201
    entry = client.get("/_mockbsc/requests",
                       params={"operation": "sendSmsToSimUsingPOST"}).json()[-1]
    assert entry["body"] == sent
    assert entry["headers"]["authorization"] == "Bearer [redacted]"
    assert entry["headers"]["x-trace"] == "t-1"
    token_call = client.get("/_mockbsc/requests",
                            params={"operation": "postAccessTokenPOST"}).json()[-1]
    assert token_call["body"] == {"grant_type": "client_credentials"}
    assert token_call["headers"]["authorization"] == "Basic [redacted]"


def test_journal_cuts_a_long_body_and_marks_it(
    client: TestClient, auth: dict[str, str], iccid: str
) -> None:
    client.post(f"{API}/v1/sims/{iccid}/sms", headers=auth,
                json={"payload": "x" * 40_000, "source_address": "1"})
    entry = client.get("/_mockbsc/requests", params={"limit": 1}).json()[0]
    assert entry["truncated"] is True
    assert isinstance(entry["body"], str)
    assert len(entry["body"]) == 16 * 1024


def test_refused_calls_say_why(client: TestClient, auth: dict[str, str], iccid: str) -> None:
    client.post(f"{API}/v1/sims/{iccid}/sms", headers=auth, json={"payload": {"text": "hi"}})
    entry = client.get("/_mockbsc/requests", params={"limit": 1}).json()[0]
    assert entry["status"] == 400
    assert "payload" in entry["reason"]


def test_an_unknown_operation_is_refused_with_close_matches(
    client: TestClient, emulator: Emulator
) -> None:
    response = client.get("/_mockbsc/requests", params={"operation": "getSimUsingGet"})
    assert response.status_code == 400
    assert "getSimUsingGET" in response.json()["message"]
    with pytest.raises(LookupError, match="did you mean getSimsUsingGET"):
        emulator.journal.entries("getSimsUsingGETT")
    with pytest.raises(LookupError, match="noSuchOperation"):
        emulator.journal.assert_called("noSuchOperation", times=0)


def test_assert_called_checks_count_body_and_params_and_lists_the_calls(
    client: TestClient, auth: dict[str, str], mockbsc: VerifyingEmulator, iccid: str
) -> None:
    emulator = mockbsc  # the plugin's fixture has the helper
    client.get(f"{API}/v1/sims", params={"pageSize": 5}, headers=auth)
    client.post(f"{API}/v1/sims/{iccid}/sms", headers=auth, json={"payload": "hi"})
    emulator.assert_called("getSimsUsingGET", params={"pageSize": "5"})
    emulator.assert_called("sendSmsToSimUsingPOST", times=1, json={"payload": "hi"})
    emulator.assert_called("postOrderUsingPOST", times=0)
    with pytest.raises(AssertionError) as failed:
        emulator.assert_called("sendSmsToSimUsingPOST", json={"payload": "bye"})
    message = str(failed.value)
    assert "matched 0 of 1 call(s)" in message
    assert f"POST /management-api/v1/sims/{iccid}/sms -> 201" in message
    assert "'payload': 'hi'" in message
    with pytest.raises(AssertionError, match="5 time"):  # the `iccid` fixture listed SIMs too
        emulator.assert_called("getSimsUsingGET", times=5)


@pytest.mark.mockbsc(access_log=True)
def test_access_log_has_one_line_per_call_with_why(
    client: TestClient, auth: dict[str, str], iccid: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="mockbsc.access")
    client.post(f"{API}/v1/sims/{iccid}/sms", headers=auth, json={"payload": {"text": "hi"}})
    client.post("/_mockbsc/faults", json={"operation": "getSimsUsingGET", "status": 503})
    client.get(f"{API}/v1/sims", headers=auth)
    lines = [r.getMessage() for r in caplog.records if r.name == "mockbsc.access"]
    assert lines[-2].startswith(f"POST /management-api/v1/sims/{iccid}/sms "
                                "sendSmsToSimUsingPOST 400 ")
    assert "ms reason=" in lines[-2]
    assert "payload" in lines[-2]
    assert "rule: type" in lines[-2]
    assert lines[-1].startswith("GET /management-api/v1/sims getSimsUsingGET 503 ")
    assert "fault=" in lines[-1]


@pytest.mark.mockbsc(access_log=True)
def test_access_log_lines_give_the_query_and_a_dash_for_no_operation(
    client: TestClient, auth: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="mockbsc.access")
    client.get(f"{API}/v1/sims", params={"pageSize": 2, "page": 1}, headers=auth)
    client.get(f"{API}/v1/no-such-thing", headers=auth)
    lines = [r.getMessage() for r in caplog.records if r.name == "mockbsc.access"]
    assert lines[-2].startswith(
        "GET /management-api/v1/sims?pageSize=2&page=1 getSimsUsingGET 200 ")
    assert lines[-1].startswith("GET /management-api/v1/no-such-thing - 404 ")


def test_a_call_leaves_no_reference_to_the_servers_receive_in_its_scope(
    client: TestClient, auth: dict[str, str], iccid: str
) -> None:
    """The journal hands the server's `receive` to the fault gate through the scope. A
    server's `receive` is a method of its request cycle, which holds the scope: left there
    after the call, the three are a reference cycle per request, garbage only the cyclic
    collector frees (issue 14: most of a GET's collection time)."""
    import anyio
    from starlette.types import Message, Scope

    path = f"{API}/v1/sims/{iccid}"
    scope: Scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "server": ("127.0.0.1", 8080), "client": ("127.0.0.1", 5000),
        "headers": [(b"host", b"127.0.0.1:8080"),
                    (b"authorization", auth["Authorization"].encode())]}
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    anyio.run(client.app, scope, receive, send)
    assert sent[0]["status"] == 200
    assert not any(value is receive or getattr(value, "__func__", None) is receive
                   for value in scope.values())
    assert "mockbsc.receive" not in scope
