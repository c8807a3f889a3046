"""`POST /oauth/token`: HTTP Basic credentials in, a bearer token out (BSC guide §3)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from starlette.responses import Response

from mockbsc.api.operation import Call
from mockbsc.api.responses import gateway_json_response
from mockbsc.domain.access.models import Token
from mockbsc.domain.errors import AuthValidationError, BodyValidationError


def basic_credentials(header: str | None) -> tuple[str, str]:
    """(username, password) from an `Authorization: Basic …` header.

    Raises:
        AuthValidationError: missing, not Basic, not base64, or without `user:password`.
    """
    if not header:
        raise AuthValidationError(
            "Auth header validation error: Missing attributes 'username', 'password'"
        )
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise AuthValidationError("Auth header validation error: expected Basic authentication")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthValidationError(
            "Auth header validation error: credentials are not base64 of 'username:password'"
        ) from None
    username, sep, password = decoded.partition(":")
    missing = [name for name, value in (("username", username), ("password", password))
               if not value]
    if not sep or missing:
        names = ", ".join(f"'{m}'" for m in missing or ["password"])
        raise AuthValidationError(f"Auth header validation error: Missing attributes {names}")
    return username, password


def grant_type(call: Call) -> str:
    """`grant_type` from a form body, a JSON body, or the query string (clients do all three)."""
    body: Any = call.body
    if body is not None and not isinstance(body, dict):
        raise BodyValidationError("Request body validation error: expected an object")
    sent = body or {}
    value = sent["grant_type"] if "grant_type" in sent else call.request.query_params.get(
        "grant_type")
    if not value:
        raise BodyValidationError("Request body validation error: Missing attributes 'grant_type'")
    if value != "client_credentials":
        raise BodyValidationError(
            f"Request body validation error: grant_type '{value}' is not supported; "
            "use 'client_credentials'"
        )
    return str(value)


def app_token(token: Token, secret: bytes) -> str:
    """A JWT-shaped application token; the BSC guide calls it "not relevant in this context"."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64(json.dumps({
        "sub": token.user.username, "userId": token.user.user_id, "orgId": token.user.org_id,
        "iat": int(token.issued_at.timestamp()), "exp": int(token.expires_at.timestamp()),
    }).encode())
    signature = hmac.new(secret, f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{b64(signature)}"


def post_access_token(call: Call) -> Response:
    username, password = basic_credentials(call.request.headers.get("authorization"))
    grant_type(call)
    token, expires_in = call.emulator.issue_token(username, password)
    secret = call.request.app.state.secret
    return gateway_json_response({
        "access_token": token.value,
        "token_type": "bearer",
        "expires_in": expires_in,
        "scope": "all",
        "appToken": app_token(token, secret),
        "userId": token.user.user_id,
        "orgId": token.user.org_id,
        "status_code": 200,
    })
