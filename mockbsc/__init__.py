"""mockbsc: a stateful, contract-driven mock of the Telekom Business Smart Connect API."""

from __future__ import annotations

__version__ = "0.1.0"

from mockbsc.config import Settings
from mockbsc.domain.clock import ManualClock, SystemClock
from mockbsc.domain.emulator import Emulator

__all__ = ["Emulator", "ManualClock", "Settings", "SystemClock", "__version__", "create_app"]


def create_app(emulator: Emulator | None = None):  # type: ignore[no-untyped-def]
    """Build the ASGI app (imported lazily so `import mockbsc` stays cheap)."""
    from mockbsc.api.app import create_app as _create_app

    return _create_app(emulator)
