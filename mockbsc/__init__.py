"""mockbsc: a stateful, contract-driven mock of the Telekom Business Smart Connect API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from mockbsc.config import Settings
from mockbsc.domain.clock import ManualClock, SystemClock
from mockbsc.domain.emulator import Emulator

if TYPE_CHECKING:
    from mockbsc.server import MockBSCServer

__all__ = ["Emulator", "ManualClock", "MockBSCServer", "Settings", "SystemClock", "__version__",
           "create_app"]


def __getattr__(name: str) -> Any:
    """`MockBSCServer` is imported on first use: it pulls in uvicorn when started."""
    if name == "MockBSCServer":
        from mockbsc.server import MockBSCServer

        return MockBSCServer
    raise AttributeError(f"module 'mockbsc' has no attribute {name!r}")


def create_app(emulator: Emulator | None = None):  # type: ignore[no-untyped-def]
    """Build the ASGI app (imported lazily so `import mockbsc` stays cheap)."""
    from mockbsc.api.app import create_app as _create_app

    return _create_app(emulator)
