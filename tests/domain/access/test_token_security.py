"""Tokens are unguessable and credentials are compared in constant time."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from mockbsc.domain.access import tokens
from mockbsc.domain.errors import BadCredentialsError
from mockbsc.domain.platform import Emulator


@pytest.mark.mockbsc(token_reuse=False)
def test_tokens_are_random_uuid4_values_never_repeated(emulator: Emulator) -> None:
    values = [emulator.issue_token("demo", "demo-password")[0].value for _ in range(500)]
    assert len(set(values)) == len(values)
    parsed = [uuid.UUID(v) for v in values]
    assert {u.version for u in parsed} == {4}
    # no shared structure to guess from: the random hex digits take many values
    for position in (0, 5, 10, 15, 20, 25, 31):  # 12 is the version, 16 the variant
        assert len({u.hex[position] for u in parsed}) > 8


def test_passwords_are_compared_in_constant_time(emulator: Emulator,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, Any]] = []
    real = tokens.hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(tokens.hmac, "compare_digest", spy)
    emulator.issue_token("demo", "demo-password")
    with pytest.raises(BadCredentialsError):
        emulator.issue_token("demo", "wrong")
    with pytest.raises(BadCredentialsError):  # an unknown user costs a comparison too
        emulator.issue_token("nobody", "demo-password")
    assert len(calls) == 3
