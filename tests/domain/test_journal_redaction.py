"""What the journal shows of a request's secrets and bodies: a secret header keeps only its
scheme (the first word, and only when there is a second), repeated headers are joined, and
a body cut at the limit is given as text even when what is left would parse, except a form,
whose secret fields stay hidden."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mockbsc.domain.journal import BODY_LIMIT, JournalEntry, redacted_headers


@pytest.mark.parametrize(("value", "shown"), [
    ("Bearer abc", "Bearer [redacted]"),
    ("Digest username=a, nonce=b", "Digest [redacted]"),
    ("abc", "[redacted]"),
    ("abc ", "[redacted]"),
    (" Bearer abc", "[redacted]"),
])
def test_a_secret_header_keeps_only_its_scheme(value: str, shown: str) -> None:
    assert redacted_headers([(b"Authorization", value.encode())]) == {"authorization": shown}


def test_repeated_headers_are_joined_in_order_each_redacted() -> None:
    raw = [(b"Cookie", b"a=1"), (b"X-Trace", b"one"), (b"cookie", b"b=2"),
           (b"X-Trace", b"two")]
    assert redacted_headers(raw) == {"cookie": "[redacted], [redacted]", "x-trace": "one, two"}


def test_a_body_cut_at_the_limit_is_text_even_if_what_is_left_parses() -> None:
    body = b'{"a": 1}' + b" " * BODY_LIMIT
    entry = JournalEntry.bounded(
        at=datetime(2026, 1, 5, tzinfo=UTC), method="POST", path="/x", query="",
        operation=None, status=201, duration_ms=1.0, body=body,
        headers=((b"content-type", b"application/json"),))
    assert entry.truncated
    assert entry.json() == body[:BODY_LIMIT].decode()


def test_a_form_body_cut_at_the_limit_still_hides_its_secret_fields() -> None:
    head = b"password=hunter2&x="
    entry = JournalEntry.bounded(
        at=datetime(2026, 1, 5, tzinfo=UTC), method="POST", path="/x", query="",
        operation=None, status=400, duration_ms=1.0, body=head + b"a" * BODY_LIMIT,
        headers=((b"content-type", b"application/x-www-form-urlencoded"),))
    assert entry.truncated
    assert entry.json() == {"password": "[redacted]", "x": "a" * (BODY_LIMIT - len(head))}
