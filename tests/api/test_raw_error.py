"""`raw_error`: the whole HTTP/1.1 response the connection layer (`api/listener.py`) writes
itself, byte for byte. The live-server tests (`test_hardening_connections.py`) reach it
through real sockets; these check the exact bytes in process, where mutation testing runs."""

from __future__ import annotations

import json

import pytest

from mockbsc.api.errors import raw_error


@pytest.mark.parametrize(("status", "message", "expected"), [
    (503, "more than 2 connections are open; try again later",
     b'HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n'
     b'content-length: 95\r\nconnection: close\r\n\r\n'
     b'{"error": "ServiceUnavailable", "message": "more than 2 connections are open; '
     b'try again later"}'),
    (400, "Invalid HTTP request: Invalid method encountered",
     b'HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n'
     b'content-length: 86\r\nconnection: close\r\n\r\n'
     b'{"error": "BadRequest", "message": "Invalid HTTP request: Invalid method encountered"}'),
    (408, "the request head did not arrive within 5 s",
     b'HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n'
     b'content-length: 84\r\nconnection: close\r\n\r\n'
     b'{"error": "RequestTimeout", "message": "the request head did not arrive within 5 s"}'),
])
def test_the_connection_layer_answer_is_these_exact_bytes(status: int, message: str,
                                                          expected: bytes) -> None:
    assert raw_error(status, message) == expected


def test_its_content_length_counts_the_body_bytes_of_a_non_ascii_message() -> None:
    raw = raw_error(400, "Invalid HTTP request: bad byte 'é'")
    head, body = raw.split(b"\r\n\r\n", 1)
    assert head.split(b"\r\n")[-2] == f"content-length: {len(body)}".encode()
    assert json.loads(body) == {"error": "BadRequest",
                                "message": "Invalid HTTP request: bad byte 'é'"}
