"""Erasure of a person's action plans and activities: their words and files go, counts stay.

Registered with alumni.privacy.register_erasure. What stays is what the outcomes count: the
number of plans and their status, milestones' dates and states, indicators' values, the barriers
reported, the activities with their kind, date, place and people reached.
"""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.alumni.services import merged_ids
from alumni_app.audit import AuditEvent
from alumni_app.extensions import db
from alumni_app.plans.models import (
    ActionPlan,
    Activity,
    Indicator,
    Milestone,
    PlanComment,
    ProgressUpdate,
    activity_evidence,
)
from alumni_app.storage import StoredFile
from alumni_app.training.models import Participation

ERASED_TITLE = "—"
REDACTED = '{"redacted": true}'


def _ids(query: sa.Select) -> list[int]:
    return list(db.session.scalars(query))


def _erase_plans(plan_ids: list[int]) -> list[int]:
    """Blank the plans' texts, updates and conversation; return the paper copies' file ids."""
    in_plans = ActionPlan.id.in_(plan_ids)
    files = _ids(sa.select(ActionPlan.paper_copy_id).where(
        in_plans, ActionPlan.paper_copy_id.is_not(None)))
    db.session.execute(sa.update(ActionPlan).where(in_plans).values(
        title=ERASED_TITLE, problem="", objectives="", stakeholders="", support_needed="",
        paper_copy_id=None))
    db.session.execute(sa.update(Milestone).where(Milestone.plan_id.in_(plan_ids))
                       .values(description=""))
    db.session.execute(sa.update(Indicator).where(Indicator.plan_id.in_(plan_ids))
                       .values(name="", unit=""))
    db.session.execute(sa.update(ProgressUpdate).where(ProgressUpdate.plan_id.in_(plan_ids))
                       .values(done_text="", support_needed="", verification_note=""))
    # The whole conversation: staff's words there are about the person too.
    db.session.execute(sa.update(PlanComment).where(PlanComment.plan_id.in_(plan_ids))
                       .values(body=""))
    return files


def _erase_activities(activity_ids: list[int]) -> list[int]:
    """Blank the activities' texts and detach their evidence; return the evidence file ids."""
    files = _ids(sa.select(activity_evidence.c.file_id).where(
        activity_evidence.c.activity_id.in_(activity_ids)))
    db.session.execute(sa.delete(activity_evidence).where(
        activity_evidence.c.activity_id.in_(activity_ids)))
    db.session.execute(sa.update(Activity).where(Activity.id.in_(activity_ids))
                       .values(title=ERASED_TITLE, description=""))
    return files


def erase_person(actor, user, record) -> None:
    """Blank the person's plan and activity texts, delete their scans and evidence files.

    The person's are also those of every duplicate merged into their record.
    """
    if record is None:
        return
    record_ids = [record.id, *merged_ids(record.id)]
    plan_ids = _ids(sa.select(ActionPlan.id).join(
        Participation, Participation.id == ActionPlan.participation_id)
        .where(Participation.record_id.in_(record_ids)))
    activity_ids = _ids(sa.select(Activity.id).where(Activity.record_id.in_(record_ids)))
    files = _erase_plans(plan_ids) + _erase_activities(activity_ids)
    if files:
        db.session.execute(sa.delete(StoredFile).where(StoredFile.id.in_(files)))
    # The audit trail keeps who did what when, not the texts it recorded (old and new values).
    subjects = [("ActionPlan", plan_ids), ("Activity", activity_ids), ("StoredFile", files)]
    about = [sa.and_(AuditEvent.subject_type == kind, AuditEvent.subject_id.in_(ids))
             for kind, ids in subjects if ids]
    if about:
        db.session.execute(sa.update(AuditEvent).where(sa.or_(*about)).values(details=REDACTED))
    # Loaded plans, activities and files must not keep the old texts or the evidence list.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, ActionPlan | Activity | StoredFile | PlanComment | ProgressUpdate):
            db.session.expire(obj)
