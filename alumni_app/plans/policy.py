"""Who may see and change action plans, progress updates, comments and activities."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.permissions import Role, is_staff, same_office, scope_to_office, user_role
from alumni_app.plans.models import ActionPlan, Activity


def record_of(obj) -> AlumnusRecord:
    """The ex-participant record a participation, plan or activity belongs to."""
    if isinstance(obj, ActionPlan):
        obj = obj.participation
    return db.session.get(AlumnusRecord, obj.record_id)


def owns(user, record: AlumnusRecord) -> bool:
    """The alumnus who claimed this (active, not erased) record."""
    return (user_role(user) is Role.ALUMNUS and record.user_id == user.id
            and record.is_active and record.erased_at is None)


def can_write_plan(user, record: AlumnusRecord) -> bool:
    """The alumnus for their own courses; the office's staff on their behalf."""
    return owns(user, record) or (is_staff(user) and same_office(user, record.office_id))


def can_view_plan(user, plan: ActionPlan) -> bool:
    return can_write_plan(user, record_of(plan))


def can_edit_plan(user, plan: ActionPlan) -> bool:
    return can_write_plan(user, record_of(plan))


def can_post_update(user, plan: ActionPlan) -> bool:
    return can_write_plan(user, record_of(plan))


def can_comment(user, plan: ActionPlan) -> bool:
    return can_write_plan(user, record_of(plan))


def can_verify_update(user, plan: ActionPlan) -> bool:
    """Staff of the record's office confirm an update after a visit or evidence."""
    return is_staff(user) and same_office(user, record_of(plan).office_id)


def can_follow_up(user) -> bool:
    return is_staff(user)


def can_manage_barriers(user) -> bool:
    return is_staff(user)


def can_record_activity(user, record: AlumnusRecord) -> bool:
    return can_write_plan(user, record)


def can_view_activity(user, activity: Activity) -> bool:
    return can_write_plan(user, record_of(activity))


def can_edit_activity(user, activity: Activity) -> bool:
    return can_write_plan(user, record_of(activity))


def visible_to(query: sa.Select, user) -> sa.Select:
    """Restrict a select() joined to AlumnusRecord to the plans or activities `user` may see."""
    if is_staff(user):
        return scope_to_office(query, AlumnusRecord.office_id, user)
    return query.where(AlumnusRecord.user_id == user.id, AlumnusRecord.is_active,
                       AlumnusRecord.erased_at.is_(None))
