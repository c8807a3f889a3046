"""The console driven in headless Chromium: fleet, a SIM's page, attach, an hour later."""

from __future__ import annotations

import json

import httpx
import pytest

from mockbsc.config import Settings
from mockbsc.testing.server import MockBSCServer
from tests.browser import Chromium, chromium_binary
from tests.conftest import API, DEMO, DEMO_ORG

pytestmark = pytest.mark.slow

HTMX_IDLE = ("!document.querySelector("
             "'.htmx-request, .htmx-settling, .htmx-swapping, .htmx-added')")
"""No htmx request in flight and no swap settling."""


@pytest.fixture
def binary() -> str:
    found = chromium_binary()
    if found is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return found


def test_fleet_sim_page_attach_and_an_hour_later_delivered(binary: str) -> None:
    with MockBSCServer(Settings(clock="manual", sims=12)) as server:
        emulator = server.emulator
        iccid = next(s.iccid for s in emulator.sims.all() if s.org_id == DEMO_ORG
                     and not s.device.attached and s.status.value == "Enabled")
        with httpx.Client(base_url=server.url + API) as api:
            token = api.post("/oauth/token", auth=DEMO,
                             data={"grant_type": "client_credentials"}).json()["access_token"]
            sent = api.post(f"/v1/sims/{iccid}/sms", json={"payload": "wake up"},
                            headers={"Authorization": f"Bearer {token}"})
            assert sent.status_code == 201

        with Chromium(server.url + "/_mockbsc/console", binary) as browser:
            browser.wait_for("document.querySelector('#fleet')")
            assert browser.evaluate("document.querySelectorAll('#fleet tr.sim').length") == 12
            assert browser.evaluate("document.querySelectorAll('#fleet meter').length") == 24

            browser.evaluate(f"location.href = '/_mockbsc/console/sims/{iccid}'")
            browser.wait_for("document.querySelector('#usage-chart canvas')")  # uPlot drew
            quotas = browser.evaluate("document.querySelector('#quotas').innerText")
            assert "Data (MB)" in quotas
            assert "SMS" in quotas
            assert "threshold 20 %" in quotas
            assert browser.evaluate("document.querySelectorAll('#events tr.event').length") > 0
            sms = "document.querySelector('#sms').innerText"
            assert "BUFFERED" in browser.evaluate(sms)

            browser.evaluate("document.querySelector('#attach').click()")
            browser.wait_for("document.querySelector('#flash').innerText.includes('Attached')")
            browser.wait_for("document.querySelector('#attach-state').innerText !== 'offline'")
            # The attach's answer makes both the page and the clock bar reload; a click on the
            # clock bar's button while htmx swaps it in is lost with the old button.
            browser.wait_for(HTMX_IDLE)
            clock = "document.querySelector('#clock-now').innerText"
            before = browser.evaluate(clock)
            browser.evaluate("document.querySelector('button.advance[data-seconds=\"3600\"]')"
                             ".click()")
            browser.wait_for("document.querySelector('#flash').innerText.includes('Clock now')")
            browser.wait_for(f"{sms}.includes('DELIVERED')")
            browser.wait_for(f"{clock} !== {json.dumps(before)}")  # the bar shows the new time
            assert "BUFFERED" not in browser.evaluate(sms)
