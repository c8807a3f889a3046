"""The `mockbsc` fixture's verification helpers, and the same on `MockBSCServer`."""

from __future__ import annotations

import httpx
import pytest
from starlette.testclient import TestClient

from mockbsc.testing.server import BearerToken, MockBSCServer
from mockbsc.testing.verify import VerifyingEmulator


def test_requests_lists_calls_as_the_control_api_does(
        mockbsc: VerifyingEmulator, mockbsc_client: TestClient, mockbsc_token: BearerToken
) -> None:
    mockbsc_client.get("/management-api/v1/products", headers=mockbsc_token.headers)
    [call] = mockbsc.requests("getProductsUsingGET")
    assert call == mockbsc_client.get("/_mockbsc/requests").json()[0]
    assert call["headers"]["authorization"] == "Bearer [redacted]"
    with pytest.raises(LookupError, match="getProductsUsingGET"):
        mockbsc.requests("getProductUsingGET")


def test_live_server_requests_and_assert_called(
        mockbsc_server: MockBSCServer, mockbsc_token: BearerToken) -> None:
    httpx.get(f"{mockbsc_server.api_url}/v1/sims", params={"pageSize": 3},
              headers=mockbsc_token.headers)
    assert [c["query"] for c in mockbsc_server.requests("getSimsUsingGET")] == ["pageSize=3"]
    mockbsc_server.assert_called("getSimsUsingGET", times=1, params={"pageSize": "3"})
    with pytest.raises(LookupError, match="did you mean getSimsUsingGET"):
        mockbsc_server.requests("getSimsUsingGETs")
    with pytest.raises(AssertionError, match=r"GET /management-api/v1/sims\?pageSize=3 -> 200"):
        mockbsc_server.assert_called("getSimsUsingGET", params={"pageSize": "4"})
