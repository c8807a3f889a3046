"""`assert_called`'s whole failure message (what a user reads when their code did not make the
call) and its parameter matching, on the journal itself."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from mockbsc.domain.journal import JournalEntry, RequestJournal

AT = datetime(2026, 1, 5, tzinfo=UTC)


def journal(*entries: JournalEntry) -> RequestJournal:
    book = RequestJournal()
    book.operations = frozenset({"getSimsUsingGET", "sendSmsToSimUsingPOST"})
    for entry in entries:
        book.record(entry)
    return book


def sims(query: str = "") -> JournalEntry:
    return JournalEntry(AT, "GET", "/management-api/v1/sims", query, "getSimsUsingGET", 200, 1.0)


SMS = JournalEntry(AT, "POST", "/management-api/v1/sims/89/sms", "", "sendSmsToSimUsingPOST",
                   201, 1.0, body=b'{"payload": "hi"}',
                   headers=((b"content-type", b"application/json"),))
UNROUTED = JournalEntry(AT, "GET", "/nowhere", "", None, 404, 1.0)


def failure(book: RequestJournal, *args: object, **kwargs: object) -> str:
    with pytest.raises(AssertionError) as caught:
        book.assert_called(*args, **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


def test_the_message_names_what_was_wanted_and_lists_every_call() -> None:
    book = journal(sims("pageSize=5"), SMS, UNROUTED)
    assert failure(book, "sendSmsToSimUsingPOST", json={"payload": "bye"}) == (
        "expected sendSmsToSimUsingPOST with body {'payload': 'bye'} at least once, matched 0 "
        "of 1 call(s) of sendSmsToSimUsingPOST; calls made (3, newest 20 shown):\n"
        "  GET /management-api/v1/sims?pageSize=5 -> 200 (getSimsUsingGET)\n"
        "  POST /management-api/v1/sims/89/sms -> 201 (sendSmsToSimUsingPOST) "
        "body={'payload': 'hi'}\n"
        "  GET /nowhere -> 404 (unrouted)")


def test_the_message_names_the_params_and_the_count_wanted() -> None:
    book = journal(sims("pageSize=5"))
    assert failure(book, "getSimsUsingGET", times=2, params={"page": "2"}) == (
        "expected getSimsUsingGET with params {'page': '2'} 2 time(s), matched 0 of 1 call(s) "
        "of getSimsUsingGET; calls made (1, newest 20 shown):\n"
        "  GET /management-api/v1/sims?pageSize=5 -> 200 (getSimsUsingGET)")


def test_no_calls_at_all_are_listed_as_none() -> None:
    assert failure(journal(), "getSimsUsingGET") == (
        "expected getSimsUsingGET at least once, matched 0 of 0 call(s) of getSimsUsingGET; "
        "calls made (0, newest 20 shown):\n  (none)")


def test_only_the_newest_twenty_calls_are_listed() -> None:
    book = journal(*(sims(f"page={n}") for n in range(1, 26)))
    message = failure(book, "sendSmsToSimUsingPOST")
    assert message.count("\n  GET ") == 20
    assert re.findall(r"page=(\d+)", message) == [str(n) for n in range(6, 26)]


def test_params_match_by_value_and_a_blank_value_counts() -> None:
    book = journal(sims("pageSize=5&q="))
    assert len(book.assert_called("getSimsUsingGET", params={"pageSize": "5", "q": ""})) == 1
    assert len(book.assert_called("getSimsUsingGET", params={"pageSize": 5})) == 1  # type: ignore[dict-item]
    failure(book, "getSimsUsingGET", params={"pageSize": "6"})
    failure(book, "getSimsUsingGET", params={"page": ""})


def test_an_unknown_operation_names_up_to_three_close_matches() -> None:
    book = RequestJournal()
    book.operations = frozenset({"getSimsUsingGET", "getSimUsingGET", "getSimSmsUsingGET",
                                 "getSimEventsUsingGET", "postOrderUsingPOST"})
    with pytest.raises(LookupError) as caught:
        book.entries("getSimUsingGETT")
    assert str(caught.value) == ("no operation 'getSimUsingGETT'; did you mean getSimUsingGET "
                                 "or getSimsUsingGET or getSimSmsUsingGET?")
    with pytest.raises(LookupError) as caught:
        book.entries("xyz")
    assert str(caught.value) == "no operation 'xyz'"


def test_entries_of_one_exact_path() -> None:
    book = journal(sims(), SMS, UNROUTED)
    assert book.entries(path="/nowhere") == [UNROUTED]


def test_a_body_that_is_not_utf8_is_read_with_replacements_and_forms_hide_secrets() -> None:
    bad = JournalEntry(AT, "POST", "/p", "", None, 400, 1.0, body=b"\xff{",
                       headers=((b"content-type", b"application/json"),))
    assert bad.json() == "\ufffd{"
    form = JournalEntry(AT, "POST", "/management-api/oauth/token", "", None, 200, 1.0,
                        body=b"grant_type=client_credentials&Client_Secret=s3&scope=",
                        headers=((b"content-type", b"application/x-www-form-urlencoded"),))
    assert form.json() == {"grant_type": "client_credentials", "Client_Secret": "[redacted]",
                           "scope": ""}


def test_a_match_half_alike_is_still_named() -> None:
    book = RequestJournal()
    book.operations = frozenset({"getSimsUsingGET"})
    with pytest.raises(LookupError) as caught:
        book.entries("getSim")  # 12 of 21 characters in common: 0.57
    assert str(caught.value) == "no operation 'getSim'; did you mean getSimsUsingGET?"
