"""The API explorer at `/`: Swagger UI 5 from vendored assets, tried in a real headless browser."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from mockbsc.testing.server import MockBSCServer
from tests.browser import Chromium, chromium_binary


def test_root_is_swagger_ui_5_from_local_assets(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    links = re.findall(r'(?:src|href)="(/[^"]+)"', response.text)
    assert links
    for link in links:
        if link.startswith("/_mockbsc/console"):
            continue  # the newcomer's pointer to the console, not an asset
        assert link.startswith("/explorer/assets/"), f"{link} is not served by mockbsc"
        assert client.get(link).status_code == 200
    assert "persistAuthorization: true" in response.text
    bundle = client.get("/explorer/assets/swagger-ui-bundle.js").text
    assert 'PACKAGE_VERSION:"5.' in bundle  # Swagger UI 5: renders OpenAPI 3.1


def test_page_tells_the_demo_login_and_the_token_flow(client: TestClient) -> None:
    page = client.get("/").text
    for words in ("demo-password", "/oauth/token", "Authorize", "kept across reloads"):
        assert words in page


def test_explorer_reads_the_31_contracts_as_served(client: TestClient) -> None:
    page = client.get("/").text
    assert '"url": "/management-api/api-docs"' in page
    served = client.get("/management-api/api-docs")
    assert served.json()["openapi"].startswith("3.1")
    control = client.get("/explorer/control-openapi.json")
    assert control.json()["openapi"].startswith("3.1")
    assert control.content == client.app.state.control_contract.json_bytes  # type: ignore[attr-defined]


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
        # persistAuthorization: after a reload the bearer token is still filled in.
        browser.evaluate("location.reload()")
        browser.wait_for("document.querySelectorAll('.opblock').length > 10")
        authorized = browser.wait_for(
            "window.ui && window.ui.authSelectors.authorized().toJS().BearerAuthentication")
        assert authorized["value"]
    journal = list(mockbsc_server.emulator.journal)
    received = [(e.operation, e.status, e.org_id) for e in journal
                if not e.path.endswith("/api-docs")]  # the page reads the contract as served
    assert received == [("postAccessTokenPOST", 200, None), ("getSimsUsingGET", 200, 4321)]
    assert any(e.path == "/management-api/api-docs" and e.status == 200 for e in journal)
