"""Action plans, their milestones and indicators, progress updates, comments and the timeline."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alumni_app.db import TimestampMixin, UTCDateTime, utcnow
from alumni_app.extensions import db
from alumni_app.storage import StoredFile
from alumni_app.training.models import Participation

AMOUNT = sa.Numeric(14, 2)


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    STALLED = "stalled"
    ABANDONED = "abandoned"


class MilestoneState(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class EventKind(enum.StrEnum):
    CREATED = "created"
    EDITED = "edited"
    STATUS_CHANGED = "status_changed"
    UPDATE_POSTED = "update_posted"
    CHECK_IN_ANSWERED = "check_in_answered"
    COMMENTED = "commented"
    VERIFIED = "verified"


PLAN_STATUSES = tuple(s.value for s in PlanStatus)
MILESTONE_STATES = tuple(s.value for s in MilestoneState)
EVENT_KINDS = tuple(k.value for k in EventKind)
# Plans in these states are followed up (check-ins, overdue milestones, reminders).
OPEN_STATUSES = (PlanStatus.DRAFT.value, PlanStatus.IN_PROGRESS.value, PlanStatus.STALLED.value)
FINISHED_MILESTONE_STATES = (MilestoneState.DONE.value, MilestoneState.DROPPED.value)


class ActionPlan(TimestampMixin, db.Model):
    """The change an ex-participant will bring about at home after one course."""

    __tablename__ = "action_plans"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {PLAN_STATUSES!r}", name="status_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participation_id: Mapped[int] = mapped_column(sa.ForeignKey("participations.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    problem: Mapped[str] = mapped_column(sa.Text, default="")
    objectives: Mapped[str] = mapped_column(sa.Text, default="")
    stakeholders: Mapped[str] = mapped_column(sa.Text, default="")
    support_needed: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(12), default=PlanStatus.DRAFT.value, index=True)
    # Set when the latest word (the plan, or its latest update) asks the office for support.
    needs_support: Mapped[bool] = mapped_column(default=False, index=True)
    last_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Staff who entered the plan on the alumnus's behalf, from the attached paper copy.
    entered_by_staff: Mapped[bool] = mapped_column(default=False)
    paper_copy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))
    # Raised by every saved edit: a form opened at an older version is refused, not applied.
    edit_version: Mapped[int] = mapped_column(default=1, server_default="1")

    participation: Mapped[Participation] = relationship(lazy="joined")
    paper_copy: Mapped[StoredFile | None] = relationship()
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="plan", order_by="Milestone.position", lazy="selectin")
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="plan", order_by="Indicator.position", lazy="selectin")


class Milestone(db.Model):
    """An activity the plan foresees, with the date it should be done by."""

    __tablename__ = "plan_milestones"
    __table_args__ = (
        sa.CheckConstraint(f"state IN {MILESTONE_STATES!r}", name="state_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("action_plans.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(sa.String(500))
    target_on: Mapped[date] = mapped_column(sa.Date(), index=True)
    state: Mapped[str] = mapped_column(sa.String(12), default=MilestoneState.PLANNED.value)

    plan: Mapped[ActionPlan] = relationship(back_populates="milestones")

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED_MILESTONE_STATES


class Indicator(db.Model):
    """A measure of the plan's success: where it starts and where it should get to."""

    __tablename__ = "plan_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("action_plans.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(300))
    unit: Mapped[str] = mapped_column(sa.String(40), default="")
    baseline: Mapped[Decimal | None] = mapped_column(AMOUNT)
    target: Mapped[Decimal | None] = mapped_column(AMOUNT)
    reached: Mapped[Decimal | None] = mapped_column(AMOUNT)  # the latest value reported

    plan: Mapped[ActionPlan] = relationship(back_populates="indicators")


class Barrier(TimestampMixin, db.Model):
    """An obstacle alumni report (budget, equipment ...); staff extend the list."""

    __tablename__ = "barriers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name_ru: Mapped[str] = mapped_column(sa.String(80))
    is_active: Mapped[bool] = mapped_column(default=True)

    def name(self, locale: str) -> str:
        return self.name_ru if locale == "ru" and self.name_ru else self.name_en


update_barriers = sa.Table(
    "plan_update_barriers",
    db.metadata,
    sa.Column("update_id", sa.ForeignKey("plan_updates.id"), primary_key=True),
    sa.Column("barrier_id", sa.ForeignKey("barriers.id"), primary_key=True, index=True),
)


class ProgressUpdate(db.Model):
    """What happened since: posted any time, or as the answer to a check-in."""

    __tablename__ = "plan_updates"
    __table_args__ = (
        # A check-in is answered once; ordinary updates (no check-in) are unlimited.
        sa.UniqueConstraint("plan_id", "check_in_month"),
        sa.CheckConstraint("check_in_month IS NULL OR check_in_month > 0",
                           name="check_in_month_positive"),
        sa.CheckConstraint("(verified_at IS NULL) = (verified_by_id IS NULL)",
                           name="verified_by_iff_verified"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("action_plans.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    check_in_month: Mapped[int | None] = mapped_column()
    done_text: Mapped[str] = mapped_column(sa.Text)
    support_needed: Mapped[str] = mapped_column(sa.Text, default="")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    verification_note: Mapped[str] = mapped_column(sa.String(500), default="")

    barriers: Mapped[list[Barrier]] = relationship(secondary=update_barriers, lazy="selectin")
    milestone_states: Mapped[list[MilestoneProgress]] = relationship(lazy="selectin")
    indicator_values: Mapped[list[IndicatorValue]] = relationship(lazy="selectin")


class MilestoneProgress(db.Model):
    """A milestone's state as one progress update reported it."""

    __tablename__ = "plan_milestone_progress"
    __table_args__ = (
        sa.CheckConstraint(f"state IN {MILESTONE_STATES!r}", name="state_valid"),
    )

    update_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_updates.id"), primary_key=True)
    milestone_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_milestones.id"),
                                              primary_key=True, index=True)
    state: Mapped[str] = mapped_column(sa.String(12))


class IndicatorValue(db.Model):
    """An indicator's value reached, as one progress update reported it."""

    __tablename__ = "plan_indicator_values"

    update_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_updates.id"), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_indicators.id"),
                                              primary_key=True, index=True)
    value: Mapped[Decimal] = mapped_column(AMOUNT)


class PlanComment(db.Model):
    """Staff and the alumnus talk about a plan."""

    __tablename__ = "plan_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("action_plans.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    body: Mapped[str] = mapped_column(sa.Text)


class PlanEvent(db.Model):
    """One line of a plan's timeline: who did what, when."""

    __tablename__ = "plan_events"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {EVENT_KINDS!r}", name="kind_valid"),
        sa.Index("ix_plan_events_plan_time", "plan_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("action_plans.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    update_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan_updates.id"))
    comment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan_comments.id"))
    old_status: Mapped[str | None] = mapped_column(sa.String(12))
    new_status: Mapped[str | None] = mapped_column(sa.String(12))
    check_in_month: Mapped[int | None] = mapped_column()


class ReminderSetting(db.Model):
    """An alumnus's choice about reminder e-mails (no row: reminders on)."""

    __tablename__ = "plan_reminder_settings"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    reminders_enabled: Mapped[bool] = mapped_column(default=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ReminderLog(db.Model):
    """A reminder sent: the key (plan, kind, period) makes a re-run send it at most once."""

    __tablename__ = "plan_reminders"
    __table_args__ = (sa.UniqueConstraint("plan_id", "kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("action_plans.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    period: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    email_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbound_emails.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_on: Mapped[date] = mapped_column(sa.Date())  # the day the run counted as today


class ActivityKind(enum.StrEnum):
    SEMINAR = "seminar"  # at the alumnus's own organization
    FIELD_VISIT = "field_visit"
    WORKSHOP = "workshop"
    TRAINING = "training"  # training of others
    PUBLICATION = "publication"  # publication or media
    POLICY = "policy"  # policy proposal
    OTHER = "other"


ACTIVITY_KINDS = tuple(k.value for k in ActivityKind)
# People reached, broken down; every count is optional, none negative.
AGE_BANDS = ("age_under_30", "age_30_49", "age_50_plus")
ORG_KINDS = ("org_government", "org_ngo", "org_education", "org_business", "org_other")
REACH_FIELDS = ("women", "men", "total", *AGE_BANDS, *ORG_KINDS)


def _not_negative(*names: str) -> list[sa.CheckConstraint]:
    return [sa.CheckConstraint(f"{n} IS NULL OR {n} >= 0", name=f"{n}_not_negative")
            for n in names]


class Activity(TimestampMixin, db.Model):
    """Something an alumnus did after training to pass it on, and the people it reached."""

    __tablename__ = "activities"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {ACTIVITY_KINDS!r}", name="kind_valid"),
        sa.CheckConstraint("total >= 0", name="total_not_negative"),
        sa.CheckConstraint("coalesce(women, 0) + coalesce(men, 0) <= total",
                           name="women_men_within_total"),
        *_not_negative("women", "men", *AGE_BANDS, *ORG_KINDS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("alumni_records.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("action_plans.id"), index=True)
    # The course the activity passes on (one of the person's; the plan's, when it has a plan):
    # outcomes by course count it there.
    participation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("participations.id"),
                                                         index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    held_on: Mapped[date] = mapped_column(sa.Date(), index=True)
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    sector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sectors.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    total: Mapped[int] = mapped_column(default=0)
    women: Mapped[int | None] = mapped_column()
    men: Mapped[int | None] = mapped_column()
    age_under_30: Mapped[int | None] = mapped_column()
    age_30_49: Mapped[int | None] = mapped_column()
    age_50_plus: Mapped[int | None] = mapped_column()
    org_government: Mapped[int | None] = mapped_column()
    org_ngo: Mapped[int | None] = mapped_column()
    org_education: Mapped[int | None] = mapped_column()
    org_business: Mapped[int | None] = mapped_column()
    org_other: Mapped[int | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    plan: Mapped[ActionPlan | None] = relationship()
    participation: Mapped[Participation | None] = relationship()
    evidence: Mapped[list[StoredFile]] = relationship(
        secondary="activity_evidence", order_by="StoredFile.id", lazy="selectin")


activity_evidence = sa.Table(
    "activity_evidence",
    db.metadata,
    sa.Column("activity_id", sa.ForeignKey("activities.id"), primary_key=True),
    sa.Column("file_id", sa.ForeignKey("stored_files.id"), primary_key=True, unique=True),
)
