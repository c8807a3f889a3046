"""OAuth tokens: issued for API users, expiring on the emulator clock, scoped to one org.

The BSC generation of the platform hands a user the same token again while it is valid, with
`expires_in` counting down (3599, then 3560, …); `reuse=False` gives the newer behaviour of a
fresh token per request.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Callable
from datetime import timedelta

from mockbsc.domain.access.models import Token, User
from mockbsc.domain.clock import Clock
from mockbsc.domain.errors import (
    ApiAccessDeniedError,
    BadCredentialsError,
    UnauthorizedError,
)


def random_token() -> str:
    """An unguessable UUID-shaped token (122 random bits), as the BSC guide shows."""
    return str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))


class TokenStore:
    def __init__(
        self,
        clock: Clock,
        ttl_seconds: int,
        reuse: bool = True,
        make_token: Callable[[], str] = random_token,
    ) -> None:
        self._clock = clock
        self.ttl_seconds = ttl_seconds
        self.reuse = reuse
        self._make_token = make_token
        self._users: dict[str, User] = {}
        self._tokens: dict[str, Token] = {}
        self._current: dict[str, Token] = {}

    @property
    def users(self) -> list[User]:
        return list(self._users.values())

    def add_user(self, user: User) -> None:
        self._users[user.username] = user

    def clear_tokens(self) -> None:
        self._tokens.clear()
        self._current.clear()

    def authenticate(self, username: str, password: str) -> User:
        """The user whose password matches, compared in constant time.

        Raises:
            BadCredentialsError: unknown user or wrong password (one message for both, so the
                endpoint does not tell which user names exist).
            ApiAccessDeniedError: the user lacks the API-access role.
        """
        user = self._users.get(username)
        expected = user.password if user is not None else secrets.token_hex(16)
        if not hmac.compare_digest(expected.encode(), password.encode()) or user is None:
            raise BadCredentialsError("Incorrect username or password.")
        if not user.api_access:
            raise ApiAccessDeniedError(
                "API access is only possible for users with the role 'API-Access'."
            )
        return user

    def issue(self, user: User) -> Token:
        now = self._clock.now()
        current = self._current.get(user.username)
        if self.reuse and current is not None and current.expires_at > now:
            return current
        token = Token(self._make_token(), user, now, now + timedelta(seconds=self.ttl_seconds))
        self._tokens[token.value] = token
        self._current[user.username] = token
        self._purge_expired()
        return token

    def expires_in(self, token: Token) -> int:
        return max(0, int((token.expires_at - self._clock.now()).total_seconds()))

    def verify(self, value: str) -> Token:
        """The live token behind a bearer value.

        Raises:
            UnauthorizedError: unknown or expired, with the platform's kind of message.
        """
        token = self._tokens.get(value)
        if token is None:
            raise UnauthorizedError("The token is invalid: unknown token")
        if token.expires_at <= self._clock.now():
            raise UnauthorizedError("The token is invalid: token expired")
        return token

    def _purge_expired(self) -> None:
        """Drop expired tokens now and then so a long-running mock does not grow forever."""
        if len(self._tokens) < 1024:
            return
        now = self._clock.now()
        for value in [v for v, t in self._tokens.items() if t.expires_at <= now]:
            del self._tokens[value]
