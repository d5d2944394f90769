"""Server-side sessions: the cookie carries a random token; the database decides if it works."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, request

from alumni_app.audit import client_ip
from alumni_app.auth.models import User, UserSession
from alumni_app.db import utcnow
from alumni_app.extensions import db

# Refresh last_seen_at at most this often, so ordinary page views do not write every time.
TOUCH_INTERVAL = timedelta(seconds=60)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(user: User, *, remember: bool = False) -> str:
    """Create a session row for `user` and return the token to put in the cookie."""
    cfg = current_app.config
    now = utcnow()
    if remember:
        lifetime = cfg["REMEMBER_COOKIE_DURATION"]
        idle = min(cfg["REMEMBER_IDLE_TIMEOUT"], lifetime)
    else:
        lifetime, idle = cfg["SESSION_ABSOLUTE_TIMEOUT"], cfg["SESSION_IDLE_TIMEOUT"]
    token = secrets.token_urlsafe(32)
    ua = request.headers.get("User-Agent", "")[:255] if request else None
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=token_hash(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            idle_seconds=int(idle.total_seconds()),
            is_remembered=remember,
            ip_address=client_ip(),
            user_agent=ua,
        )
    )
    user.session_token = token
    return token


# One query per request: the user, and the session's state as plain columns. Built once: the
# statement and its cache key are then reused by every request instead of rebuilt.
_SESSION_USER = (
    sa.select(User, UserSession.id, UserSession.revoked_at, UserSession.expires_at,
              UserSession.last_seen_at, UserSession.idle_seconds)
    .join(UserSession, User.id == UserSession.user_id)
    .where(UserSession.token_hash == sa.bindparam("token_hash"))
)


def load_session_user(token: str | None) -> User | None:
    """Return the user of a live session token, or None when it is unknown, revoked or expired."""
    if not token or len(token) > 100:
        return None
    found = db.session.execute(_SESSION_USER, {"token_hash": token_hash(token)}).first()
    if found is None:
        return None
    user, session_id, revoked_at, expires_at, last_seen_at, idle_seconds = found
    now = utcnow()
    if revoked_at is not None or now >= expires_at:
        return None
    if now - last_seen_at > timedelta(seconds=idle_seconds):
        return None
    if not user.is_active:
        return None
    if now - last_seen_at > TOUCH_INTERVAL:
        db.session.execute(sa.update(UserSession).where(UserSession.id == session_id)
                           .values(last_seen_at=now))
        db.session.commit()
    user.session_token = token
    return user


def end_session(token: str | None) -> None:
    """Revoke one session."""
    if token:
        db.session.execute(
            sa.update(UserSession)
            .where(UserSession.token_hash == token_hash(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def end_all_sessions(user: User) -> int:
    """Revoke every live session of `user`; return how many were live."""
    result = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount


def prune_sessions(days: int = 30) -> int:
    """Delete sessions that expired or were ended more than `days` days ago; return how many."""
    cutoff = utcnow() - timedelta(days=days)
    result = db.session.execute(sa.delete(UserSession).where(
        sa.or_(UserSession.expires_at < cutoff, UserSession.revoked_at < cutoff)))
    return result.rowcount
