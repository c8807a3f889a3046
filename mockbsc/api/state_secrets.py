"""Users' passwords in a state document: left out of `GET /_mockbsc/state` unless
`?secrets=true` asks for them (a page that got hold of the state must not get every login,
issue 12); a document without them loads, and its users keep the passwords the running mock
has for them (an unknown user gets an unguessable one).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from mockbsc.domain.access.models import User


def strip_passwords(document: Any) -> None:
    for user in _users(document):
        user["f"].pop("password", None)


def fill_passwords(document: Any, known: Iterable[User]) -> None:
    passwords = {u.username: u.password for u in known}
    for user in _users(document):
        fields = user["f"]
        if "password" not in fields:
            name = fields.get("username")
            fields["password"] = passwords.get(name) if isinstance(name, str) \
                and name in passwords else secrets.token_urlsafe(24)


def _users(document: Any) -> list[dict[str, Any]]:
    """Every encoded `User` object in a state document (walked without recursion)."""
    found, stack = [], [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if str(node.get("$obj", "")).endswith(":User") and isinstance(node.get("f"), dict):
                found.append(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found
