"""Before a handler runs: authentication, the body's size, media type and syntax, and the
contract's parameters, each refused with its own status and message in the right envelope."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import API

JSON = {"content-type": "application/json"}


def _sms_url(iccid: str) -> str:
    return f"{API}/v1/sims/{iccid}/sms"


def _api_error(response: Any, status: int, message: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    body = response.json()
    assert (body["status"], body["message"]) == (status, message)


@pytest.mark.mockbsc(max_body_bytes=64)
def test_body_of_exactly_the_limit_is_taken_one_more_byte_is_413(
        client: TestClient, auth: dict[str, str], iccid: str) -> None:
    exact = b'{"payload": "' + b"x" * 49 + b'"}'
    assert len(exact) == 64
    assert client.post(_sms_url(iccid), headers={**auth, **JSON}, content=exact).status_code == 201
    over = b'{"payload": "' + b"x" * 50 + b'"}'
    response = client.post(_sms_url(iccid), headers={**auth, **JSON}, content=over)
    _api_error(response, 413, "Request body is larger than the limit of 64 bytes")
    assert response.json()["error"] == "Request Entity Too Large"


@pytest.mark.mockbsc(max_body_bytes=64)
def test_streamed_body_over_the_limit_is_413(
        client: TestClient, auth: dict[str, str], iccid: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"payload": "'
        yield b"x" * 60
        yield b'"}'

    response = client.post(_sms_url(iccid), headers={**auth, **JSON}, content=chunks())
    _api_error(response, 413, "Request body is larger than the limit of 64 bytes")


@pytest.mark.mockbsc(max_body_bytes=64)
def test_streamed_body_within_the_limit_is_taken(
        client: TestClient, auth: dict[str, str], iccid: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"payload": "'
        yield b"x" * 49
        yield b'"}'

    response = client.post(_sms_url(iccid), headers={**auth, **JSON}, content=chunks())
    assert response.status_code == 201


@pytest.mark.parametrize(("headers", "message"), [
    ({"content-type": "text/plain"},
     "Content type 'text/plain' is not supported; use application/json"),
    ({}, "Content type 'none' is not supported; use application/json"),
], ids=["text", "none"])
def test_body_in_another_media_type_is_415(client: TestClient, auth: dict[str, str],
                                           iccid: str, headers: dict[str, str],
                                           message: str) -> None:
    response = client.post(_sms_url(iccid), headers={**auth, **headers},
                           content=b'{"payload": "x"}')
    _api_error(response, 415, message)
    assert response.json()["error"] == "Unsupported Media Type"


@pytest.mark.parametrize("media", ["application/vnd.bsc+json", "Application/JSON; charset=utf-8"])
def test_json_media_types_with_suffix_or_parameters_are_taken(
        client: TestClient, auth: dict[str, str], iccid: str, media: str) -> None:
    response = client.post(_sms_url(iccid), headers={**auth, "content-type": media},
                           content=b'{"payload": "x"}')
    assert response.status_code == 201


@pytest.mark.parametrize(("content", "message"), [
    (b'{"payload": ', "body: malformed JSON (Expecting value: line 1 column 13 (char 12))"),
    (b"  ", "body: a request body is required"),
    (b"null", 'body: null is not of type "object"'),
    (b'{"payload": "\xff"}', "body: is not valid UTF-8"),
], ids=["truncated", "blank", "null", "not-utf8"])
def test_broken_json_body_is_400_naming_the_problem(
        client: TestClient, auth: dict[str, str], iccid: str, content: bytes,
        message: str) -> None:
    response = client.post(_sms_url(iccid), headers={**auth, **JSON}, content=content)
    _api_error(response, 400, f"Validation failed: {message}")
    assert [e["message"] for e in response.json()["errors"]] == [message]


def test_json_nested_past_the_recursion_limit_is_400(
        client: TestClient, auth: dict[str, str], iccid: str) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    response = client.post(_sms_url(iccid), headers={**auth, **JSON}, content=deep)
    _api_error(response, 400, "Validation failed: body: JSON is nested too deeply")


def test_token_endpoint_refuses_another_media_type_in_its_own_envelope(
        client: TestClient) -> None:
    response = client.post(f"{API}/oauth/token", headers={"content-type": "text/plain"},
                           content=b"grant_type=client_credentials")
    assert response.status_code == 400
    assert response.json() == {"statusCode": 400, "errorCode": "UnsupportedContentTypeError",
                               "message": "Content-Type not supported"}


def test_form_body_that_is_not_utf8_is_400(client: TestClient) -> None:
    response = client.post(f"{API}/oauth/token",
                           headers={"content-type": "application/x-www-form-urlencoded"},
                           content=b"grant_type=\xff")
    assert response.status_code == 400
    assert response.json() == {"statusCode": 400, "errorCode": "BodyValidationError",
                               "message": "Validation failed: body: is not valid UTF-8"}


@pytest.mark.parametrize(("header", "message"), [
    ("Bearer ", "The token is invalid: expected 'Bearer <token>'"),
    ("Basic abc", "The token is invalid: expected 'Bearer <token>'"),
    ("bearer nope", "The token is invalid: unknown token"),
], ids=["empty", "basic", "unknown"])
def test_bad_authorization_is_401_with_a_challenge(client: TestClient, header: str,
                                                   message: str) -> None:
    response = client.get(f"{API}/v1/sims", headers={"Authorization": header})
    _api_error(response, 401, message)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.mockbsc(allowed_hosts=("mockbsc", "example.org"))
def test_location_follows_the_host_the_client_used(
        client: TestClient, auth: dict[str, str], iccid: str) -> None:
    """Only a checked `Host` (issue 12: `--allowed-hosts`) names the server in `Location`."""
    elsewhere = client.post(f"{API}/v1/sims/{iccid}/topup",
                            headers={**auth, "host": "example.org:8443"})
    assert elsewhere.status_code == 201
    assert elsewhere.headers["location"] == f"http://example.org:8443{API}/v1/orders/2000000001"
    here = client.post(f"{API}/v1/sims/{iccid}/topup", headers=auth)
    assert here.headers["location"] == f"http://mockbsc{API}/v1/orders/2000000002"


def test_integral_json_number_counts_as_an_integer(
        client: TestClient, auth: dict[str, str]) -> None:
    placed = client.post(f"{API}/v1/orders", headers=auth,
                         json={"products": [{"productId": 1001, "quantity": 2.0}]})
    assert placed.status_code == 201
    assert placed.json() == {"products": [{"productId": 1001, "quantity": 2}]}
    order = client.get(placed.headers["location"], headers=auth).json()
    assert order["products"] == [{"product_id": 1001, "quantity": 2}]
    assert order["invoice_amount"] == "23.80"
    # Jackson's ACCEPT_FLOAT_AS_INT (on by default): a fraction is cut to its integer part
    fraction = client.post(f"{API}/v1/orders", headers=auth,
                           json={"products": [{"productId": 1001, "quantity": 2.5}]})
    assert fraction.status_code == 201, fraction.text
    assert fraction.json() == {"products": [{"productId": 1001, "quantity": 2}]}


@pytest.mark.parametrize(("params", "status", "first"), [
    ({"page": "+2", "pageSize": "5"}, 200, "8988280666030218004"),
    ({"page": "1", "pageSize": "5"}, 200, "8988280666030217999"),
    ({}, 200, "8988280666030217999"),
], ids=["signed", "plain", "defaults"])
def test_integer_query_parameters_are_converted(
        client: TestClient, auth: dict[str, str], params: dict[str, str], status: int,
        first: str) -> None:
    response = client.get(f"{API}/v1/sims", headers=auth, params=params)
    assert response.status_code == status
    assert response.json()[0]["iccid"] == first
    assert response.headers["x-count-per-page"] == params.get("pageSize", "10")


@pytest.mark.parametrize(("params", "rule", "message"), [
    ({"page": "1.0"}, "type", 'page: "1.0" is not of type "integer"'),
    ({"page": "0"}, "minimum", "page: 0 is less than the minimum of 1"),
], ids=["fraction", "zero"])
def test_bad_query_parameters_are_400(client: TestClient, auth: dict[str, str],
                                      params: dict[str, str], rule: str, message: str) -> None:
    response = client.get(f"{API}/v1/sims", headers=auth, params=params)
    _api_error(response, 400, f"Validation failed: {message}")
    assert response.json()["errors"] == [
        {"location": "query", "name": "page", "rule": rule, "message": message}]


@pytest.mark.parametrize(("params", "subscriber", "ussd"), [
    ({"subscriber": "TRUE", "ussd": "False"}, True, False),
    ({"subscriber": "false", "ussd": "true"}, False, True),
], ids=["upper", "lower"])
def test_boolean_query_parameters_ignore_case(
        client: TestClient, auth: dict[str, str], iccid: str, params: dict[str, str],
        subscriber: bool, ussd: bool) -> None:
    response = client.get(f"{API}/v1/sims/{iccid}/connectivity_info", headers=auth,
                          params=params)
    assert response.status_code == 200
    assert ("subscriber_info" in response.json(), "ussd_info" in response.json()) == (
        subscriber, ussd)


def test_non_boolean_query_parameter_is_400(
        client: TestClient, auth: dict[str, str], iccid: str) -> None:
    response = client.get(f"{API}/v1/sims/{iccid}/connectivity_info", headers=auth,
                          params={"ussd": "maybe"})
    _api_error(response, 400, 'Validation failed: ussd: "maybe" is not of type "boolean"')
