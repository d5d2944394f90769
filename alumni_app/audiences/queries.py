"""Who an audience is: counted, sampled and listed in SQL, one query each."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.accounts.models import User
from alumni_app.alumni.directory import Filters, filter_conditions
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.audiences.filters import Audience
from alumni_app.extensions import db
from alumni_app.grants.models import AppState, GrantApplication
from alumni_app.plans.models import ActionPlan, PlanStatus
from alumni_app.training.models import Course, Participation, ProgramType, Region, Sector

ACTIVE_PLAN_STATES = (PlanStatus.IN_PROGRESS.value, PlanStatus.STALLED.value)
GRANT_STATES = (AppState.APPROVED.value, AppState.CLOSED.value)


def _directory_filters(audience: Audience) -> Filters:
    return Filters(office_id=audience.office_id, region_id=audience.region_id,
                   sector_id=audience.sector_id, program_type=audience.program_type,
                   course_id=audience.course_id, fiscal_year=audience.fiscal_year)


def conditions(audience: Audience) -> list:
    """The WHERE conditions on AlumnusRecord: the directory's, then follow-up's."""
    found = filter_conditions(_directory_filters(audience))
    found.append(AlumnusRecord.merged_into_id.is_(None))
    if audience.office_id is None:
        found.append(sa.false())  # an audience always belongs to one office
    if audience.trained_since:
        found.append(AlumnusRecord.id.in_(
            sa.select(Participation.record_id).join(Course, Course.id == Participation.course_id)
            .where(Course.fiscal_year >= audience.trained_since)))
    if audience.active_plans:
        found.append(AlumnusRecord.id.in_(
            sa.select(Participation.record_id)
            .join(ActionPlan, ActionPlan.participation_id == Participation.id)
            .where(ActionPlan.status.in_(ACTIVE_PLAN_STATES))))
    if audience.grantees:
        found.append(AlumnusRecord.id.in_(
            sa.select(GrantApplication.record_id)
            .where(GrantApplication.state.in_(GRANT_STATES))))
    if audience.record_ids:
        found.append(AlumnusRecord.id.in_(audience.record_ids))
    return found


def member_ids(audience: Audience) -> sa.Select:
    """select(AlumnusRecord.id) of the audience's members."""
    return sa.select(AlumnusRecord.id).where(*conditions(audience))


def count(audience: Audience) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AlumnusRecord).where(*conditions(audience)))


def sample(audience: Audience, limit: int = 20) -> list[AlumnusRecord]:
    """The first members by name, for a preview."""
    return list(db.session.scalars(
        sa.select(AlumnusRecord).where(*conditions(audience))
        .order_by(AlumnusRecord.family_name, AlumnusRecord.given_name, AlumnusRecord.id)
        .limit(limit)))


def recipients(audience: Audience) -> sa.Select:
    """One row per member: record id, account id (or None), name, address, language.

    The address is the account's when the person has one (they keep it current), else the
    record's; the language is the account's preference, else None (the sender decides).
    """
    email = sa.func.coalesce(sa.func.nullif(User.email, ""), AlumnusRecord.email)
    return (sa.select(AlumnusRecord.id.label("record_id"), User.id.label("user_id"),
                      AlumnusRecord.given_name, AlumnusRecord.family_name,
                      AlumnusRecord.given_name_cyr, AlumnusRecord.family_name_cyr,
                      email.label("email"), User.preferred_language.label("language"))
            .outerjoin(User, sa.and_(User.id == AlumnusRecord.user_id, User.is_active))
            .where(*conditions(audience))
            .order_by(AlumnusRecord.id))


def choices(office_id: int) -> dict:
    """What the audience form offers for one office: its regions, the sectors, the courses its
    alumni took, the fiscal years of those courses, the program types."""
    taken = (sa.select(Participation.course_id).join(
        AlumnusRecord, AlumnusRecord.id == Participation.record_id)
        .where(AlumnusRecord.office_id == office_id))
    courses = list(db.session.scalars(
        sa.select(Course).where(Course.id.in_(taken))
        .order_by(Course.fiscal_year.desc(), Course.title)))
    return {
        "regions": list(db.session.scalars(sa.select(Region).where(
            Region.office_id == office_id, Region.is_active).order_by(Region.name_en))),
        "sectors": list(db.session.scalars(
            sa.select(Sector).where(Sector.is_active).order_by(Sector.name_en))),
        "courses": courses,
        "years": sorted({c.fiscal_year for c in courses if c.fiscal_year}, reverse=True),
        "program_types": list(ProgramType),
    }
