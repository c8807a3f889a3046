"""mockbsc: a stateful, contract-driven mock of the Telekom Business Smart Connect API.

Every public name is imported on first use: pytest loads the plugin (and so this package) in
every run of an environment that has mockbsc installed, so `import mockbsc` must cost nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from mockbsc.config import Settings
    from mockbsc.domain.clock import ManualClock, SystemClock
    from mockbsc.domain.platform import Emulator
    from mockbsc.testing.receiver import WebhookReceiver
    from mockbsc.testing.server import MockBSCServer

__all__ = ["Emulator", "ManualClock", "MockBSCServer", "Settings", "SystemClock",
           "WebhookReceiver", "__version__", "create_app"]

_LAZY = {
    "Emulator": "mockbsc.domain.platform",
    "ManualClock": "mockbsc.domain.clock",
    "MockBSCServer": "mockbsc.testing.server",
    "Settings": "mockbsc.config",
    "SystemClock": "mockbsc.domain.clock",
    "WebhookReceiver": "mockbsc.testing.receiver",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'mockbsc' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def create_app(emulator: Emulator | None = None) -> Starlette:
    """Build the ASGI app (imported lazily so `import mockbsc` stays cheap)."""
    from mockbsc.api.app import create_app as _create_app

    return _create_app(emulator)
