"""A headless Chromium driven over the DevTools protocol: just enough to use a web page.

No Selenium or Playwright: Debian's `chromium` plus the `websockets` client that uvicorn's
standard extra already brings. The browser gets a fresh profile and picks its own debugging
port (written to `DevToolsActivePort` in the profile), so parallel runs cannot collide.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from websockets.sync.client import ClientConnection, connect

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage", "--remote-debugging-port=0", "--window-size=1280,2000"]


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(AssertionError):
    pass


class Chromium:
    """One headless browser showing one page at `url`; `evaluate()` runs JavaScript in it."""

    def __init__(self, url: str, binary: str) -> None:
        self.url = url
        self.binary = binary
        self._profile = tempfile.TemporaryDirectory(prefix="mockbsc-chromium-",
                                                    ignore_cleanup_errors=True)
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: ClientConnection | None = None
        self._ids = itertools.count(1)
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Chromium:
        profile = self._profile.name
        self._process = subprocess.Popen(
            [self.binary, *FLAGS, f"--user-data-dir={profile}", self.url],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)  # its own group: helpers (renderer, crashpad) end with it
        port_file = Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise BrowserError("chromium did not open its DevTools port")
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        page = self._page_target(port, deadline)
        self._socket = self._stack.enter_context(connect(page, max_size=None, open_timeout=10))
        return self

    def _page_target(self, port: str, deadline: float) -> str:
        while True:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                targets = json.load(r)
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return str(pages[0]["webSocketDebuggerUrl"])
            if time.monotonic() > deadline:
                raise BrowserError("chromium shows no page")
            time.sleep(0.05)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stack.close()
        if self._process is not None:
            self._signal(signal.SIGTERM)
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self._process.wait(10)
        self._profile.cleanup()

    def _signal(self, number: int) -> None:
        """Signal the browser's own process group (the session it was started in)."""
        assert self._process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, number)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        assert self._socket is not None
        number = next(self._ids)
        self._socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=30))
            if message.get("id") == number:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (promises are awaited)."""
        wrapped = f"(() => {{ const v = ({expression}); return v instanceof Node ? true : v; }})()"
        result = self.send("Runtime.evaluate", expression=wrapped, awaitPromise=True,
                           returnByValue=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:80]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20.0) -> Any:
        """Poll until the expression is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while not (value := self._evaluate_settled(expression)):
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for: {expression}")
            time.sleep(0.1)
        return value

    def _evaluate_settled(self, expression: str) -> Any:
        """`evaluate`, or None while the page is between two documents (just after a reload
        the old one is gone: Chromium answers "Inspected target navigated or closed")."""
        try:
            return self.evaluate(expression)
        except BrowserError as exc:
            if "navigated or closed" in str(exc) or "Cannot find context" in str(exc):
                return None
            raise
