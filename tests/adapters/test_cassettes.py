"""VCR.py cassettes written without secrets and read back, in YAML and JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockbsc.adapters.cassettes import Recording, load, write


def secret_exchange() -> Recording:
    return Recording(
        method="POST", uri="http://up.test/management-api/oauth/token", status=200,
        request_headers={"Authorization": ["Basic ZGVtbzpwdw=="], "Cookie": ["s=1"],
                         "Content-Type": ["application/x-www-form-urlencoded"]},
        request_body="grant_type=client_credentials&password=pw",
        response_headers={"Content-Type": ["application/json"], "Set-Cookie": ["s=2"]},
        response_body='{"access_token": "t0k3n", "appToken": "jwt", "userId": 7, '
                      '"nested": {"refresh_token": "r"}}',
        message="OK")


@pytest.mark.parametrize("name", ["one.yaml", "one.json"])
def test_written_cassettes_hold_no_secret_and_read_back(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    write(path, [secret_exchange()])
    text = path.read_text()
    for secret in ("ZGVtbzpwdw", "t0k3n", "jwt", "Authorization", "Cookie", "password=pw",
                   '"r"'):
        assert secret not in text
    [back] = load([tmp_path])
    assert (back.method, back.status, back.uri) == ("POST", 200,
                                                    "http://up.test/management-api/oauth/token")
    assert back.request_body == "grant_type=client_credentials&password=%3Credacted%3E"
    assert '"userId": 7' in back.response_body
    assert "<redacted>" in back.response_body
    assert back.header("response", "content-type") == "application/json"


def test_ruby_vcr_cassettes_are_read_too(tmp_path: Path) -> None:
    path = tmp_path / "ruby.yml"
    path.write_text("""\
http_interactions:
- request: {method: get, uri: 'https://x.test/management-api/v1/sims', body: {string: ''},
            headers: {}}
  response: {status: {code: 200, message: OK}, headers: {Content-Type: [application/json]},
             body: {encoding: UTF-8, string: '[]'}}
""")
    [only] = load([path])
    assert (only.method, only.status, only.response_body) == ("GET", 200, "[]")
