"""Browsers an account has logged in from: exempt from its address's login back-off.

Many people share one address (an office behind NAT, a seminar room): if failed logins from the
address shut it for everyone, one person could lock the whole office out. But a correct password
cannot simply be let through from an address in back-off, or guessing one common password
against many accounts would go on unhindered. So an address in back-off refuses only browsers
that never completed a login to the account tried. A browser that did carries a signed cookie
naming the account, bound to its current password (a new password voids it); the account's own
limit applies to it as to everyone.
"""

from __future__ import annotations

import hashlib

from flask import after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "alumni_known"
MAX_ACCOUNTS = 10  # a shared office computer; the oldest account drops out first


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="known-browser")


def _max_age() -> int:
    return current_app.config["LOGIN_KNOWN_BROWSER_DAYS"] * 86400


def _mark(user) -> str:
    """The account and its current password hash, hashed: a new password voids the mark."""
    return hashlib.sha256(f"{user.id}:{user.password_hash}".encode()).hexdigest()[:24]


def _marks() -> list[str]:
    value = request.cookies.get(COOKIE)
    if not value:
        return []
    try:
        marks = _serializer().loads(value, max_age=_max_age())
    except BadSignature:
        return []
    return [m for m in marks if isinstance(m, str)] if isinstance(marks, list) else []


def knows(user) -> bool:
    """Whether this browser completed a login to `user`'s account with its current password."""
    return user is not None and user.password_hash is not None and _mark(user) in _marks()


def remember(user) -> None:
    """Mark this browser as one `user` logged in from (the cookie is set on the response)."""
    mark = _mark(user)
    marks = [mark, *(m for m in _marks() if m != mark)][:MAX_ACCOUNTS]
    value = _serializer().dumps(marks)
    config = current_app.config

    @after_this_request
    def _set_cookie(response):
        response.set_cookie(COOKIE, value, max_age=_max_age(), path="/login", httponly=True,
                            secure=config["SESSION_COOKIE_SECURE"], samesite="Lax")
        return response
