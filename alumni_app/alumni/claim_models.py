"""Claim requests, claim invitations and erasure requests."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alumni_app.accounts.models import User
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.db import TimestampMixin, UTCDateTime, utcnow
from alumni_app.extensions import db
from alumni_app.offices.models import Office


class ClaimState(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # moot: linked by an invitation meanwhile, or the person was erased


class ErasureState(enum.StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"


CLAIM_STATES = tuple(s.value for s in ClaimState)
ERASURE_STATES = tuple(s.value for s in ErasureState)


class ClaimRequest(TimestampMixin, db.Model):
    """A registered alumnus asks their office to match them to their record."""

    __tablename__ = "claim_requests"
    __table_args__ = (
        sa.CheckConstraint(f"state IN {CLAIM_STATES!r}", name="state_valid"),
        sa.CheckConstraint("(state = 'confirmed') = (record_id IS NOT NULL)",
                           name="record_iff_confirmed"),
        sa.CheckConstraint("(state = 'pending') = (decided_at IS NULL)", name="decided_iff_closed"),
        # One open request per user, kept by a plain unique column (NULL once decided).
        sa.CheckConstraint("(state = 'pending') = (open_user_id IS NOT NULL)",
                           name="open_iff_pending"),
        sa.CheckConstraint("open_user_id IS NULL OR open_user_id = user_id", name="open_is_user"),
        sa.CheckConstraint("birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100",
                           name="birth_year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    open_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"), index=True)
    given_name: Mapped[str] = mapped_column(sa.String(100), default="")
    family_name: Mapped[str] = mapped_column(sa.String(100), default="")
    birth_year: Mapped[int | None] = mapped_column()
    course: Mapped[str] = mapped_column(sa.String(300), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[str] = mapped_column(sa.String(12), default=ClaimState.PENDING.value, index=True)
    record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alumni_records.id"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(sa.String(500), default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    office: Mapped[Office] = relationship(lazy="joined")
    record: Mapped[AlumnusRecord | None] = relationship()


class ClaimInvitation(db.Model):
    """A single-use link, sent by staff to a record's e-mail, that lets its owner claim it."""

    __tablename__ = "claim_invitations"
    __table_args__ = (
        sa.CheckConstraint("used_by_id IS NULL OR used_at IS NOT NULL", name="used_by_when_used"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("alumni_records.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    record: Mapped[AlumnusRecord] = relationship()


class ErasureRequest(TimestampMixin, db.Model):
    """An alumnus asks to be erased; staff of the record's office anonymise them."""

    __tablename__ = "erasure_requests"
    __table_args__ = (
        sa.CheckConstraint(f"state IN {ERASURE_STATES!r}", name="state_valid"),
        sa.CheckConstraint("(state = 'completed') = (completed_at IS NOT NULL)",
                           name="completed_iff_done"),
        sa.CheckConstraint("(state = 'pending') = (open_user_id IS NOT NULL)",
                           name="open_iff_pending"),
        sa.CheckConstraint("open_user_id IS NULL OR open_user_id = user_id", name="open_is_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    open_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alumni_records.id"))
    # Staff of this office act on it; without a record (account only) only administrators do.
    office_id: Mapped[int | None] = mapped_column(sa.ForeignKey("offices.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(12), default=ErasureState.PENDING.value,
                                       index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    record: Mapped[AlumnusRecord | None] = relationship()
