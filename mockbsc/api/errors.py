"""The one place that builds error bodies, in the three envelopes mockbsc speaks:

* `/oauth/token`: the auth service's `{statusCode, errorCode, message}`;
* `/v1/...`: Spring Boot's `{timestamp, status, error, message, path}` (recorded on 401), plus
  `errors` naming each parameter or field and the rule it broke;
* `/_mockbsc/...`: the control API's `{error, message, errors}`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from http import HTTPStatus
from typing import Literal

from starlette.responses import Response

from mockbsc.api.responses import gateway_json_response, json_response
from mockbsc.api.serialize import timestamp
from mockbsc.contract.document import Violation

Envelope = Literal["auth", "api", "control"]

AUTH_CODES = {400: "BodyValidationError", 403: "ApiAccessDenied", 413: "BodyValidationError"}
# S1's documented 400 body of a top-up with an unknown `payment_method`: clients read its
# `message`, so the Spring body carries exactly this message (the rule stays in `errors`).
PAYMENT_METHOD_INVALID = "Payment method used is not valid."


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_response(
    envelope: Envelope,
    status: int,
    message: str,
    *,
    path: str,
    now: datetime,
    code: str | None = None,
    violations: Sequence[Violation] = (),
    headers: dict[str, str] | None = None,
) -> Response:
    details = [
        {"location": v.location, "name": v.name, "rule": v.rule, "message": v.message}
        for v in violations
    ]
    if envelope == "auth" and status in (400, 403, 413):
        body: dict[str, object] = {
            "statusCode": status,
            "errorCode": code or AUTH_CODES.get(status, "BodyValidationError"),
            "message": message,
        }
        if headers:
            return json_response(body, status, headers, media_type="application/json")
        return gateway_json_response(body, status)
    if envelope == "control":
        body = {"error": code or reason(status).replace(" ", ""), "message": message}
        if details:
            body["errors"] = details
        return json_response(body, status, headers, media_type="application/json")
    if any(v.location == "query" and v.name == "payment_method" for v in violations):
        message = PAYMENT_METHOD_INVALID
    body = {
        "timestamp": timestamp(now),
        "status": status,
        "error": reason(status),
        "message": message,
        "path": path,
    }
    if details:
        body["errors"] = details
    return json_response(body, status, headers)


def raw_error(status: int, message: str) -> bytes:
    """A whole HTTP/1.1 response in the control envelope, for the connection layer
    (`mockbsc.api.listener`): malformed requests, connections over the cap, slow heads. It
    closes the connection; there is no request, so no path and no API envelope to pick."""
    body = json.dumps({"error": reason(status).replace(" ", ""), "message": message}).encode()
    head = (f"HTTP/1.1 {status} {reason(status)}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n")
    return head.encode("latin-1") + body
