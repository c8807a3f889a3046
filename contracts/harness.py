"""What both schemathesis runs share: demo credentials and the checks each operation skips.

Skipped checks, and why (every other check stays on for every operation):

* The token endpoint answers a missing Basic header with 400 AuthValidationError, as the
  platform's auth service documents, not with the 401 schemathesis expects of auth headers.
  `grant_type` may come in a form body, a JSON body or the query (real clients do all three),
  which OpenAPI cannot mark as required, so a schema-valid request may still lack it (400).
* Rules the platform enforces beyond any schema: an order's products must exist and its
  quantities fit the product; an SMS must fit its coding (160 GSM 7-bit characters, 140
  bytes, 70 UCS-2 characters; 8-bit data as even-length hex) and the SIM must have SMS volume
  left (the control plane's MO SMS of a device too). A schema-valid request may break them
  and rightly get a 400, so on those operations "schema-valid means accepted" is checked by
  `accepted_or_business_rule`: a 400 passes only when its message is one of those rules
  (`BUSINESS_RULES`, each listed in docs/fidelity.md "Rejections mockbsc keeps").
* The request journal's `operation` filter must name an operationId of the BSC API (a typo
  gets a 400 naming the close matches, not an empty list); any string is schema-valid.
"""

from __future__ import annotations

import base64
from typing import Any

from schemathesis.specs.openapi.checks import (
    ignored_auth,
    missing_required_header,
    positive_data_acceptance,
)
from starlette.testclient import TestClient

TOKEN_OPERATION = "postAccessTokenPOST"
TOKEN_EXCLUDED = [missing_required_header, ignored_auth, positive_data_acceptance]
BUSINESS_RULE_OPERATIONS = {"postOrderUsingPOST", "sendSmsToSimUsingPOST", "sendMoSms",
                            "extendSimsUsingPOST"}  # products must exist
# The journal's `operation` filter must name a BSC operationId (a typo is a 400 naming the
# close matches); any string is schema-valid, so acceptance is not checked there.
UNCHECKED_ACCEPTANCE = {"listRequests"}
BASIC = "Basic " + base64.b64encode(b"demo:demo-password").decode()


def operation_id(case: Any) -> str:
    return str(case.operation.definition.raw.get("operationId"))


BUSINESS_RULES = ("products: ", "payload: ", "udh: ", "SMS quota exhausted")


def excluded_checks(case: Any) -> list[Any]:
    op_id = operation_id(case)
    if op_id == TOKEN_OPERATION:
        return TOKEN_EXCLUDED
    unchecked = BUSINESS_RULE_OPERATIONS | UNCHECKED_ACCEPTANCE
    return [positive_data_acceptance] if op_id in unchecked else []


def additional_checks(case: Any) -> list[Any]:
    """`accepted_or_business_rule` where `positive_data_acceptance` is off for business rules."""
    return [accepted_or_business_rule] if operation_id(case) in BUSINESS_RULE_OPERATIONS else []


def accepted_or_business_rule(ctx: Any, response: Any, case: Any) -> bool | None:
    """`positive_data_acceptance`, except for a 400 naming one of the platform's own rules
    (no `errors[]`: no schema rule was broken)."""
    if response.status_code == 400:
        body = response.json()
        if not body.get("errors") and str(body.get("message", "")).startswith(BUSINESS_RULES):
            return None
    return positive_data_acceptance(ctx, response, case)  # type: ignore[no-any-return]


def register_demo_auth(schema: Any, app: Any) -> None:
    """A real bearer token of the demo user on every call; Basic on the token call itself.

    A fresh token per call (no cache): each test resets the emulator, which forgets tokens.
    """

    @schema.auth(refresh_interval=None)
    class DemoToken:
        def get(self, case: Any, ctx: Any) -> str:
            with TestClient(app) as client:
                response = client.post("/management-api/oauth/token",
                                       headers={"Authorization": BASIC},
                                       data={"grant_type": "client_credentials"})
            return str(response.json()["access_token"])

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.headers = case.headers or {}
            bearer = operation_id(case) != TOKEN_OPERATION
            case.headers["Authorization"] = f"Bearer {data}" if bearer else BASIC
