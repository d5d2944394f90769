"""Figures shown on the dashboards, scoped to what the user may see."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app import audit_words
from alumni_app.accounts.models import User
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.audit import AuditEvent
from alumni_app.auth.totp import remaining_recovery_codes
from alumni_app.extensions import db
from alumni_app.offices.models import Office
from alumni_app.permissions import STAFF_ROLES, is_admin, scope_to_office
from alumni_app.training.models import Course, Participation

# One round trip: the linked record (if any) with its courses, as plain rows. Built once, so
# each request only binds the user's id.
_OWN_COURSES = (
    sa.select(AlumnusRecord.id, Course.title, Course.code, Course.fiscal_year)
    .outerjoin(Participation, Participation.record_id == AlumnusRecord.id)
    .outerjoin(Course, Course.id == Participation.course_id)
    .where(AlumnusRecord.user_id == sa.bindparam("user_id"))
    .order_by(Course.start_on.desc().nulls_last())
)


def alumnus(user: User) -> dict:
    """The alumnus's own page: their record and courses, account state and what to do next."""
    rows = db.session.execute(_OWN_COURSES, {"user_id": user.id}).all()
    return {
        "record_id": rows[0][0] if rows else None,
        "courses": [row[1:] for row in rows if row[1] is not None],
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
    return {
        **_record_figures(user),
        "offices": offices,
        "recent_events": audit_words.describe(db.session.scalars(recent).all(), user),
        "alumni_accounts": alumni_accounts,
    }
