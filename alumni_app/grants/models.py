"""Mini-Grant Scheme: calls, their criteria, applications, budgets, teams, versions and events.

Money is Numeric(14, 2) in the call's currency. A call's `committed` and `disbursed` sums are
changed only by conditional UPDATEs (see decisions.py, money.py), which hold on SQLite and
PostgreSQL alike; CHECK constraints keep them within the budget whatever the code does.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alumni_app.accounts.models import User
from alumni_app.db import TimestampMixin, UTCDateTime, utcnow
from alumni_app.extensions import db
from alumni_app.offices.models import Office
from alumni_app.storage import StoredFile

AMOUNT = sa.Numeric(14, 2)
RATE = sa.Numeric(18, 6)
ZERO = Decimal("0.00")


class CallState(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"  # closed early by a manager; a published call also closes by its date


class AppState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for eligibility screening
    IN_REVIEW = "in_review"
    REVISION_REQUESTED = "revision_requested"
    APPROVED = "approved"  # a grant: money and reports follow
    REJECTED = "rejected"
    INELIGIBLE = "ineligible"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"  # the grant is finished: final report accepted, money settled


class TeamState(enum.StrEnum):
    INVITED = "invited"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class BudgetCategory(enum.StrEnum):
    PERSONNEL = "personnel"
    TRAVEL = "travel"
    VENUE = "venue"
    EQUIPMENT = "equipment"
    MATERIALS = "materials"
    SERVICES = "services"
    PRINTING = "printing"
    OTHER = "other"


CALL_STATES = tuple(s.value for s in CallState)
APP_STATES = tuple(s.value for s in AppState)
TEAM_STATES = tuple(s.value for s in TeamState)
BUDGET_CATEGORIES = tuple(c.value for c in BudgetCategory)
PROPOSAL_LANGUAGES = ("en", "ru", "tg", "ky", "kk")
EDITABLE_STATES = (AppState.DRAFT.value, AppState.REVISION_REQUESTED.value)


class GrantCall(TimestampMixin, db.Model):
    """A call for proposals an office opens, with its budget, ceiling and rules."""

    __tablename__ = "grant_calls"
    __table_args__ = (
        sa.CheckConstraint(f"state IN {CALL_STATES!r}", name="state_valid"),
        sa.CheckConstraint("closes_at > opens_at", name="dates_ordered"),
        sa.CheckConstraint("total_budget > 0", name="budget_positive"),
        sa.CheckConstraint("ceiling > 0 AND ceiling <= total_budget", name="ceiling_valid"),
        sa.CheckConstraint("committed >= 0 AND committed <= total_budget",
                           name="committed_within_budget"),
        sa.CheckConstraint("disbursed >= 0 AND disbursed <= committed",
                           name="disbursed_within_committed"),
        sa.CheckConstraint("returned >= 0 AND returned <= disbursed", name="returned_valid"),
        sa.CheckConstraint("reviews_required BETWEEN 1 AND 10", name="reviews_required_range"),
        sa.CheckConstraint("min_team_size BETWEEN 1 AND 10", name="team_size_range"),
        sa.CheckConstraint("min_months_since_training >= 0", name="months_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    currency: Mapped[str] = mapped_column(sa.String(3))
    total_budget: Mapped[Decimal] = mapped_column(AMOUNT)
    ceiling: Mapped[Decimal] = mapped_column(AMOUNT)
    committed: Mapped[Decimal] = mapped_column(AMOUNT, default=ZERO)
    disbursed: Mapped[Decimal] = mapped_column(AMOUNT, default=ZERO)
    returned: Mapped[Decimal] = mapped_column(AMOUNT, default=ZERO)
    min_months_since_training: Mapped[int] = mapped_column(default=0)
    min_team_size: Mapped[int] = mapped_column(default=1)
    reviews_required: Mapped[int] = mapped_column(default=2)
    state: Mapped[str] = mapped_column(sa.String(12), default=CallState.DRAFT.value, index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    office: Mapped[Office] = relationship(lazy="joined")
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="call", order_by="Criterion.position", lazy="selectin")

    @property
    def remaining(self) -> Decimal:
        return self.total_budget - self.committed

    def phase(self, now: datetime | None = None) -> str:
        """"open", "upcoming" or "closed" for a published call; its state otherwise."""
        if self.state != CallState.PUBLISHED.value:
            return self.state
        now = now or utcnow()
        return "upcoming" if now < self.opens_at else "open" if now < self.closes_at else "closed"

    def is_open(self, now: datetime | None = None) -> bool:
        """Open for new submissions: published, and now between its opening and closing."""
        now = now or utcnow()
        return (self.state == CallState.PUBLISHED.value
                and self.opens_at <= now < self.closes_at)


class Criterion(db.Model):
    """One thing reviewers score, with its weight and the top of its scale (1..scale_max)."""

    __tablename__ = "grant_criteria"
    __table_args__ = (
        sa.CheckConstraint("weight > 0 AND weight <= 100", name="weight_range"),
        sa.CheckConstraint("scale_max BETWEEN 2 AND 10", name="scale_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_calls.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.String(1000), default="")
    weight: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    scale_max: Mapped[int] = mapped_column(default=5)

    call: Mapped[GrantCall] = relationship(back_populates="criteria")


class GrantApplication(TimestampMixin, db.Model):
    """An alumnus's proposal to a call; once approved, the grant it becomes."""

    __tablename__ = "grant_applications"
    __table_args__ = (
        # At most one application per person per call.
        sa.UniqueConstraint("call_id", "applicant_id"),
        sa.CheckConstraint(f"state IN {APP_STATES!r}", name="state_valid"),
        sa.CheckConstraint(f"language IN {PROPOSAL_LANGUAGES!r}", name="language_valid"),
        sa.CheckConstraint("people_to_reach IS NULL OR people_to_reach >= 0",
                           name="people_not_negative"),
        # A decision time and author exist exactly when the application was decided.
        sa.CheckConstraint("(decided_at IS NULL) = (decided_by_id IS NULL)",
                           name="decided_by_iff_decided"),
        sa.CheckConstraint(
            "(state IN ('approved', 'closed')) = (approved_amount IS NOT NULL)",
            name="approved_amount_iff_approved"),
        sa.CheckConstraint("approved_amount IS NULL OR approved_amount > 0",
                           name="approved_positive"),
        sa.CheckConstraint("disbursed >= 0 AND (approved_amount IS NULL OR "
                           "disbursed <= approved_amount)", name="disbursed_within_approved"),
        sa.CheckConstraint("returned >= 0 AND returned <= disbursed", name="returned_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_calls.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("alumni_records.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(20), default=AppState.DRAFT.value, index=True)
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    problem: Mapped[str] = mapped_column(sa.Text, default="")
    objectives: Mapped[str] = mapped_column(sa.Text, default="")
    activities: Mapped[str] = mapped_column(sa.Text, default="")  # activities and timeline
    starts_on: Mapped[date | None] = mapped_column(sa.Date())
    ends_on: Mapped[date | None] = mapped_column(sa.Date())
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"))
    target_group: Mapped[str] = mapped_column(sa.String(500), default="")
    people_to_reach: Mapped[int | None] = mapped_column()
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("action_plans.id"))
    language: Mapped[str] = mapped_column(sa.String(2), default="ru")
    # Bumped by every saved edit: a form carries the version it was opened at, so a save from
    # a stale tab is refused instead of silently overwriting newer text.
    edit_version: Mapped[int] = mapped_column(default=1)
    # The page (a random token per open tab) whose save made the current version, and the
    # number of that save: a tab's newer save may rest on a version its own earlier save was
    # about to make (applications.save_draft), another tab's may not.
    edit_tab: Mapped[str | None] = mapped_column(sa.String(64))
    edit_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    requested_amount: Mapped[Decimal | None] = mapped_column(AMOUNT)  # frozen at submission
    screening_note: Mapped[str] = mapped_column(sa.String(2000), default="")
    approved_amount: Mapped[Decimal | None] = mapped_column(AMOUNT)
    conditions: Mapped[str] = mapped_column(sa.Text, default="")
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    usd_rate: Mapped[Decimal | None] = mapped_column(RATE)  # 1 unit of the currency in USD
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    disbursed: Mapped[Decimal] = mapped_column(AMOUNT, default=ZERO)
    returned: Mapped[Decimal] = mapped_column(AMOUNT, default=ZERO)

    call: Mapped[GrantCall] = relationship(lazy="joined")
    applicant: Mapped[User] = relationship(foreign_keys=[applicant_id], lazy="joined")
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="application", order_by="BudgetLine.position", lazy="selectin",
        cascade="all, delete-orphan")
    team: Mapped[list[TeamMember]] = relationship(
        back_populates="application", order_by="TeamMember.id", lazy="selectin")
    files: Mapped[list[StoredFile]] = relationship(
        secondary="grant_application_files", order_by="StoredFile.id", lazy="selectin")

    @property
    def budget_total(self) -> Decimal:
        return sum((line.total for line in self.budget_lines), ZERO)

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


class BudgetLine(db.Model):
    """One line of a proposal's budget: quantity x unit cost, in the call's currency."""

    __tablename__ = "grant_budget_lines"
    __table_args__ = (
        sa.CheckConstraint(f"category IN {BUDGET_CATEGORIES!r}", name="category_valid"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_applications.id"),
                                                index=True)
    position: Mapped[int] = mapped_column(default=0)
    category: Mapped[str] = mapped_column(sa.String(12))
    description: Mapped[str] = mapped_column(sa.String(300))
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    unit_cost: Mapped[Decimal] = mapped_column(AMOUNT)
    # After approval money may move between lines (reallocations); this is the line's budget now.
    allocated: Mapped[Decimal | None] = mapped_column(AMOUNT)

    application: Mapped[GrantApplication] = relationship(back_populates="budget_lines")

    @property
    def total(self) -> Decimal:
        return (self.quantity * self.unit_cost).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def current(self) -> Decimal:
        return self.allocated if self.allocated is not None else self.total


class TeamMember(db.Model):
    """A co-applicant: another alumnus, who confirms before the proposal can count them."""

    __tablename__ = "grant_team_members"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "user_id"),
        sa.CheckConstraint(f"state IN {TEAM_STATES!r}", name="state_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_applications.id"),
                                                index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("alumni_records.id"))
    role: Mapped[str] = mapped_column(sa.String(200), default="")
    state: Mapped[str] = mapped_column(sa.String(10), default=TeamState.INVITED.value)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    application: Mapped[GrantApplication] = relationship(back_populates="team")
    user: Mapped[User] = relationship(lazy="joined")


application_files = sa.Table(
    "grant_application_files",
    db.metadata,
    sa.Column("application_id", sa.ForeignKey("grant_applications.id"), primary_key=True),
    sa.Column("file_id", sa.ForeignKey("stored_files.id"), primary_key=True, unique=True),
)


class SubmissionToken(db.Model):
    """A submit form's one-time token: a double click or a second tab submits once."""

    __tablename__ = "grant_submission_tokens"

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_applications.id"),
                                                index=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApplicationVersion(db.Model):
    """What the application said at each submission: every version is kept."""

    __tablename__ = "grant_application_versions"
    __table_args__ = (sa.UniqueConstraint("application_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_applications.id"),
                                                index=True)
    number: Mapped[int] = mapped_column()
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    snapshot: Mapped[str] = mapped_column(sa.Text)  # JSON


class GrantEvent(db.Model):
    """One line of an application's timeline and audit trail: who, when, from, to, message."""

    __tablename__ = "grant_events"
    __table_args__ = (sa.Index("ix_grant_events_application_time", "application_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grant_applications.id"))
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_calls.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(40))
    from_state: Mapped[str | None] = mapped_column(sa.String(20))
    to_state: Mapped[str | None] = mapped_column(sa.String(20))
    message: Mapped[str] = mapped_column(sa.Text, default="")
    # Internal events (reviewer assignments, internal notes) are not shown to the applicant.
    is_internal: Mapped[bool] = mapped_column(default=False)
    amount: Mapped[Decimal | None] = mapped_column(AMOUNT)

    actor: Mapped[User | None] = relationship(lazy="joined")
