"""Entities of access: organisations, their API users, and the OAuth tokens issued to them.

Plain slotted dataclasses; wire names and formats live in `mockbsc.api.serialize`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(slots=True)
class Organisation:
    id: int
    name: str
    sms_forward_url: str | None = None
    # 1NCE's self-set monthly limits (ids of `mockbsc.domain.fleet.limits`), None: no limit.
    data_limit_id: int | None = None
    sms_mt_limit_id: int | None = None
    sms_mo_limit_id: int | None = None


@dataclass(slots=True)
class User:
    username: str
    password: str
    org_id: int
    user_id: int
    api_access: bool = True


@dataclass(slots=True)
class Token:
    value: str
    user: User
    issued_at: datetime
    expires_at: datetime
