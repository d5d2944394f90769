"""What the plan pages show: an alumnus's courses and plans, a plan's check-ins and timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from alumni_app.accounts.models import User
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.plans import checkins, policy
from alumni_app.plans.models import (
    ActionPlan,
    Activity,
    Barrier,
    EventKind,
    PlanComment,
    PlanEvent,
    ProgressUpdate,
    ReminderSetting,
)
from alumni_app.training.models import Course, Participation

EVENT_LABELS = {
    EventKind.CREATED: _l("Plan written"),
    EventKind.EDITED: _l("Plan edited"),
    EventKind.STATUS_CHANGED: _l("Status changed"),
    EventKind.UPDATE_POSTED: _l("Progress update posted"),
    EventKind.CHECK_IN_ANSWERED: _l("Check-in answered"),
    EventKind.COMMENTED: _l("Comment"),
    EventKind.VERIFIED: _l("Update verified by the office"),
}


@dataclass
class TimelineEntry:
    event: PlanEvent
    who: str
    label: str
    comment: PlanComment | None = None
    update: ProgressUpdate | None = None


def _with_plans(parts: sa.Select) -> list[tuple[Participation, list[ActionPlan]]]:
    """Participations (newest course first), each with its plans (every status)."""
    parts = db.session.scalars(
        parts.join(Course, Course.id == Participation.course_id)
        .order_by(Course.start_on.desc().nulls_last(), Participation.id)).unique().all()
    plans = db.session.scalars(sa.select(ActionPlan).where(
        ActionPlan.participation_id.in_([p.id for p in parts])).order_by(ActionPlan.id)).all()
    return [(p, [plan for plan in plans if plan.participation_id == p.id]) for p in parts]


def own_participations(user) -> list[tuple[Participation, list[ActionPlan]]]:
    """The alumnus's courses (newest first), each with its plans."""
    return _with_plans(
        sa.select(Participation).join(AlumnusRecord, AlumnusRecord.id == Participation.record_id)
        .where(AlumnusRecord.user_id == user.id, AlumnusRecord.is_active,
               AlumnusRecord.erased_at.is_(None)))


def plans_for_staff(user, record: AlumnusRecord):
    """A person's courses with their plans, for staff who may enter more for them; else None."""
    if not policy.can_enter_on_behalf(user, record):
        return None
    return _with_plans(sa.select(Participation).where(Participation.record_id == record.id))


def record_activities(record: AlumnusRecord) -> list[Activity]:
    """A person's activities, newest first (a merge moves a duplicate's here)."""
    return list(db.session.scalars(sa.select(Activity).where(Activity.record_id == record.id)
                                   .order_by(Activity.held_on.desc(), Activity.id.desc())))


def own_activities(user, limit: int = 10) -> list[Activity]:
    return list(db.session.scalars(policy.visible_to(
        sa.select(Activity).join(AlumnusRecord, AlumnusRecord.id == Activity.record_id)
        .where(AlumnusRecord.user_id == user.id), user)
        .order_by(Activity.held_on.desc(), Activity.id.desc()).limit(limit)))


def plan_activities(plan: ActionPlan) -> list[Activity]:
    return list(db.session.scalars(sa.select(Activity).where(Activity.plan_id == plan.id)
                                   .order_by(Activity.held_on.desc(), Activity.id.desc())))


def reminders_enabled(user) -> bool:
    setting = db.session.get(ReminderSetting, user.id)
    return setting is None or setting.reminders_enabled


def plan_updates(plan: ActionPlan) -> list[ProgressUpdate]:
    return list(db.session.scalars(sa.select(ProgressUpdate).where(
        ProgressUpdate.plan_id == plan.id).order_by(ProgressUpdate.posted_at.desc(),
                                                    ProgressUpdate.id.desc())))


def plan_check_ins(plan: ActionPlan, updates: list[ProgressUpdate],
                   today: date | None = None) -> list[checkins.CheckIn]:
    answers = {u.check_in_month: u.id for u in updates if u.check_in_month}
    return checkins.check_ins(plan.participation.course.end_on, answers, today or date.today(),
                              written_on=plan.created_at.date() if plan.created_at else None)


def _names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.session.execute(sa.select(User.id, User.display_name, User.role)
                              .where(User.id.in_(ids)))
    # Not inside an f-string: Babel does not look there, so "(office)" stayed in English.
    return {i: (name if role == "alumnus" else _("%(name)s (office)", name=name))
            for i, name, role in rows}


def timeline(plan: ActionPlan, updates: list[ProgressUpdate]) -> list[TimelineEntry]:
    """Everything that happened to a plan, oldest first."""
    events = db.session.scalars(sa.select(PlanEvent).where(PlanEvent.plan_id == plan.id)
                                .order_by(PlanEvent.occurred_at, PlanEvent.id)).all()
    comments = {c.id: c for c in db.session.scalars(
        sa.select(PlanComment).where(PlanComment.plan_id == plan.id))}
    by_id = {u.id: u for u in updates}
    names = _names({e.actor_id for e in events if e.actor_id})
    return [TimelineEntry(e, names.get(e.actor_id, "—"), str(EVENT_LABELS[EventKind(e.kind)]),
                          comments.get(e.comment_id), by_id.get(e.update_id)) for e in events]


def active_barriers() -> list[Barrier]:
    return list(db.session.scalars(sa.select(Barrier).where(Barrier.is_active)
                                   .order_by(Barrier.id)))
