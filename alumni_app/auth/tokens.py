"""Single-use, expiring tokens sent by e-mail; only their hashes are stored."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa

from alumni_app.auth.models import User, UserToken
from alumni_app.auth.sessions import token_hash
from alumni_app.db import utcnow
from alumni_app.extensions import db


def issue_token(user: User, purpose: str, lifetime: timedelta, *,
                new_email: str | None = None) -> str:
    """Create a token for `user` (voiding older unused ones of the same purpose); return it."""
    void_tokens(user, purpose)
    token = secrets.token_urlsafe(32)  # 256 bits
    db.session.add(
        UserToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_hash(token),
            expires_at=utcnow() + lifetime,
            new_email=new_email,
        )
    )
    return token


def find_token(token: str, purpose: str) -> UserToken | None:
    """Return the live token row for `token`, or None when unknown, used or expired."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(
        sa.select(UserToken).where(
            UserToken.token_hash == token_hash(token), UserToken.purpose == purpose
        )
    )
    if row is None or row.used_at is not None or utcnow() >= row.expires_at:
        return None
    return row


def consume_token(token: str, purpose: str) -> UserToken | None:
    """Mark a live token used, atomically, so two concurrent posts cannot both use it."""
    row = find_token(token, purpose)
    if row is None:
        return None
    result = db.session.execute(
        sa.update(UserToken)
        .where(UserToken.id == row.id, UserToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    return row if result.rowcount == 1 else None


def void_tokens(user: User, *purposes: str) -> None:
    """Void every unused token of `user` with one of `purposes` (all purposes when none given)."""
    query = sa.update(UserToken).where(UserToken.user_id == user.id, UserToken.used_at.is_(None))
    if purposes:
        query = query.where(UserToken.purpose.in_(purposes))
    db.session.execute(query.values(used_at=utcnow()))
