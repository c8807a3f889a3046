"""Tokens restored from the change log: a token's user and a user's current token are the
very objects of their stores again (the state export shares them, as before the restart),
and a current token already purged from the token store is kept."""

from __future__ import annotations

import pytest

from mockbsc.domain.errors import UnauthorizedError
from mockbsc.domain.platform import Emulator
from mockbsc.domain.state.changes import ChangeTracker, Entry, fold
from mockbsc.domain.state.restore import restore
from mockbsc.domain.state.snapshot import export_state
from tests.domain.state.test_durability_changes import plain, through_json, twin


def _log(emulator: Emulator, tracker: ChangeTracker, first: list[Entry]) -> list[Entry]:
    return through_json([*first, *tracker.collect()])


def _issue(emulator: Emulator, username: str, password: str) -> str:
    return emulator.tokens.issue(emulator.tokens.authenticate(username, password)).value


@pytest.mark.mockbsc(token_ttl=30 * 24 * 3600)
def test_the_export_after_a_restart_shares_users_and_tokens_as_before(
        emulator: Emulator) -> None:
    tracker = ChangeTracker(emulator)
    first = tracker.collect()
    _issue(emulator, "demo", "demo-password")
    _issue(emulator, "energie", "energie-password")
    other = twin(emulator)
    restore(other, fold(_log(emulator, tracker, first)))
    assert export_state(other)["stores"]["tokens"] == export_state(emulator)["stores"]["tokens"]


@pytest.mark.mockbsc(token_ttl=60, token_reuse=False)
def test_a_current_token_purged_from_the_store_is_kept_by_a_restart(
        emulator: Emulator) -> None:
    """The store drops expired tokens once it holds 1,024; a user's current token may be
    one of them, and is still that user's current token after a restart."""
    tracker = ChangeTracker(emulator)
    first = tracker.collect()
    demo = _issue(emulator, "demo", "demo-password")
    emulator.clock.advance(61)
    energie = emulator.tokens.authenticate("energie", "energie-password")
    for _ in range(1024):
        emulator.tokens.issue(energie)
    with pytest.raises(UnauthorizedError) as caught:
        emulator.tokens.verify(demo)
    assert caught.value.message == "The token is invalid: unknown token"  # purged
    other = twin(emulator)
    restore(other, fold(_log(emulator, tracker, first)))
    assert plain(export_state(other))["stores"]["tokens"] == \
        plain(export_state(emulator))["stores"]["tokens"]
