"""Domain errors: each carries the HTTP status and code it maps to, so handlers stay thin.

Only `mockbsc.api.errors` turns them into wire bodies; the domain never builds JSON.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """Base of every expected failure; `status` and `code` decide the response."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "BadRequest"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequestError(DomainError):
    """The request is well-formed JSON but breaks a platform rule (length, product, quantity)."""


class UnauthorizedError(DomainError):
    status = 401
    code = "Unauthorized"


class ForbiddenError(DomainError):
    """The object exists but belongs to another organisation ("SIM does not belong to user.")."""

    status = 403
    code = "Forbidden"


class NotFoundError(DomainError):
    status = 404
    code = "NotFound"


class ConflictError(DomainError):
    """The object is in a state that forbids the action (cancel a delivered SMS, attach a
    disabled SIM)."""

    status = 409
    code = "Conflict"


class ExpiredSimError(DomainError):
    """S1's 422 on the SIM operations: the SIM's lifetime ended; only an extension helps."""

    status = 422
    code = "UnprocessableEntity"


class ClockError(ConflictError):
    """Time may only move forward: queued jobs must never run twice or out of order."""


class AuthError(DomainError):
    """Token endpoint failures use their own envelope ({statusCode, errorCode, message})."""

    status = 400
    code = "BadCredentials"


class BadCredentialsError(AuthError):
    code = "BadCredentials"


class AuthValidationError(AuthError):
    code = "AuthValidationError"


class BodyValidationError(AuthError):
    code = "BodyValidationError"


class UnsupportedContentTypeError(AuthError):
    code = "UnsupportedContentTypeError"


class ApiAccessDeniedError(AuthError):
    status = 403
    code = "ApiAccessDenied"
