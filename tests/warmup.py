"""Load, before pytester's in-process runs, the modules a live HTTP round trip imports lazily.

An in-process `pytester.runpytest()` removes afterwards every module first imported during
the inner run. httpx/httpcore import their transports lazily, and a re-imported copy raises
exception classes the outer modules no longer recognise (`httpcore.ConnectError` escaping
instead of `httpx.ConnectError`); PyYAML's C loader breaks the same way, and so may aiohttp,
which the webhook sender imports at its first call. One real round trip of each here makes
those imports happen in the outer process, where they stay.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import httpx

from mockbsc.adapters.webhook_sender import HttpSender
from mockbsc.config import Settings
from mockbsc.domain.sms.outbox import Outgoing
from mockbsc.testing.receiver import WebhookReceiver
from mockbsc.testing.server import MockBSCServer


def warm_up() -> None:
    with MockBSCServer(Settings(clock="manual")) as server, WebhookReceiver() as receiver:
        httpx.get(server.url + "/health")
        httpx.post(receiver.url, json={})
        sent = Outgoing(1, "POST", receiver.url, None, datetime.now(UTC))  # type: ignore[arg-type]
        HttpSender(lambda _: b"{}").send([sent])
    with contextlib.suppress(httpx.ConnectError):  # the failure path imports modules too
        httpx.get(server.url + "/health")
