"""The wire as the live recordings (S4) show it: gzip, the security headers, the token
endpoint's bare headers, S1's payment-method error, one page for an empty list."""

from __future__ import annotations

import gzip

from starlette.testclient import TestClient

from tests.conftest import API, DEMO


def test_json_is_gzipped_when_the_client_accepts_it(client: TestClient,
                                                    auth: dict[str, str]) -> None:
    headers = {**auth, "Accept-Encoding": "gzip"}
    response = client.get(f"{API}/v1/sims", params={"pageSize": 5}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert len(response.json()) == 5  # httpx decoded it: a valid gzip stream
    plain = client.get(f"{API}/v1/sims", params={"pageSize": 5},
                       headers={**auth, "Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.json() == response.json()
    assert "vary" not in plain.headers  # the platform's answers carry none (S4)


def test_gzip_body_is_the_plain_body_compressed(client: TestClient, auth: dict[str, str],
                                                iccid: str) -> None:
    with client.stream("GET", f"{API}/v1/sims/{iccid}/quota/data",
                       headers={**auth, "Accept-Encoding": "gzip"}) as response:
        raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw).startswith(b'{"volume":')


def test_empty_action_answer_is_not_compressed(client: TestClient, auth: dict[str, str],
                                               iccid: str) -> None:
    response = client.put(f"{API}/v1/sims/{iccid}", json={"label": "x"},
                          headers={**auth, "Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert response.headers["content-length"] == "0"


def test_v1_answers_carry_hsts_as_recorded(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get(f"{API}/v1/sims", headers=auth)
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    assert response.headers["x-frame-options"] == "DENY"
    unauthorised = client.get(f"{API}/v1/sims")
    assert unauthorised.status_code == 401
    assert unauthorised.headers["strict-transport-security"] == "max-age=31536000"


def test_token_endpoint_sends_only_the_gateway_headers(client: TestClient) -> None:
    response = client.post(f"{API}/oauth/token", auth=DEMO,
                           data={"grant_type": "client_credentials"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    for spring in ("strict-transport-security", "x-frame-options", "cache-control", "pragma"):
        assert spring not in response.headers
    refused = client.post(f"{API}/oauth/token", auth=("demo", "wrong"),
                          data={"grant_type": "client_credentials"})
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/json"
    assert "x-frame-options" not in refused.headers


def test_invalid_payment_method_answers_s1_message(client: TestClient, auth: dict[str, str],
                                                   iccid: str) -> None:
    response = client.post(f"{API}/v1/sims/{iccid}/topup", params={"payment_method": "cash"},
                           headers=auth)
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "Payment method used is not valid."
    assert [e["name"] for e in body["errors"]] == ["payment_method"]
    bulk = client.post(f"{API}/v1/sims/topup", params={"payment_method": "cash"},
                       json=[iccid], headers=auth)
    assert bulk.status_code == 400
    assert bulk.json()["message"] == "Payment method used is not valid."


def test_empty_list_reports_one_page(client: TestClient, auth: dict[str, str]) -> None:
    """1NCE's onboarding code loops `while totalPages !== currentPage`: 0 would never end."""
    response = client.get(f"{API}/v1/sims", params={"q": "ip_address:1.2.3.4"}, headers=auth)
    assert response.json() == []
    assert (response.headers["x-total-count"], response.headers["x-total-pages"],
            response.headers["x-current-page"]) == ("0", "1", "1")
