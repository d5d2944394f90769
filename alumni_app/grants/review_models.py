"""Reviews of grant applications: assignments, conflicts, scores per criterion, comments."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alumni_app.accounts.models import User
from alumni_app.db import UTCDateTime, utcnow
from alumni_app.extensions import db
from alumni_app.grants.models import GrantApplication


class ReviewState(enum.StrEnum):
    ASSIGNED = "assigned"
    CONFLICT = "conflict"  # the reviewer declared a conflict of interest: they cannot score
    SUBMITTED = "submitted"


class Recommendation(enum.StrEnum):
    FUND = "fund"
    FUND_WITH_CHANGES = "fund_with_changes"
    DO_NOT_FUND = "do_not_fund"


REVIEW_STATES = tuple(s.value for s in ReviewState)
RECOMMENDATIONS = tuple(r.value for r in Recommendation)


class Review(db.Model):
    """One reviewer's assignment to one application and, once submitted, their verdict."""

    __tablename__ = "grant_reviews"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "reviewer_id"),
        sa.CheckConstraint(f"state IN {REVIEW_STATES!r}", name="state_valid"),
        sa.CheckConstraint(
            f"recommendation IS NULL OR recommendation IN {RECOMMENDATIONS!r}",
            name="recommendation_valid"),
        # Submitted exactly when it has a time and a recommendation.
        sa.CheckConstraint(
            "(state = 'submitted') = (submitted_at IS NOT NULL AND recommendation IS NOT NULL)",
            name="submitted_iff_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_applications.id"),
                                                index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    state: Mapped[str] = mapped_column(sa.String(10), default=ReviewState.ASSIGNED.value)
    conflict_note: Mapped[str] = mapped_column(sa.String(1000), default="")
    recommendation: Mapped[str | None] = mapped_column(sa.String(20))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    weighted_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))  # 0..100
    # The application's version (ApplicationVersion.number) the review scored: a revision
    # makes it a review of an earlier version, which a decision must knowingly rely on.
    version_number: Mapped[int | None] = mapped_column()

    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id], lazy="joined")
    application: Mapped[GrantApplication] = relationship(lazy="select")
    scores: Mapped[list[Score]] = relationship(lazy="selectin", order_by="Score.criterion_id")


class Score(db.Model):
    """A reviewer's score and comment on one criterion."""

    __tablename__ = "grant_scores"
    __table_args__ = (sa.CheckConstraint("score >= 1", name="score_positive"),)

    review_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_reviews.id"), primary_key=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_criteria.id"),
                                              primary_key=True, index=True)
    score: Mapped[int] = mapped_column()
    comment: Mapped[str] = mapped_column(sa.Text, default="")


class GrantComment(db.Model):
    """A note on an application: internal to staff, or shared with the applicant."""

    __tablename__ = "grant_comments"
    __table_args__ = (sa.Index("ix_grant_comments_application_time", "application_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_applications.id"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    body: Mapped[str] = mapped_column(sa.Text)
    is_shared: Mapped[bool] = mapped_column(default=False)

    author: Mapped[User | None] = relationship(lazy="joined")
