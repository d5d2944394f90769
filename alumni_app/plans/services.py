"""Changes to action plans: write, edit, progress updates, check-ins, verification, comments.

Every change adds a line to the plan's timeline (PlanEvent) and to the audit log. Services flush,
raise PlanError for a broken rule, and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alumni_app import audit, storage
from alumni_app.db import utcnow
from alumni_app.errors import DomainError
from alumni_app.extensions import db
from alumni_app.plans import checkins
from alumni_app.plans.models import (
    ActionPlan,
    Activity,
    Barrier,
    EventKind,
    Indicator,
    IndicatorValue,
    Milestone,
    MilestoneProgress,
    PlanComment,
    PlanEvent,
    PlanStatus,
    ProgressUpdate,
)
from alumni_app.plans.policy import record_of
from alumni_app.training.models import Participation

PLAN_FIELDS = ("title", "problem", "objectives", "stakeholders", "support_needed")
DEFAULT_BARRIERS = [
    ("Budget", "Бюджет"), ("Equipment", "Оборудование"),
    ("Legal or regulatory", "Правовые или нормативные ограничения"),
    ("Support from management", "Поддержка руководства"),
    ("Conditions unlike Japan", "Условия, не похожие на японские"), ("Other", "Другое"),
]

MESSAGES = {
    "milestone-before-course": _l("The course started on %(start)s: a milestone cannot be "
                                  "dated before it."),
    "unknown-milestone": _l("This milestone does not belong to the plan."),
    "copy-required": _l("Attach the scanned paper copy of the plan (PDF, JPEG, PNG, DOCX or "
                        "XLSX)."),
    "check-in-unknown": _l("There is no check-in %(month)s months after the course."),
    "check-in-not-due": _l("This check-in falls due on %(due)s; answer it then."),
    "check-in-answered": _l("This check-in was already answered. Post a progress update "
                            "instead."),
    "already-verified": _l("This update was already verified."),
    "plan-changed": _l("Someone saved this plan after you opened it. What you typed is kept "
                       "below: compare it with the plan's page, then save again to keep yours."),
}


class PlanError(DomainError):
    """A broken rule about a plan; `index` points at the milestone row concerned, if any."""

    def __init__(self, code: str, index: int | None = None, **params):
        super().__init__(code)
        self.code, self.index, self.params = code, index, params

    @property
    def message(self) -> str:
        text = str(MESSAGES[self.code])
        return text % self.params if self.params else text


@dataclass
class MilestoneRow:
    description: str
    target_on: date
    id: int | None = None


@dataclass
class IndicatorRow:
    name: str
    unit: str = ""
    baseline: Decimal | None = None
    target: Decimal | None = None
    id: int | None = None


@dataclass
class UpdateValues:
    done_text: str
    support_needed: str = ""
    milestone_states: dict[int, str] = field(default_factory=dict)
    indicator_values: dict[int, Decimal] = field(default_factory=dict)
    barrier_ids: list[int] = field(default_factory=list)


def _event(plan: ActionPlan, kind: EventKind, actor, **values) -> PlanEvent:
    event = PlanEvent(plan_id=plan.id, kind=kind.value, actor_id=getattr(actor, "id", None),
                      occurred_at=utcnow(), **values)
    db.session.add(event)
    return event


def _audit(action: str, actor, plan: ActionPlan, **details) -> None:
    audit.record(action, actor=actor, subject=plan, office_id=record_of(plan).office_id,
                 **details)


def _check_milestones(participation: Participation, rows: list[MilestoneRow],
                      plan: ActionPlan | None) -> None:
    """Refuse, before anything is written, a milestone dated before the course started."""
    start = participation.course.start_on
    known = {m.id for m in plan.milestones} if plan is not None else set()
    for index, row in enumerate(rows):
        if start is not None and row.target_on < start:
            raise PlanError("milestone-before-course", index, start=start.isoformat())
        if row.id is not None and row.id not in known:
            raise PlanError("unknown-milestone", index)


def _set_milestones(plan: ActionPlan, rows: list[MilestoneRow]) -> None:
    """Edit the listed milestones and add new ones (checked by _check_milestones)."""
    existing = {m.id: m for m in plan.milestones}
    for index, row in enumerate(rows):
        milestone = existing.get(row.id)
        if milestone is None:
            milestone = Milestone()
            plan.milestones.append(milestone)
        milestone.description, milestone.target_on = row.description, row.target_on
        milestone.position = index


def _set_indicators(plan: ActionPlan, rows: list[IndicatorRow]) -> None:
    existing = {i.id: i for i in plan.indicators}
    for index, row in enumerate(rows):
        indicator = existing.get(row.id)
        if indicator is None:
            indicator = Indicator()
            plan.indicators.append(indicator)
        indicator.name, indicator.unit = row.name, row.unit
        indicator.baseline, indicator.target, indicator.position = row.baseline, row.target, index


def _apply_status(plan: ActionPlan, status: str, actor) -> None:
    if status != plan.status:
        _event(plan, EventKind.STATUS_CHANGED, actor, old_status=plan.status, new_status=status)
        plan.status = PlanStatus(status).value


def create_plan(actor, participation: Participation, values: dict, milestones: list,
                indicators: list, *, upload=None, on_behalf: bool = False) -> ActionPlan:
    """Write a plan for a participation; staff on the alumnus's behalf attach the paper copy."""
    if on_behalf and not upload:
        raise PlanError("copy-required")
    _check_milestones(participation, milestones, None)
    paper_copy = storage.save_upload(upload, actor=actor) if upload else None
    plan = ActionPlan(participation=participation, created_by_id=getattr(actor, "id", None),
                      entered_by_staff=on_behalf, paper_copy=paper_copy,
                      status=PlanStatus(values.get("status") or PlanStatus.DRAFT).value,
                      **{f: values.get(f) or "" for f in PLAN_FIELDS})
    plan.needs_support = bool(plan.support_needed)
    db.session.add(plan)
    db.session.flush()
    _set_milestones(plan, milestones)
    _set_indicators(plan, indicators)
    _event(plan, EventKind.CREATED, actor, new_status=plan.status)
    db.session.flush()
    _audit("plan.created", actor, plan, on_behalf=on_behalf, milestones=len(milestones),
           indicators=len(indicators))
    return plan


def _take_version(plan: ActionPlan, opened_at: int | None) -> None:
    """Raise the plan's edit version, only from the one the form was opened at (if given):
    one conditional UPDATE, so of two saves of one version the second is refused."""
    query = sa.update(ActionPlan).where(ActionPlan.id == plan.id)
    if opened_at is not None:
        query = query.where(ActionPlan.edit_version == opened_at)
    result = db.session.execute(query.values(edit_version=ActionPlan.edit_version + 1)
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise PlanError("plan-changed")
    db.session.expire(plan, ["edit_version"])


def update_plan(actor, plan: ActionPlan, values: dict, milestones: list, indicators: list,
                *, upload=None, edit_version: int | None = None) -> ActionPlan:
    """Change a plan's text, milestones, indicators and status; replace the paper copy.

    `edit_version` is the version the form was opened at: a newer save since is not undone.
    """
    _check_milestones(plan.participation, milestones, plan)
    _take_version(plan, edit_version)
    paper_copy = storage.save_upload(upload, actor=actor) if upload else None
    changes = {f: [getattr(plan, f), values.get(f) or ""] for f in PLAN_FIELDS
               if getattr(plan, f) != (values.get(f) or "")}
    for name in PLAN_FIELDS:
        setattr(plan, name, values.get(name) or "")
    if "support_needed" in changes and plan.last_update_at is None:
        plan.needs_support = bool(plan.support_needed)
    if paper_copy is not None:
        plan.paper_copy, changes["paper_copy"] = paper_copy, ["", paper_copy.original_name]
    _set_milestones(plan, milestones)
    _set_indicators(plan, indicators)
    _apply_status(plan, values.get("status") or plan.status, actor)
    _event(plan, EventKind.EDITED, actor)
    db.session.flush()
    _audit("plan.updated", actor, plan, changes=changes)
    return plan


def _record_progress(plan: ActionPlan, update: ProgressUpdate, values: UpdateValues) -> None:
    milestones = {m.id: m for m in plan.milestones}
    for milestone_id, state in values.milestone_states.items():
        if milestone_id in milestones:
            milestones[milestone_id].state = state
            update.milestone_states.append(MilestoneProgress(milestone_id=milestone_id,
                                                             state=state))
    indicators = {i.id: i for i in plan.indicators}
    for indicator_id, value in values.indicator_values.items():
        if indicator_id in indicators and value is not None:
            indicators[indicator_id].reached = value
            update.indicator_values.append(IndicatorValue(indicator_id=indicator_id, value=value))
    if values.barrier_ids:
        update.barriers = list(db.session.scalars(
            sa.select(Barrier).where(Barrier.id.in_(values.barrier_ids))))


def post_update(actor, plan: ActionPlan, values: UpdateValues,
                check_in_month: int | None = None) -> ProgressUpdate:
    """Report progress: what was done, milestones, indicator values, barriers, support needed.

    A draft plan is in progress from its first update on (the alumnus may still set any
    status by editing the plan).
    """
    update = ProgressUpdate(plan_id=plan.id, author_id=getattr(actor, "id", None),
                            done_text=values.done_text, support_needed=values.support_needed,
                            check_in_month=check_in_month, posted_at=utcnow())
    db.session.add(update)
    _record_progress(plan, update, values)
    plan.last_update_at, plan.needs_support = update.posted_at, bool(values.support_needed)
    db.session.flush()
    kind = EventKind.CHECK_IN_ANSWERED if check_in_month else EventKind.UPDATE_POSTED
    _event(plan, kind, actor, update_id=update.id, check_in_month=check_in_month)
    if plan.status == PlanStatus.DRAFT.value:  # progress reported: carried out, no draft
        _apply_status(plan, PlanStatus.IN_PROGRESS.value, actor)
        _take_version(plan, None)  # an edit page opened before shows "Draft": it must not undo
    _audit("plan.check_in_answered" if check_in_month else "plan.update_posted", actor, plan,
           update_id=update.id, check_in_month=check_in_month)
    return update


def check_answerable(plan: ActionPlan, month: int, today: date | None = None) -> None:
    """Raise PlanError unless the check-in of `month` is scheduled, due and not yet answered."""
    end_on = plan.participation.course.end_on
    if month not in checkins.schedule() or end_on is None:
        raise PlanError("check-in-unknown", month=month)
    due = checkins.due_on(end_on, month)
    if due > (today or date.today()):
        raise PlanError("check-in-not-due", due=due.isoformat())
    answered = db.session.scalar(sa.select(ProgressUpdate.id).where(
        ProgressUpdate.plan_id == plan.id, ProgressUpdate.check_in_month == month))
    if answered is not None:
        raise PlanError("check-in-answered")


def check_in_answer(plan: ActionPlan, month: int) -> str | None:
    """What the saved answer to the check-in of `month` says was done (None: unanswered)."""
    return db.session.scalar(sa.select(ProgressUpdate.done_text).where(
        ProgressUpdate.plan_id == plan.id, ProgressUpdate.check_in_month == month))


def answer_check_in(actor, plan: ActionPlan, month: int, values: UpdateValues,
                    today: date | None = None) -> ProgressUpdate:
    """Answer a check-in that is due, once (a unique constraint holds the same rule)."""
    check_answerable(plan, month, today)
    return post_update(actor, plan, values, check_in_month=month)


def verify_update(actor, plan: ActionPlan, update: ProgressUpdate, note: str) -> None:
    """Staff confirm an update after a visit or evidence."""
    if update.verified_at is not None:
        raise PlanError("already-verified")
    update.verified_at, update.verified_by_id = utcnow(), actor.id
    update.verification_note = note
    _event(plan, EventKind.VERIFIED, actor, update_id=update.id)
    db.session.flush()
    _audit("plan.update_verified", actor, plan, update_id=update.id)


def add_comment(actor, plan: ActionPlan, body: str) -> PlanComment:
    """Staff comment on a plan; the alumnus answers the same way."""
    comment = PlanComment(plan_id=plan.id, author_id=actor.id, body=body, posted_at=utcnow())
    db.session.add(comment)
    db.session.flush()
    _event(plan, EventKind.COMMENTED, actor, comment_id=comment.id)
    _audit("plan.commented", actor, plan, comment_id=comment.id)
    return comment


def ensure_default_barriers() -> None:
    """Add the issue's list of barriers where missing (the migration seeds the same list)."""
    present = set(db.session.scalars(sa.select(Barrier.name_en)))
    db.session.add_all(Barrier(name_en=en, name_ru=ru) for en, ru in DEFAULT_BARRIERS
                       if en not in present)
    db.session.flush()


def save_barrier(actor, barrier: Barrier | None, values: dict) -> Barrier:
    """Add a barrier to the list, rename it, or take it out of use."""
    creating = barrier is None
    barrier = barrier or Barrier()
    for name in ("name_en", "name_ru", "is_active"):
        setattr(barrier, name, values[name])
    db.session.add(barrier)
    db.session.flush()
    audit.record("barrier.created" if creating else "barrier.updated", actor=actor,
                 subject=barrier, **values)
    return barrier


def move_to_kept_record(actor, keep, duplicate) -> None:
    """A merge (alumni.services.merge_records): what the duplicate holds goes to `keep`.

    Its activities go to `keep`; for a course both records took, the plans and activities of
    the duplicate's participation go to `keep`'s participation in that course (every plan is
    kept). The duplicate's other participations have already moved to `keep` with their plans.
    """
    kept = dict(db.session.execute(sa.select(Participation.course_id, Participation.id)
                                   .where(Participation.record_id == keep.id)).all())
    shared = db.session.execute(sa.select(Participation.id, Participation.course_id)
                                .where(Participation.record_id == duplicate.id)).all()
    for participation_id, course_id in shared:
        if (target := kept.get(course_id)) is None:
            continue
        for model in (ActionPlan, Activity):
            db.session.execute(sa.update(model).where(model.participation_id == participation_id)
                               .values(participation_id=target))
    db.session.execute(sa.update(Activity).where(Activity.record_id == duplicate.id)
                       .values(record_id=keep.id))
