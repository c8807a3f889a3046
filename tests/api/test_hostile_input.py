"""Hostile input, tried on every operation of both contracts: each gets a clear 4xx with a
JSON error, never a 500 or a hang, and the state (compared as an export) stays as it was.

Cases are generated from the contracts, so a new operation is covered the day it is added:
body attacks for every operation that takes a body, path tricks for every path parameter,
out-of-range numbers for every numeric query parameter, plus a table of wrong types,
control characters and huge or negative numbers in the fields that matter.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.contract.document import BSC_CONTRACT, CONTROL_CONTRACT, Contract, Operation
from mockbsc.domain.platform import Emulator
from mockbsc.domain.state.snapshot import export_state
from tests.conftest import API

ICCID = "8988280666030217999"  # the demo organisation's first SIM (seed 1)
SAMPLE = {"iccid": ICCID, "id": "7363281", "order_number": "2000000001", "org_id": "4321",
          "service": "data",
          "fault_id": "1", "sandbox_id": "sb-1"}
SANDBOX_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # a trick that is a valid id creates one
BSC = Contract.load(BSC_CONTRACT)
CONTROL = Contract.load(CONTROL_CONTRACT)
OPERATIONS: dict[str, tuple[Operation, str]] = {
    **{op.id: (op, API) for op in BSC.operations.values()},
    **{op.id: (op, "") for op in CONTROL.operations.values()},
}
MIB = 1024 * 1024

BODIES: dict[str, tuple[bytes, str | None]] = {
    "malformed-json": (b'{"label": "x",', "application/json"),
    "wrong-content-type": (b'{"payload": "x"}', "text/plain"),
    "missing-content-type": (b'{"payload": "x"}', None),
    "over-1-mib": (b'{"label": "' + b"a" * MIB + b'"}', "application/json"),
    "deep-nesting": (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    "invalid-utf8": (b'{"label": "\xff\xfe\xfa"}', "application/json"),
    "json-null": (b"null", "application/json"),
    "json-number": (b"123456789012345678901234567890", "application/json"),
    "json-string": (b'"\\u0000\\u0007"', "application/json"),
}
PATHS = {"dot-dot": "..%2f..%2fetc%2fpasswd", "nul": "8988%00", "very-long": "9" * 5000,
         "negative": "-1", "huge": "9" * 40,
         "newline": "%0d%0aX-Injected:%201", "bidi": "%E2%80%AE8988", "dot-dot-encoded": "%2e%2e"}
NUMBERS = {"negative": "-1", "huge": "9" * 40, "overflow": "1e400", "nan": "NaN",
           "text": "ten", "control": "%00%07"}
FIELDS: list[tuple[str, str, Any]] = [
    ("label-control-chars", "updateSimUsingPUT", {"label": "ok\x00\x07\x1b"}),
    ("label-wrong-type", "updateSimUsingPUT", {"label": ["x"]}),
    ("imei-lock-wrong-type", "updateSimUsingPUT", {"imei_lock": "yes"}),
    ("status-unknown", "updateSimUsingPUT", {"status": "Exploded"}),
    ("bulk-label-control", "updateSimsUsingPOST", [{"iccid": ICCID, "label": "\x07"}]),
    ("sms-payload-control", "sendSmsToSimUsingPOST", {"payload": "a\x00\x07b"}),
    ("sms-payload-wrong-type", "sendSmsToSimUsingPOST", {"payload": {"text": "x"}}),
    ("sms-dcs-wrong-type", "sendSmsToSimUsingPOST", {"payload": "x", "dcs": "zero"}),
    ("sms-hex-not-hex", "sendSmsToSimUsingPOST", {"payload": "zz", "dcs": 4}),
    ("topup-iccid-trick", "topUpMultipleUsingPOST", ["..%2f"]),
    ("topup-iccid-number", "topUpMultipleUsingPOST", [12345]),
    ("order-negative", "postOrderUsingPOST", {"products": [{"productId": 1001, "quantity": -1}]}),
    ("order-huge", "postOrderUsingPOST", {"products": [{"productId": 1001, "quantity": 10**30}]}),
    ("order-text", "postOrderUsingPOST", {"products": [{"productId": 1001, "quantity": "two"}]}),
    ("advance-negative", "advanceClock", {"seconds": -1}),
    ("advance-huge", "advanceClock", {"seconds": 1e308}),
    ("advance-text", "advanceClock", {"seconds": "10"}),
    ("set-clock-garbage", "setClock", {"now": "2026-13-45T99:00:00Z"}),
    ("set-clock-control", "setClock", {"now": "\x00"}),
    ("consume-negative", "consumeData", {"data_mb": -1}),
    ("consume-huge", "consumeData", {"data_mb": 1e308}),
    ("mo-payload-control", "sendMoSms", {"payload": "a\x00b"}),
    ("forward-url-control", "setSmsForwarding", {"url": "http://x\x00y/"}),
    ("forward-url-scheme", "setSmsForwarding", {"url": "javascript:alert(1)"}),
    ("fault-message-control", "addFault", {"status": 503, "message": "a\x00b"}),
    ("reset-negative-sims", "resetState", {"sims": -1}),
    ("reset-huge-seed", "resetState", {"seed": 10**30}),
    # issue 12: huge arrays refused by size, full-match patterns, product limits, the clock
    ("bulk-200000-items", "updateSimsUsingPOST", [1] * 200_000),
    ("topup-200000-items", "topUpMultipleUsingPOST", ["1"] * 200_000),
    ("label-trailing-newline", "updateSimUsingPUT", {"label": "evil\n"}),
    ("bulk-label-trailing-newline", "updateSimsUsingPOST", [{"iccid": ICCID, "label": "x\n"}]),
    ("order-over-customer-max", "postOrderUsingPOST",
     {"products": [{"productId": 1002, "quantity": 10_000}] * 50}),
    ("set-clock-year-9999", "setClock", {"now": "9999-12-31T23:59:59Z"}),
    ("advance-past-maximum", "advanceClock", {"seconds": 40_000_000_000}),
    ("advance-nan", "advanceClock", {"seconds": float("nan")}),
    ("advance-infinity", "advanceClock", {"seconds": float("inf")}),
    ("state-garbage", "importState", {"format": "mockbsc-state", "version": 1,
                                      "clock": {"mode": "manual", "now": "x",
                                                "offset_seconds": 0}, "stores": {}}),
]


def url_of(op: Operation, base: str, **override: str) -> str:
    return base + re.sub(r"\{(\w+)\}", lambda m: override.get(m.group(1), SAMPLE[m.group(1)]),
                         op.path)


def cases() -> list[Any]:
    found = []
    for op_id, (op, _) in sorted(OPERATIONS.items()):
        if op.takes_body:
            found += [pytest.param(op_id, "body", kind, id=f"{op_id}-{kind}") for kind in BODIES]
        for name in re.findall(r"\{(\w+)\}", op.path):
            found += [pytest.param(op_id, "path", (name, trick), id=f"{op_id}-{name}-{kind}")
                      for kind, trick in PATHS.items()
                      if not (name == "sandbox_id" and SANDBOX_ID.fullmatch(trick))]
        for param in op.parameters:
            if param.location == "query" and param.schema.get("type") in ("integer", "number"):
                found += [pytest.param(op_id, "query", (param.name, value),
                                       id=f"{op_id}-{param.name}-{kind}")
                          for kind, value in NUMBERS.items()]
    found += [pytest.param(op_id, "json", body, id=f"{op_id}-{name}")
              for name, op_id, body in FIELDS]
    return found


@pytest.fixture
def headers_for(client: TestClient, auth: dict[str, str],
                emulator: Emulator) -> dict[str, dict[str, str]]:
    """Valid credentials per envelope, and the demo SIM's history in place (reading a SIM
    the first time fills in its seeded history, which would show up as a change)."""
    assert client.get(f"{API}/v1/sims/{ICCID}", headers=auth).status_code == 200
    return {"api": auth, "auth": {"Authorization": "Basic ZGVtbzpkZW1vLXBhc3N3b3Jk"},
            "control": {}}


@pytest.mark.parametrize(("op_id", "where", "attack"), cases())
def test_hostile_input_gets_a_clear_4xx_and_changes_nothing(
        client: TestClient, emulator: Emulator, headers_for: dict[str, dict[str, str]],
        op_id: str, where: str, attack: Any) -> None:
    op, base = OPERATIONS[op_id]
    envelope = "control" if not base else "auth" if op_id == "postAccessTokenPOST" else "api"
    headers = dict(headers_for[envelope])
    url, content = url_of(op, base), None
    if where == "body":
        content, media = BODIES[attack]
        if media:
            headers["Content-Type"] = media
    elif where == "path":
        url = url_of(op, base, **{attack[0]: attack[1]})
    elif where == "query":
        url = f"{url}?{attack[0]}={attack[1]}"
    else:
        content = json.dumps(attack).encode()
        headers["Content-Type"] = "application/json"
    before = export_state(emulator)
    response = client.request(op.method, url, headers=headers, content=content)
    if where == "path" and response.status_code == 405:
        return  # the trick made the path another route's (e.g. `.`): refused all the same
    assert 400 <= response.status_code < 500, response.text
    body = response.json()
    assert isinstance(body, dict)
    assert body.get("message")
    assert export_state(emulator) == before


# One acceptable body per operation that has the 1 MiB limit, in every envelope (BSC API,
# token endpoint, control plane); `{iccid}` is an enabled demo SIM, attached by the test.
WITHIN_LIMIT: dict[str, tuple[str, str, bytes, str]] = {
    "updateSimUsingPUT": ("PUT", f"{API}/v1/sims/{{iccid}}", b'{"label": "x"}',
                          "application/json"),
    "updateSimsUsingPOST": ("POST", f"{API}/v1/sims", b'[{"iccid": "{iccid}", "label": "x"}]',
                            "application/json"),
    "topUpMultipleUsingPOST": ("POST", f"{API}/v1/sims/topup", b'["{iccid}"]',
                               "application/json"),
    "sendSmsToSimUsingPOST": ("POST", f"{API}/v1/sims/{{iccid}}/sms",
                              b'{"payload": "x", "source_address": "1234567"}',
                              "application/json"),
    "postOrderUsingPOST": ("POST", f"{API}/v1/orders",
                           b'{"products": [{"productId": 1001, "quantity": 1}]}',
                           "application/json"),
    "postAccessTokenPOST": ("POST", f"{API}/oauth/token", b"grant_type=client_credentials",
                            "application/x-www-form-urlencoded"),
    "resetState": ("POST", "/_mockbsc/reset", b"{}", "application/json"),
    "advanceClock": ("POST", "/_mockbsc/clock/advance", b'{"seconds": 1}', "application/json"),
    "consumeData": ("POST", "/_mockbsc/sims/{iccid}/consume", b'{"data_mb": 1}',
                    "application/json"),
    "sendMoSms": ("POST", "/_mockbsc/sims/{iccid}/mo-sms", b'{"payload": "x"}',
                  "application/json"),
}


@pytest.mark.parametrize("op_id", list(WITHIN_LIMIT))
def test_a_body_one_byte_over_1_mib_is_refused_with_413(
        client: TestClient, auth: dict[str, str], iccid: str, op_id: str) -> None:
    """Guards the 1 MiB body limit: a body that is otherwise acceptable (padded with JSON
    whitespace, or empty form fields) is refused with 413 one byte over the limit, whether
    announced by Content-Length or streamed in chunks, and accepted at exactly the limit, so
    nothing else refuses it first."""
    assert client.post(f"/_mockbsc/sims/{iccid}/attach").status_code == 200
    method, url, body, media = WITHIN_LIMIT[op_id]
    url, body = url.replace("{iccid}", iccid), body.replace(b"{iccid}", iccid.encode())
    pad = b"&" if media == "application/x-www-form-urlencoded" else b" "
    headers = {"Content-Type": media}
    if op_id == "postAccessTokenPOST":
        headers["Authorization"] = "Basic ZGVtbzpkZW1vLXBhc3N3b3Jk"
    elif url.startswith(API):
        headers.update(auth)
    over = client.request(method, url, headers=headers,
                          content=body + pad * (MIB + 1 - len(body)))
    assert over.status_code == 413, over.text
    if op_id == "postAccessTokenPOST":
        assert over.json()["statusCode"] == 413
    assert f"limit of {MIB} bytes" in over.json()["message"]
    chunked = client.request(method, url, headers=headers,  # no Content-Length to go by
                             content=iter([body, pad * (MIB + 1 - len(body))]))
    assert chunked.status_code == 413, chunked.text
    at_limit = client.request(method, url, headers=headers,
                              content=body + pad * (MIB - len(body)))
    assert at_limit.status_code in (200, 201), at_limit.text


def test_a_state_import_may_be_larger_than_1_mib(client: TestClient) -> None:
    """Guards the import's own limit: an exported state padded past 1 MiB still loads."""
    exported = client.get("/_mockbsc/state")
    assert exported.status_code == 200
    body = exported.content + b" " * (MIB + 1)
    response = client.put("/_mockbsc/state", content=body,
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text


CHANGING_CONTROL = sorted(op_id for op_id, (op, base) in OPERATIONS.items()
                          if not base and op.method in ("POST", "PUT", "DELETE", "PATCH"))


@pytest.mark.parametrize("op_id", CHANGING_CONTROL)
@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example", "Content-Type": "application/json"},
    {"Content-Type": "text/plain"},
], ids=["cross-origin", "text-body"])
def test_a_browser_cannot_change_the_control_plane(
        client: TestClient, emulator: Emulator, headers_for: dict[str, dict[str, str]],
        op_id: str, headers: dict[str, str]) -> None:
    """Issue 12: a web page's simple cross-origin request (no preflight) changes nothing."""
    op, base = OPERATIONS[op_id]
    before = export_state(emulator)
    response = client.request(op.method, url_of(op, base), headers=headers, content=b"{}")
    assert response.status_code in (403, 415), response.text
    assert response.json().get("message")
    assert export_state(emulator) == before


@pytest.mark.parametrize("op_id", sorted(OPERATIONS))
def test_a_rebinding_host_gets_a_clear_400(mockbsc_app: Any, emulator: Emulator,
                                           op_id: str) -> None:
    """Issue 12: on a loopback address, a foreign `Host` (DNS rebinding) reaches nothing."""
    op, base = OPERATIONS[op_id]
    before = export_state(emulator)
    with TestClient(mockbsc_app, base_url="http://127.0.0.1:8080") as loopback:
        response = loopback.request(op.method, url_of(op, base),
                                    headers={"Host": "evil.example"})
    assert response.status_code == 400, response.text
    assert response.json().get("message")
    assert export_state(emulator) == before
