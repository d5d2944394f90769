"""Who may see and change action plans, progress updates, comments and activities."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.permissions import (
    Role,
    is_admin,
    is_staff,
    reaches,
    same_office,
    scope_to_office,
    user_role,
)
from alumni_app.plans.models import ActionPlan, Activity
from alumni_app.training.models import Participation


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


def current(record: AlumnusRecord) -> bool:
    """A person still followed up: the record is in use and not erased."""
    return record.is_active and record.erased_at is None


@reaches(Participation)
def can_see_participation(user, participation: Participation) -> bool:
    """The alumnus whose course it is, and the staff of the person's office."""
    return can_write_plan(user, record_of(participation))


def can_enter_on_behalf(user, record: AlumnusRecord) -> bool:
    """The office's staff enter plans and activities for a current person, from paper."""
    return is_staff(user) and same_office(user, record.office_id) and current(record)


def can_enter_for_others(user) -> bool:
    """Staff may look for a person of their office to enter something on their behalf."""
    return is_staff(user)


def lists_others(user) -> bool:
    """Lists show the office's people (staff), not only one's own (alumni)."""
    return is_staff(user)


def can_create_plan(user, record: AlumnusRecord) -> bool:
    """The alumnus for their own courses; the office's staff for a current person."""
    return owns(user, record) or can_enter_on_behalf(user, record)


@reaches(ActionPlan)
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


def can_add_barrier(user) -> bool:
    """Staff of any office extend the shared list of barriers alumni choose from."""
    return is_staff(user)


def can_change_barrier(user) -> bool:
    """Only administrators rename or retire a barrier: every office's updates use the list."""
    return is_admin(user)


def can_record_activity(user, record: AlumnusRecord) -> bool:
    return can_create_plan(user, record)


@reaches(Activity)
def can_view_activity(user, activity: Activity) -> bool:
    return can_write_plan(user, record_of(activity))


def can_edit_activity(user, activity: Activity) -> bool:
    return can_write_plan(user, record_of(activity))


def visible_to(query: sa.Select, user) -> sa.Select:
    """Restrict a select() joined to AlumnusRecord to the plans or activities `user` lists.

    Erased and retired people's plans and activities stay counted in the outcomes, but are
    not listed or followed up any more.
    """
    query = query.where(AlumnusRecord.is_active, AlumnusRecord.erased_at.is_(None))
    if is_staff(user):
        return scope_to_office(query, AlumnusRecord.office_id, user)
    return query.where(AlumnusRecord.user_id == user.id)


def people_for_entry(query: sa.Select, user) -> sa.Select:
    """Restrict a select() of AlumnusRecord to the people `user` may enter things for."""
    if not can_enter_for_others(user):
        return query.where(False)
    return scope_to_office(query.where(AlumnusRecord.is_active,
                                       AlumnusRecord.erased_at.is_(None)),
                           AlumnusRecord.office_id, user)
