"""The `mockbsc` fixture's emulator: the domain's `Emulator` plus the verification helpers a
test reaches for (`assert_called`, `requests`), as respx's routes and WireMock's `verify`
offer them. They read the request journal (`mockbsc.domain.journal`); the domain class stays
free of test-only methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockbsc.domain.journal import JournalEntry
from mockbsc.domain.platform import Emulator


class VerifyingEmulator(Emulator):
    """An `Emulator` that can say what the code under test sent it."""

    def assert_called(self, operation: str, times: int | None = None, json: Any = None,
                      params: Mapping[str, str] | None = None) -> list[JournalEntry]:
        """Assert the code under test called `operation` (`times` times, if given; with this
        JSON body and these query parameters, if given) and return the matching calls.

        Raises:
            AssertionError: the calls do not match; the message lists the calls made.
            LookupError: `operation` is no operationId of the BSC API (close matches named).
        """
        return self.journal.assert_called(operation, times, json, params)

    def requests(self, operation: str | None = None) -> list[dict[str, Any]]:
        """The calls received, oldest first, as `GET /_mockbsc/requests` lists them."""
        return [entry.to_dict() for entry in self.journal.entries(operation)]
