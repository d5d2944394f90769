"""A grant's money: tranches, reports with receipts, moves between budget lines, refunds."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alumni_app.db import UTCDateTime, utcnow
from alumni_app.extensions import db
from alumni_app.grants.models import AMOUNT, BudgetLine
from alumni_app.storage import StoredFile


class TrancheState(enum.StrEnum):
    PLANNED = "planned"
    RELEASED = "released"


class ReportKind(enum.StrEnum):
    INTERIM = "interim"  # after a tranche that is not the last: releases the next one
    FINAL = "final"


class ReportState(enum.StrEnum):
    DUE = "due"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # sent back with a message; the grantee corrects and resubmits
    ACCEPTED = "accepted"


class MoveState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


TRANCHE_STATES = tuple(s.value for s in TrancheState)
REPORT_KINDS = tuple(k.value for k in ReportKind)
REPORT_STATES = tuple(s.value for s in ReportState)
MOVE_STATES = tuple(s.value for s in MoveState)
OPEN_REPORT_STATES = (ReportState.DUE.value, ReportState.RETURNED.value)



class Tranche(db.Model):
    """One payment of a grant: planned at approval, released by a manager."""

    __tablename__ = "grant_tranches"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "number"),
        sa.CheckConstraint(f"state IN {TRANCHE_STATES!r}", name="state_valid"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("(state = 'released') = (released_at IS NOT NULL)",
                           name="released_iff_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_applications.id"),
                                                index=True)
    number: Mapped[int] = mapped_column()
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    planned_on: Mapped[date] = mapped_column(sa.Date())
    state: Mapped[str] = mapped_column(sa.String(10), default=TrancheState.PLANNED.value)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reference: Mapped[str] = mapped_column(sa.String(100), default="")  # payment order number


class GrantReport(db.Model):
    """An interim or final report: what was done, people reached, receipts; due on a date."""

    __tablename__ = "grant_reports"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {REPORT_KINDS!r}", name="kind_valid"),
        sa.CheckConstraint(f"state IN {REPORT_STATES!r}", name="state_valid"),
        sa.CheckConstraint("women IS NULL OR women >= 0", name="women_not_negative"),
        sa.CheckConstraint("men IS NULL OR men >= 0", name="men_not_negative"),
        sa.CheckConstraint("people_reached IS NULL OR "
                           "coalesce(women, 0) + coalesce(men, 0) <= people_reached",
                           name="women_men_within_total"),
        sa.UniqueConstraint("application_id", "tranche_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_applications.id"),
                                                index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    # The tranche this report accounts for (the final report: the last tranche).
    tranche_number: Mapped[int] = mapped_column()
    due_on: Mapped[date] = mapped_column(sa.Date(), index=True)
    state: Mapped[str] = mapped_column(sa.String(10), default=ReportState.DUE.value, index=True)
    narrative: Mapped[str] = mapped_column(sa.Text, default="")
    people_reached: Mapped[int | None] = mapped_column()
    women: Mapped[int | None] = mapped_column()
    men: Mapped[int | None] = mapped_column()
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    review_message: Mapped[str] = mapped_column(sa.Text, default="")

    receipts: Mapped[list[Receipt]] = relationship(
        back_populates="report", order_by="Receipt.id", lazy="selectin")
    evidence: Mapped[list[StoredFile]] = relationship(
        secondary="grant_report_files", order_by="StoredFile.id", lazy="selectin")


report_files = sa.Table(
    "grant_report_files",
    db.metadata,
    sa.Column("report_id", sa.ForeignKey("grant_reports.id"), primary_key=True),
    sa.Column("file_id", sa.ForeignKey("stored_files.id"), primary_key=True, unique=True),
)


class Receipt(db.Model):
    """Money spent, matched to a budget line, with the scanned receipt."""

    __tablename__ = "grant_receipts"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_reports.id"), index=True)
    budget_line_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_budget_lines.id"),
                                                index=True)
    paid_on: Mapped[date] = mapped_column(sa.Date())
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    description: Mapped[str] = mapped_column(sa.String(300))
    file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))

    report: Mapped[GrantReport] = relationship(back_populates="receipts")
    budget_line: Mapped[BudgetLine] = relationship(lazy="joined")
    file: Mapped[StoredFile | None] = relationship()


class Reallocation(db.Model):
    """Money moved between two budget lines of a grant; large moves need a manager."""

    __tablename__ = "grant_reallocations"
    __table_args__ = (
        sa.CheckConstraint(f"state IN {MOVE_STATES!r}", name="state_valid"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("from_line_id <> to_line_id", name="different_lines"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_applications.id"),
                                                index=True)
    from_line_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_budget_lines.id"))
    to_line_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_budget_lines.id"))
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    state: Mapped[str] = mapped_column(sa.String(10), default=MoveState.PENDING.value)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    from_line: Mapped[BudgetLine] = relationship(foreign_keys=[from_line_id], lazy="joined")
    to_line: Mapped[BudgetLine] = relationship(foreign_keys=[to_line_id], lazy="joined")


class Refund(db.Model):
    """Unspent money the grantee returned."""

    __tablename__ = "grant_refunds"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_applications.id"),
                                                index=True)
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    returned_on: Mapped[date] = mapped_column(sa.Date())
    reference: Mapped[str] = mapped_column(sa.String(100), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The refund form's one-time token: the same form posted twice (a double click) records
    # one refund, even when both posts arrive at once.
    form_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)


class GrantReminder(db.Model):
    """A reminder about a report, sent once: the key makes a re-run skip what was sent."""

    __tablename__ = "grant_reminders"
    __table_args__ = (sa.UniqueConstraint("report_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_reports.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # "before", "after"
    sent_on: Mapped[date] = mapped_column(sa.Date())
    email_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbound_emails.id"))


def awaited_reports():
    """The SQL condition: a report is awaited once the tranche it accounts for was paid."""
    return sa.exists().where(Tranche.application_id == GrantReport.application_id,
                             Tranche.number == GrantReport.tranche_number,
                             Tranche.state == TrancheState.RELEASED.value)
