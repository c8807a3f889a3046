"""Make the console screenshots the README shows: `python docs/make_screenshot.py`.

Starts mockbsc on a seeded fleet (manual clock, seed 1, 12 SIMs in the demo organisation),
gives one SIM a little life through the public APIs (an SMS waiting for it, attach, some
data, an MO SMS), and lets headless Chromium (`--screenshot`) photograph the fleet and that
SIM's page into `docs/console-fleet.png` and `docs/console-sim.png`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from mockbsc.config import Settings
from mockbsc.testing.server import MockBSCServer

DOCS = Path(__file__).parent
CONSOLE = "/_mockbsc/console"


def shoot(binary: str, url: str, target: Path, height: int) -> None:
    with tempfile.TemporaryDirectory(prefix="mockbsc-shot-") as profile:
        subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", f"--user-data-dir={profile}",
                        "--virtual-time-budget=3000", f"--window-size=1280,{height}",
                        f"--screenshot={target}", url],
                       check=True, timeout=120, capture_output=True)
    print(f"wrote {target}")


def main() -> int:
    binary = next((found for name in ("chromium", "chromium-browser", "google-chrome")
                   if (found := shutil.which(name))), None)
    if binary is None:
        print("chromium is not installed (apt-get install -y chromium)", file=sys.stderr)
        return 1
    with MockBSCServer(Settings(clock="manual", sims=12, seed=1)) as server:
        emulator = server.emulator
        iccid = next(s.iccid for s in emulator.sims.all()
                     if s.org_id == emulator.scenario.default_org_id and not s.device.attached
                     and s.status.value == "Enabled")
        with httpx.Client(base_url=server.url) as client:
            token = client.post("/management-api/oauth/token", auth=("demo", "demo-password"),
                                data={"grant_type": "client_credentials"}).json()
            bearer = {"Authorization": f"Bearer {token['access_token']}"}
            client.post(f"/management-api/v1/sims/{iccid}/sms", headers=bearer,
                        json={"payload": "Firmware update ready"}).raise_for_status()
            client.post(f"/management-api/v1/sims/{iccid}/sms", headers=bearer,
                        json={"payload": "Report your position"}).raise_for_status()
            client.post(f"/_mockbsc/sims/{iccid}/attach", json={}).raise_for_status()
            client.post("/_mockbsc/clock/advance", json={"seconds": 60}).raise_for_status()
            client.post(f"/_mockbsc/sims/{iccid}/consume", json={"data_mb": 150}
                        ).raise_for_status()
            client.post(f"/_mockbsc/sims/{iccid}/mo-sms", json={"payload": "position 52.5N 13.4E"}
                        ).raise_for_status()
            client.get("/management-api/v1/sims", headers=bearer).raise_for_status()
        shoot(binary, server.url + CONSOLE, DOCS / "console-fleet.png", 900)
        shoot(binary, f"{server.url}{CONSOLE}/sims/{iccid}", DOCS / "console-sim.png", 1200)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
