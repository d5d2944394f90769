"""What the dashboards show, scoped to what the user may see: work and next steps first."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from alumni_app import audit_words
from alumni_app.accounts.models import User
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.audit import AuditEvent
from alumni_app.auth.totp import remaining_recovery_codes
from alumni_app.core import dashboard_items
from alumni_app.db import parallel_counts
from alumni_app.extensions import db
from alumni_app.grants.models import GrantApplication, GrantCall
from alumni_app.offices.models import Office
from alumni_app.permissions import STAFF_ROLES, is_admin, scope_to_office
from alumni_app.plans.models import ActionPlan, Activity
from alumni_app.reports import headline
from alumni_app.training.models import Course, Participation

# One round trip: the linked record (if any) with its courses and their plans, as plain rows.
# Built once, so each request only binds the user's id.
_OWN_COURSES = (
    sa.select(AlumnusRecord.id, Participation.id, Course.title, Course.code, Course.fiscal_year,
              ActionPlan.id, ActionPlan.title, ActionPlan.status)
    .outerjoin(Participation, Participation.record_id == AlumnusRecord.id)
    .outerjoin(Course, Course.id == Participation.course_id)
    .outerjoin(ActionPlan, ActionPlan.participation_id == Participation.id)
    .where(AlumnusRecord.user_id == sa.bindparam("user_id"))
    .order_by(Course.start_on.desc().nulls_last(), Participation.id, ActionPlan.id)
)
_OWN_ACTIVITIES = (
    sa.select(Activity.id, Activity.title, Activity.held_on, Activity.total)
    .join(AlumnusRecord, AlumnusRecord.id == Activity.record_id)
    .where(AlumnusRecord.user_id == sa.bindparam("user_id"))
    .order_by(Activity.held_on.desc(), Activity.id.desc()).limit(5)
)
_OWN_APPLICATIONS = (
    sa.select(GrantApplication.id, GrantApplication.title, GrantApplication.state,
              GrantCall.title.label("call_title"))
    .join(GrantCall, GrantCall.id == GrantApplication.call_id)
    .where(GrantApplication.applicant_id == sa.bindparam("user_id"))
    .order_by(GrantApplication.id.desc())
)


@dataclass
class OwnCourse:
    participation_id: int
    title: str
    code: str
    fiscal_year: int | None
    plans: list = field(default_factory=list)  # (id, title, status)


def _courses(rows) -> list[OwnCourse]:
    courses: dict[int, OwnCourse] = {}
    for _record, part_id, title, code, year, plan_id, plan_title, status in rows:
        if part_id is None:
            continue
        course = courses.setdefault(part_id, OwnCourse(part_id, title, code, year))
        if plan_id is not None:
            course.plans.append((plan_id, plan_title, status))
    return list(courses.values())


def alumnus(user: User) -> dict:
    """The alumnus's own page: what to do next, then their courses and plans, activities,
    applications, and the account's state."""
    params = {"user_id": user.id}
    rows = db.session.execute(_OWN_COURSES, params).all()
    record_id = rows[0][0] if rows else None
    return {
        "next_steps": dashboard_items.next_steps(user),
        "record_id": record_id,
        "courses": _courses(rows),
        "activities": db.session.execute(_OWN_ACTIVITIES, params).all() if record_id else [],
        "applications": db.session.execute(_OWN_APPLICATIONS, params).all(),
        "recovery_codes_left": remaining_recovery_codes(user) if user.has_second_factor else None,
    }


def _record_figures(user: User) -> dict:
    counts = sa.select(
        sa.func.count(AlumnusRecord.id),
        sa.func.count(AlumnusRecord.user_id),
        sa.func.count(AlumnusRecord.id).filter(AlumnusRecord.is_verified),
    ).where(AlumnusRecord.is_active)
    total, claimed, verified = db.session.execute(
        scope_to_office(counts, AlumnusRecord.office_id, user)).one()
    return {"records_total": total, "records_claimed": claimed, "records_verified": verified}


def staff(user: User) -> dict:
    """The office's figures for staff; every office for administrators."""
    staff_roles = [r.value for r in STAFF_ROLES]
    per_office = (
        sa.select(
            Office,
            sa.func.count(User.id).filter(User.is_active, User.password_hash.is_not(None)),
            sa.func.count(User.id).filter(User.is_active, User.password_hash.is_(None)),
        )
        .outerjoin(User, sa.and_(User.office_id == Office.id, User.role.in_(staff_roles)))
        .group_by(Office.id)
        .order_by(Office.name)
    )
    offices = db.session.execute(scope_to_office(per_office, Office.id, user)).all()
    recent = scope_to_office(
        sa.select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()),
        AuditEvent.office_id,
        user,
    ).limit(10)
    alumni_accounts = None
    if is_admin(user):
        alumni_accounts = db.session.scalar(
            sa.select(sa.func.count(User.id)).where(User.role == "alumnus", User.is_active)
        )
    with parallel_counts(db.session):  # counts over the whole office
        work, records = dashboard_items.work_items(user), _record_figures(user)
    return {
        "work": work,
        "headline": headline.dashboard_figures(user),
        **records,
        "offices": offices,
        "recent_events": audit_words.describe(db.session.scalars(recent).all(), user),
        "alumni_accounts": alumni_accounts,
    }
