"""What the action plans and activities hold about a person, for their data download."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.alumni.services import merged_ids
from alumni_app.extensions import db
from alumni_app.plans.models import REACH_FIELDS, ActionPlan, Activity, ProgressUpdate
from alumni_app.training.models import Participation


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _number(value) -> str | None:
    return None if value is None else str(value)


def _plan(plan: ActionPlan) -> dict:
    updates = db.session.scalars(sa.select(ProgressUpdate).where(
        ProgressUpdate.plan_id == plan.id).order_by(ProgressUpdate.id))
    return {
        "title": plan.title, "state": plan.status, "date": _iso(plan.created_at),
        "course": plan.participation.course.title, "problem": plan.problem,
        "objectives": plan.objectives, "stakeholders": plan.stakeholders,
        "support_needed": plan.support_needed,
        "milestones": [{"description": m.description, "target_on": _iso(m.target_on),
                        "state": m.state} for m in plan.milestones],
        "indicators": [{"name": i.name, "unit": i.unit, "baseline": _number(i.baseline),
                        "target": _number(i.target), "reached": _number(i.reached)}
                       for i in plan.indicators],
        "updates": [{"posted_at": _iso(u.posted_at), "check_in_month": u.check_in_month,
                     "done": u.done_text, "support_needed": u.support_needed,
                     "verified_at": _iso(u.verified_at)} for u in updates],
    }


def _record_ids(record) -> list[int]:
    """The person's record and the duplicates merged into it (merged before merges moved
    plans and activities, they may still hold some)."""
    return [record.id, *merged_ids(record.id)]


def plans_of(user, record) -> list[dict]:
    """The person's action plans with their milestones, indicators and updates."""
    if record is None:
        return []
    plans = db.session.scalars(
        sa.select(ActionPlan).join(Participation, Participation.id == ActionPlan.participation_id)
        .where(Participation.record_id.in_(_record_ids(record))).order_by(ActionPlan.id))
    return [_plan(p) for p in plans]


def activities_of(user, record) -> list[dict]:
    """The post-training activities recorded for the person, with the people reached."""
    if record is None:
        return []
    activities = db.session.scalars(sa.select(Activity).where(
        Activity.record_id.in_(_record_ids(record))).order_by(Activity.held_on, Activity.id))
    return [{"title": a.title, "state": a.kind, "date": _iso(a.held_on),
             "course": a.participation.course.title if a.participation else None,
             "description": a.description, **{name: getattr(a, name) for name in REACH_FIELDS},
             "evidence": [f.original_name for f in a.evidence]} for a in activities]
