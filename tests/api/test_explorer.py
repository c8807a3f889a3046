"""The API explorer at `/`: Swagger UI from packaged assets, tried in a real headless browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.api.openapi30 import downgrade
from mockbsc.testing.server import MockBSCServer
from tests.browser import Chromium, chromium_binary


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def test_root_is_swagger_ui_from_local_assets(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    links = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert links
    for link in links:
        assert link.startswith("/explorer/assets/"), f"{link} is not served by mockbsc"
        assert client.get(link).status_code == 200
    assert "persistAuthorization: true" in response.text


def test_explorer_reads_openapi_30_renditions_of_both_contracts(client: TestClient) -> None:
    for name in ("bsc", "control"):
        response = client.get(f"/explorer/{name}-openapi.json")
        assert response.status_code == 200
        document = response.json()
        assert document["openapi"] == "3.0.3"
        for node in _nodes(document.get("components", {}).get("schemas")):
            assert not isinstance(node.get("type"), list)
            assert not isinstance(node.get("examples"), list)


def test_downgrade_rewrites_31_schema_keywords() -> None:
    document = {"openapi": "3.1.0", "components": {"schemas": {"S": {
        "type": "object",
        "properties": {
            "const": {"type": ["string", "null"], "examples": ["a"]},
            "n": {"type": "number", "exclusiveMinimum": 0},
            "k": {"const": 4},
        },
    }}}}
    schema = downgrade(document)["components"]["schemas"]["S"]
    assert schema["properties"]["const"] == {"type": "string", "nullable": True, "example": "a"}
    assert schema["properties"]["n"] == {"type": "number", "minimum": 0, "exclusiveMinimum": True}
    assert schema["properties"]["k"] == {"enum": [4]}
    assert document["openapi"] == "3.1.0"  # the original is untouched


def test_optional_parameters_start_empty_in_try_it_out(client: TestClient) -> None:
    document = client.get("/explorer/bsc-openapi.json").json()
    sims_filter = document["components"]["parameters"]["SimsFilter"]
    assert "example" not in sims_filter
    assert "Example: `" in sims_filter["description"]


JS_TYPE = """((selector, value) => {
  const input = document.querySelector(selector);
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
  setter.call(input, value);
  input.dispatchEvent(new Event("input", {bubbles: true}));
  return true;
})"""


def _try_it_out(browser: Chromium, op: str) -> str:
    """Expand operation `op`, press "Try it out" and "Execute"; the live response's text."""
    browser.evaluate(f"document.querySelector('{op} .opblock-summary-control').click()")
    browser.wait_for(f"document.querySelector('{op} .try-out__btn')")
    browser.evaluate(f"document.querySelector('{op} .try-out__btn').click()")
    browser.wait_for(f"document.querySelector('{op} .execute')")
    browser.evaluate(f"document.querySelector('{op} .execute').click()")
    return str(browser.wait_for(
        f"document.querySelector('{op} .live-responses-table .response-col_status')"
        f" && document.querySelector('{op} .live-responses-table').innerText"))


@pytest.mark.slow
def test_explorer_in_chromium_authorizes_and_runs_requests(mockbsc_server: MockBSCServer) -> None:
    binary = chromium_binary()
    if binary is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    with Chromium(mockbsc_server.url + "/", binary) as browser:
        browser.wait_for("document.querySelectorAll('.opblock').length > 10")
        browser.evaluate("document.querySelector('.btn.authorize').click()")
        browser.wait_for("document.querySelector('.modal-ux input[name=username]')")
        browser.evaluate(JS_TYPE + "('.modal-ux input[name=username]', 'demo')")
        browser.evaluate(JS_TYPE + "('.modal-ux input[name=password]', 'demo-password')")
        basic = "document.querySelectorAll('.modal-ux .auth-container')[0]"
        browser.evaluate(f"{basic}.querySelector('button.authorize').click()")
        browser.wait_for(f"{basic}.innerText.includes('Logout')")
        browser.evaluate("document.querySelector('.modal-ux .btn-done').click()")

        token = _try_it_out(browser, "#operations-Authorization-postAccessTokenPOST")
        assert "access_token" in token
        sims = _try_it_out(browser, "#operations-SIM_Management-getSimsUsingGET")
        assert re.search(r"^200\s*$", sims, re.MULTILINE), sims
        assert '"iccid"' in sims
    received = [(e.operation, e.status, e.org_id) for e in mockbsc_server.emulator.journal]
    assert received == [("postAccessTokenPOST", 200, None), ("getSimsUsingGET", 200, 4321)]
