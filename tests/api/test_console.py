"""The console at `/_mockbsc/console`, in process: pages, actions, the admin token, sandboxes.

The browser-driven walk through it is in `test_console_browser.py`.
"""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from mockbsc.api.app import build_emulator, create_app
from mockbsc.api.console import cookie_value
from mockbsc.config import Settings
from mockbsc.domain.platform import Emulator
from mockbsc.domain.sms.records import SmsStatus
from tests.conftest import API, DEMO_ORG

CONSOLE = "/_mockbsc/console"


def rows(html: str) -> list[str]:
    return re.findall(r'<tr class="sim">\s*<td><a href="[^"]*/sims/(\d+)"', html)


def total(html: str) -> int:
    found = re.search(r'id="fleet-total">(\d+)<', html)
    assert found, html[:500]
    return int(found.group(1))


def offline_sim(emulator: Emulator) -> str:
    return next(s.iccid for s in emulator.sims.all()
                if s.org_id == DEMO_ORG and not s.device.attached and s.status.value == "Enabled")


@pytest.mark.mockbsc(sims=12)
def test_the_fleet_lists_the_organisations_sims_with_quota_gauges(client: TestClient) -> None:
    page = client.get(CONSOLE)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert len(rows(page.text)) == 12
    assert total(page.text) == 12
    assert page.text.count("<meter") == 24  # data and SMS per SIM
    assert "Demo" in page.text or str(DEMO_ORG) in page.text
    other = client.get(CONSOLE, params={"org": 5678})
    assert len(rows(other.text)) == 20


def test_the_fleet_is_paged_on_the_server(client: TestClient, emulator: Emulator) -> None:
    first = client.get(CONSOLE, params={"size": 25})
    second = client.get(CONSOLE, params={"size": 25, "page": 2})
    assert total(first.text) == emulator.sims.count(DEMO_ORG) == 50
    assert len(rows(first.text)) == 25
    assert len(rows(second.text)) == 25
    assert not set(rows(first.text)) & set(rows(second.text))
    assert "page=2" in first.text
    assert "page=1" in second.text


@pytest.mark.parametrize("field", ["iccid", "iccid_with_luhn", "imsi", "msisdn", "imei", "label"])
def test_the_fleet_search_finds_a_sim_by_any_identity(client: TestClient, emulator: Emulator,
                                                      field: str) -> None:
    sim = next(s for s in emulator.sims.all() if s.org_id == DEMO_ORG and s.imei and s.label)
    page = client.get(CONSOLE, params={"q": str(getattr(sim, field)).upper()})
    assert sim.iccid in rows(page.text)
    assert all(getattr(emulator.sims.find(i), field) == getattr(sim, field)
               or field in ("label", "imei") for i in rows(page.text))


def test_the_fleet_filters_by_status_and_attach_state(client: TestClient,
                                                      emulator: Emulator) -> None:
    mine = [s for s in emulator.sims.all() if s.org_id == DEMO_ORG]
    disabled = client.get(CONSOLE, params={"status": "Disabled", "size": 200})
    assert total(disabled.text) == sum(s.status.value == "Disabled" for s in mine) > 0
    offline = client.get(CONSOLE, params={"attach": "offline", "size": 200})
    assert set(rows(offline.text)) == {s.iccid for s in mine if not s.device.attached}
    silly = client.get(CONSOLE, params={"status": "<b>", "page": "x" * 50, "size": "7"})
    assert silly.status_code == 200
    assert total(silly.text) == 50


def test_a_sims_page_shows_identity_quotas_usage_events_and_sms(client: TestClient,
                                                               emulator: Emulator,
                                                               auth: dict[str, str]) -> None:
    iccid = offline_sim(emulator)
    sent = client.post(f"{API}/v1/sims/{iccid}/sms", headers=auth, json={"payload": "wake <up>"})
    assert sent.status_code == 201
    page = client.get(f"{CONSOLE}/sims/{iccid}")
    assert page.status_code == 200
    sim = emulator.sims.find(iccid)
    assert sim is not None
    for text in (sim.imsi, sim.msisdn, 'id="usage-data"', 'class="event"', "threshold 20 %",
                 "BUFFERED", "wake &lt;up&gt;"):
        assert text in page.text
    assert client.get(f"{CONSOLE}/sims/8988280666000000000").status_code == 404


def test_attach_then_an_hour_delivers_the_buffered_sms(client: TestClient, emulator: Emulator,
                                                       auth: dict[str, str]) -> None:
    iccid = offline_sim(emulator)
    client.post(f"{API}/v1/sims/{iccid}/sms", headers=auth, json={"payload": "hi"})
    attached = client.post(f"{CONSOLE}/sims/{iccid}/attach", json={})
    assert attached.status_code == 200
    assert attached.headers["hx-trigger"] == "mockbsc-changed"
    assert client.post(f"{CONSOLE}/clock", json={"seconds": 3600}).status_code == 200
    assert [m.status for m in emulator.sms.all() if m.iccid == iccid] == [SmsStatus.DELIVERED]


def test_device_and_customer_buttons_change_the_sim(client: TestClient,
                                                    emulator: Emulator) -> None:
    iccid = offline_sim(emulator)
    sim = emulator.sims.find(iccid)
    assert sim is not None
    base = f"{CONSOLE}/sims/{iccid}"
    assert client.post(f"{base}/attach", json={}).status_code == 200
    assert sim.device.attached
    before = sim.data_quota.volume
    assert client.post(f"{base}/consume", json={"data_mb": "12.5"}).status_code == 200
    assert sim.data_quota.volume == pytest.approx(before - 12.5)
    assert client.post(f"{base}/mo-sms", json={"payload": "ping"}).status_code == 200
    assert any(m.payload == "ping" for m in emulator.sms.all() if m.iccid == iccid)
    assert client.post(f"{base}/topup", json={}).status_code == 200
    assert sim.data_quota.volume > before
    assert client.post(f"{base}/update", json={"label": "pump-7", "status": "Disabled"}
                       ).status_code == 200
    client.post(f"{CONSOLE}/clock", json={"seconds": 600})
    assert (sim.label, sim.status.value) == ("pump-7", "Disabled")
    assert client.post(f"{base}/detach", json={}).status_code == 200
    assert not sim.device.attached


@pytest.mark.parametrize(("path", "body", "words"), [
    ("consume", {"data_mb": "lots"}, "not a number"),
    ("consume", {"data_mb": "nan"}, "finite"),
    ("update", {"status": "Lost"}, "Lost"),
    ("explode", {}, "No console action"),
])
def test_bad_input_to_a_button_is_a_clear_400(client: TestClient, emulator: Emulator,
                                              path: str, body: dict[str, str],
                                              words: str) -> None:
    response = client.post(f"{CONSOLE}/sims/{offline_sim(emulator)}/{path}", json=body)
    assert response.status_code in (400, 404)
    assert words in response.text


def test_a_form_that_is_not_json_is_refused(client: TestClient, emulator: Emulator) -> None:
    url = f"{CONSOLE}/sims/{offline_sim(emulator)}/consume"
    assert client.post(url, content=b"[1]", headers={"content-type": "application/json"}
                       ).status_code == 400
    assert client.post(url, content=b"{", headers={"content-type": "application/json"}
                       ).status_code == 400
    assert client.post(url, data={"data_mb": "1"}).status_code == 415  # the browser guard


def test_clock_page_and_buttons(client: TestClient, emulator: Emulator) -> None:
    before = emulator.now()
    assert client.post(f"{CONSOLE}/clock", json={"seconds": "86400"}).status_code == 200
    assert (emulator.now() - before).total_seconds() == 86400
    assert "manual" in client.get(f"{CONSOLE}/clock").text
    assert client.post(f"{CONSOLE}/clock", json={"seconds": -5}).status_code == 400
    moment = "2030-01-01T00:00:00Z"
    assert client.post(f"{CONSOLE}/clock", json={"now": moment}).status_code == 200
    assert emulator.now().year == 2030


def test_faults_are_listed_added_and_removed(client: TestClient, emulator: Emulator) -> None:
    added = client.post(f"{CONSOLE}/faults", json={"status": "503", "operation":
                                                   "getSimsUsingGET", "times": "2",
                                                   "method": "", "drop": ""})
    assert added.status_code == 200, added.text
    [rule] = emulator.faults.rules()
    assert (rule.status, rule.operation, rule.times) == (503, "getSimsUsingGET", 2)
    assert "getSimsUsingGET" in client.get(f"{CONSOLE}/faults").text
    assert client.post(f"{CONSOLE}/faults", json={"status": "abc"}).status_code == 400
    assert client.post(f"{CONSOLE}/faults", json={"delete": rule.id}).status_code == 200
    assert not emulator.faults.rules()


def test_requests_and_sms_centre_pages(client: TestClient, auth: dict[str, str]) -> None:
    client.get(f"{API}/v1/sims", headers=auth)
    page = client.get(f"{CONSOLE}/requests")
    assert "getSimsUsingGET" in page.text
    assert 'hx-trigger="every 2s"' in page.text  # updates itself
    assert client.get(f"{CONSOLE}/sms").status_code == 200


def test_the_requests_view_says_why_a_call_was_refused_and_which_fault_fired(
        client: TestClient, auth: dict[str, str]) -> None:
    client.put(f"{API}/v1/sims/8988280666030217999", headers=auth, json={"status": "Asleep"})
    client.post("/_mockbsc/faults", json={"operation": "getProductsUsingGET", "status": 503})
    client.get(f"{API}/v1/products", headers=auth)
    page = client.get(f"{CONSOLE}/requests").text
    table = re.findall(r"<tr class=\"request.*?</tr>", page, re.S)
    refused = next(row for row in table if "updateSimUsingPUT" in row)
    assert "400" in refused
    assert "body.status: &#34;Asleep&#34; is not one of" in refused
    assert "(rule: enum)" in refused
    faulted = next(row for row in table if "getProductsUsingGET" in row)
    assert "<span class=\"badge\">rule 1: status 503</span>" in faulted


def test_static_files_are_a_fixed_list(client: TestClient) -> None:
    for name in ("htmx.min.js", "json-enc.js", "uPlot.iife.min.js", "console.js", "console.css"):
        assert client.get(f"{CONSOLE}/static/{name}").status_code == 200
    assert client.get(f"{CONSOLE}/static/..%2Fconsole.py").status_code == 404
    assert client.get(f"{CONSOLE}/static/nothing.js").status_code == 404


def test_every_asset_a_page_links_is_served_by_mockbsc(client: TestClient) -> None:
    page = client.get(CONSOLE).text
    links = re.findall(r'(?:src|href)="([^"#?]+)"', page)
    assert any(link.endswith(".js") for link in links)
    for link in links:
        assert link.startswith("/"), f"{link}: not served by mockbsc"
        assert client.get(link).status_code == 200, link


def test_the_admin_token_closes_the_console_and_a_link_opens_it() -> None:
    app = create_app(build_emulator(Settings(clock="manual", admin_token="s3cret")))
    with TestClient(app, base_url="http://localhost") as browser:
        assert browser.get(CONSOLE).status_code == 401
        assert "?token=" in browser.get(CONSOLE).text
        assert browser.get(CONSOLE, params={"token": "wrong"}).status_code == 401
        assert browser.post(f"{CONSOLE}/clock", json={"seconds": 60}).status_code == 401
        assert browser.get(CONSOLE, headers={"Authorization": "Bearer s3cret"}
                           ).status_code == 200
        opened = browser.get(f"{CONSOLE}/faults", params={"token": "s3cret", "x": "1"},
                             follow_redirects=False)
        assert opened.status_code == 303
        assert opened.headers["location"] == f"{CONSOLE}/faults?x=1"
        cookie = opened.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert "s3cret" not in cookie
        assert cookie_value("s3cret") in cookie
        assert browser.get(CONSOLE).status_code == 200  # the cookie now
        assert browser.post(f"{CONSOLE}/clock", json={"seconds": 60}).status_code == 200
    with TestClient(app, base_url="http://localhost") as stranger:
        assert stranger.get(f"{CONSOLE}/static/htmx.min.js").status_code == 200  # no secret


def test_the_console_works_under_a_sandbox_prefix(client: TestClient,
                                                 emulator: Emulator) -> None:
    assert client.put("/_mockbsc/sandboxes/team", json={"sims": 5}).status_code == 201
    page = client.get(f"/sandboxes/team{CONSOLE}")
    assert page.status_code == 200
    assert len(rows(page.text)) == 5
    assert f'href="/sandboxes/team{CONSOLE}/sims/' in page.text
    assert f'src="/sandboxes/team{CONSOLE}/static/htmx.min.js"' in page.text
    assert client.get(f"/sandboxes/team{CONSOLE}/static/htmx.min.js").status_code == 200
    iccid = rows(page.text)[0]
    assert client.get(f"/sandboxes/team{CONSOLE}/sims/{iccid}").status_code == 200
    before = emulator.now()
    assert client.post(f"/sandboxes/team{CONSOLE}/clock", json={"seconds": 60}
                       ).status_code == 200
    assert emulator.now() == before  # the sandbox's clock moved, not the default's
