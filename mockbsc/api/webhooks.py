"""The SMS forwarder's messages on the wire, and the real sender every served emulator gets."""

from __future__ import annotations

from mockbsc.adapters.webhook_sender import HttpSender
from mockbsc.api.responses import encode
from mockbsc.api.serialize import webhook_body
from mockbsc.config import settings_of
from mockbsc.domain.platform import Emulator
from mockbsc.domain.sms.outbox import Outgoing


def render(sent: Outgoing) -> bytes:
    """The exact bytes of a delivery's body: the same for every retry."""
    return encode(webhook_body(sent.message))


def ensure_sender(emulator: Emulator) -> Emulator:
    """Give an emulator served over HTTP the real sender (a bare emulator has none, and the
    live server may swap in a fresh one at any time)."""
    if emulator.sender is None:
        emulator.sender = HttpSender.from_settings(settings_of(emulator), render)
    return emulator
