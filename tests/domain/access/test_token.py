"""POST /oauth/token: the three request shapes real clients use, and each documented error."""

from __future__ import annotations

import base64
import uuid

import pytest
from starlette.testclient import TestClient

from mockbsc.domain.platform import Emulator
from tests.conftest import API, DEMO

TOKEN = f"{API}/oauth/token"


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_form_body_gets_the_bsc_token_shape(client: TestClient) -> None:
    response = client.post(TOKEN, auth=DEMO, data={"grant_type": "client_credentials"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert uuid.UUID(body["access_token"]).version == 4
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "all"
    assert body["userId"] == 100001
    assert body["orgId"] == 4321
    assert body["status_code"] == 200
    assert body["appToken"].count(".") == 2


def test_json_body_is_accepted(client: TestClient) -> None:
    response = client.post(TOKEN, auth=DEMO, json={"grant_type": "client_credentials"})
    assert response.status_code == 200


def test_query_parameter_with_empty_body_is_accepted(client: TestClient) -> None:
    response = client.post(TOKEN, auth=DEMO, params={"grant_type": "client_credentials"},
                           headers={"Content-Type": "application/x-www-form-urlencoded"},
                           content=b"")
    assert response.status_code == 200


def test_same_token_is_reused_and_counts_down(client: TestClient, emulator: Emulator) -> None:
    first = client.post(TOKEN, auth=DEMO, data={"grant_type": "client_credentials"}).json()
    emulator.advance(40)
    second = client.post(TOKEN, auth=DEMO, data={"grant_type": "client_credentials"}).json()
    assert second["access_token"] == first["access_token"]
    assert second["expires_in"] == 3560


@pytest.mark.parametrize(
    ("headers", "body", "code", "message"),
    [
        (basic("demo", "wrong"), {"grant_type": "client_credentials"}, "BadCredentials",
         "Incorrect username or password."),
        (basic("nobody", "x"), {"grant_type": "client_credentials"}, "BadCredentials",
         "Incorrect username or password."),
        ({}, {"grant_type": "client_credentials"}, "AuthValidationError", "Missing attributes"),
        ({"Authorization": "Basic !!!"}, {"grant_type": "client_credentials"},
         "AuthValidationError", "base64"),
        (basic("demo", "demo-password"), {}, "BodyValidationError",
         "Missing attributes 'grant_type'"),
        (basic("demo", "demo-password"), {"grant_type": "password"}, "BodyValidationError",
         "not supported"),
    ],
    ids=["wrong-password", "unknown-user", "no-auth-header", "bad-base64", "no-grant-type",
         "wrong-grant-type"],
)
def test_token_errors_use_the_auth_envelope(
    client: TestClient, headers: dict[str, str], body: dict[str, str], code: str, message: str
) -> None:
    response = client.post(TOKEN, headers=headers, data=body)
    assert response.status_code == 400
    error = response.json()
    assert error["statusCode"] == 400
    assert error["errorCode"] == code
    assert message in error["message"]


def test_unsupported_content_type_is_its_own_error(client: TestClient) -> None:
    response = client.post(TOKEN, auth=DEMO, content=b"<grant_type/>",
                           headers={"Content-Type": "application/xml"})
    assert response.status_code == 400
    assert response.json()["errorCode"] == "UnsupportedContentTypeError"


def test_user_without_api_role_is_refused(client: TestClient) -> None:
    response = client.post(TOKEN, auth=("viewer", "viewer-password"),
                           data={"grant_type": "client_credentials"})
    assert response.status_code == 403
    assert response.json()["errorCode"] == "ApiAccessDenied"


def test_token_expires_after_its_lifetime(client: TestClient, emulator: Emulator,
                                          auth: dict[str, str]) -> None:
    assert client.get(f"{API}/v1/sims", headers=auth).status_code == 200
    emulator.advance(3600)
    response = client.get(f"{API}/v1/sims", headers=auth)
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "Unauthorized"
    assert body["path"] == f"{API}/v1/sims"
    assert "expired" in body["message"]


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer not-a-token", "Basic ZGVtbzpkZW1vLXBhc3N3b3Jk", "bearer  "],
    ids=["empty", "no-value", "unknown", "basic-instead", "blank"],
)
def test_missing_malformed_or_unknown_bearer_gets_401(client: TestClient, header: str) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get(f"{API}/v1/sims", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    assert set(response.json()) >= {"timestamp", "status", "error", "message", "path"}
