"""Accounts, their server-side sessions, e-mailed tokens and recovery codes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from alumni_app.db import TimestampMixin, UTCDateTime, utcnow
from alumni_app.extensions import db
from alumni_app.offices.models import Office
from alumni_app.permissions import STAFF_ROLES, Role

ROLE_VALUES = tuple(r.value for r in Role)


class User(TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # Staff belong to an office; administrators may, alumni do not.
        sa.CheckConstraint(
            "role IN ('alumnus', 'admin') OR office_id IS NOT NULL", name="staff_have_office"
        ),
        sa.CheckConstraint("role <> 'alumnus' OR office_id IS NULL", name="alumni_have_no_office"),
        sa.CheckConstraint(f"role IN {ROLE_VALUES!r}", name="role_valid"),
        sa.CheckConstraint("preferred_language IN ('en', 'ru')", name="language_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16), default=Role.ALUMNUS.value)
    office_id: Mapped[int | None] = mapped_column(sa.ForeignKey("offices.id"), index=True)
    preferred_language: Mapped[str] = mapped_column(sa.String(5), default="en")
    is_active: Mapped[bool] = mapped_column(default=True)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_counter: Mapped[int | None] = mapped_column(sa.BigInteger())

    office: Mapped[Office | None] = relationship(lazy="joined")

    # The server-side session this user object was loaded through (set by the auth package).
    session_token = None

    @validates("email")
    def _normalise_email(self, _key, value: str) -> str:
        return value.strip().lower()

    @property
    def is_staff(self) -> bool:
        return Role(self.role) in STAFF_ROLES

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def is_invited_pending(self) -> bool:
        return self.password_hash is None and self.is_active

    # Flask-Login protocol. get_id() returns the session token, so a revoked session loads nobody.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserSession(db.Model):
    """A login: the cookie holds a random token; its hash is stored here and checked per request."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    idle_seconds: Mapped[int] = mapped_column()
    is_remembered: Mapped[bool] = mapped_column(default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))

    user: Mapped[User] = relationship()


class UserToken(db.Model):
    """A single-use, expiring token sent by e-mail (reset, verification, invitation, new e-mail)."""

    __tablename__ = "user_tokens"
    __table_args__ = (
        sa.CheckConstraint(
            "purpose IN ('reset', 'verify', 'invite', 'email_change')", name="purpose_valid"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    new_email: Mapped[str | None] = mapped_column(sa.String(254))

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A one-time second-factor code kept hashed."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
