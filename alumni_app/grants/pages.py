"""What the grant pages show: lists, timelines and choices, each scoped by the policy."""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from flask_babel import get_locale

from alumni_app.extensions import db
from alumni_app.grants import policy
from alumni_app.grants.models import (
    ApplicationVersion,
    GrantApplication,
    GrantCall,
    GrantEvent,
    TeamMember,
    TeamState,
)
from alumni_app.grants.review_models import Review, ReviewState
from alumni_app.grants.work import my_reviews_query
from alumni_app.pagination import paginate
from alumni_app.plans.models import ActionPlan
from alumni_app.training.models import Participation, Region

SORTS = {
    "submitted": GrantApplication.submitted_at, "title": GrantApplication.title,
    "amount": GrantApplication.requested_amount, "state": GrantApplication.state,
}


def calls_for(user, own_office_id: int | None, page: int, per_page: int):
    query = policy.visible_calls(sa.select(GrantCall), user, own_office_id)
    return paginate(query.order_by(GrantCall.closes_at.desc(), GrantCall.id.desc()), page,
                    per_page)


def own_applications(user) -> list[GrantApplication]:
    return list(db.session.scalars(
        sa.select(GrantApplication).where(GrantApplication.applicant_id == user.id)
        .order_by(GrantApplication.id.desc())))


def own_invitations(user) -> list[TeamMember]:
    """Teams the alumnus was asked to join (not yet declined)."""
    return list(db.session.scalars(
        sa.select(TeamMember).where(TeamMember.user_id == user.id,
                                    TeamMember.state != TeamState.DECLINED.value)
        .order_by(TeamMember.id.desc())))


def call_applications(call: GrantCall, state: str | None, sort: str, page: int,
                      per_page: int):
    """A call's applications for its office's staff; drafts are the applicants' own."""
    query = sa.select(GrantApplication).where(GrantApplication.call_id == call.id,
                                              GrantApplication.submitted_at.is_not(None))
    if state:
        query = query.where(GrantApplication.state == state)
    column = SORTS.get(sort.lstrip("-"), GrantApplication.submitted_at)
    order = column.desc() if sort.startswith("-") else column.asc()
    return paginate(query.order_by(order.nulls_last(), GrantApplication.id), page, per_page)


def my_reviews(user, *, overdue: bool = False) -> list[Review]:
    """The reviewer's assignments on applications still under review, oldest first (only
    those assigned over REVIEW_OVERDUE_DAYS ago when `overdue`).

    Only those of the office the reviewer works for now: one moved to another office keeps
    no view of the old office's applications."""
    ids = my_reviews_query(user, overdue=overdue)
    return list(db.session.scalars(sa.select(Review).where(Review.id.in_(ids))
                                   .order_by(Review.assigned_at)))


def timeline(application: GrantApplication, *, internal: bool) -> list[GrantEvent]:
    query = sa.select(GrantEvent).where(GrantEvent.application_id == application.id)
    if not internal:
        query = query.where(GrantEvent.is_internal.is_(False))
    return list(db.session.scalars(query.order_by(GrantEvent.id)))


def call_events(call: GrantCall) -> list[GrantEvent]:
    return list(db.session.scalars(sa.select(GrantEvent).where(
        GrantEvent.call_id == call.id, GrantEvent.application_id.is_(None))
        .order_by(GrantEvent.id)))


def region_choices(office_id: int) -> list[tuple[int, str]]:
    locale = str(get_locale())
    regions = db.session.scalars(sa.select(Region).where(
        Region.office_id == office_id, Region.is_active).order_by(Region.name_en))
    return [(r.id, r.name(locale)) for r in regions]


def plan_choices(application: GrantApplication) -> list[tuple[int, str]]:
    """The applicant's own action plans (of their record's courses)."""
    plans = db.session.scalars(
        sa.select(ActionPlan).join(Participation, Participation.id == ActionPlan.participation_id)
        .where(Participation.record_id == application.record_id).order_by(ActionPlan.id))
    return [(p.id, p.title) for p in plans]


def region_name(region_id: int | None) -> str:
    region = db.session.get(Region, region_id) if region_id else None
    return region.name(str(get_locale())) if region else ""


def plan_of(application: GrantApplication) -> ActionPlan | None:
    return db.session.get(ActionPlan, application.plan_id) if application.plan_id else None


def team_sectors(application: GrantApplication) -> tuple[bool, list[str]]:
    """Whether the confirmed team spans sectors (no sector shared by all), and their names."""
    from alumni_app.alumni.models import AlumnusRecord

    record_ids = [application.record_id] + [m.record_id for m in application.team
                                            if m.state == TeamState.CONFIRMED.value]
    records = db.session.scalars(sa.select(AlumnusRecord).where(
        AlumnusRecord.id.in_(record_ids))).all()
    sets = [frozenset(s.id for s in r.sectors) for r in records if r.sectors]
    locale = str(get_locale())
    names = sorted({s.name(locale) for r in records for s in r.sectors})
    cross = len(sets) >= 2 and not frozenset.intersection(*sets)
    return cross, names


def version_data(version) -> dict:
    return json.loads(version.snapshot)


def scored_proposal(application: GrantApplication, number: int | None) -> dict | None:
    """The submitted version a reviewer scores (`number`, else the latest), ready to show:
    what it said when submitted, not what the applicant may be revising now."""
    versions = sa.select(ApplicationVersion).where(
        ApplicationVersion.application_id == application.id)
    version = db.session.scalar(versions.where(ApplicationVersion.number == number)) if (
        number) else None
    version = version or db.session.scalar(
        versions.order_by(ApplicationVersion.number.desc()).limit(1))
    if version is None:
        return None
    data = version_data(version)
    days = {key: date.fromisoformat(data[key]) if data.get(key) else None
            for key in ("starts_on", "ends_on")}
    return {**data, **days, "number": version.number, "submitted_at": version.submitted_at}


def moves(application: GrantApplication) -> list:
    from alumni_app.grants.money_models import Reallocation

    return list(db.session.scalars(sa.select(Reallocation).filter_by(
        application_id=application.id).order_by(Reallocation.id)))


def reviews_done(application_ids: list[int]) -> dict[int, int]:
    """Submitted reviews per application, for a list page (one query)."""
    if not application_ids:
        return {}
    rows = db.session.execute(
        sa.select(Review.application_id, sa.func.count())
        .where(Review.application_id.in_(application_ids),
               Review.state == ReviewState.SUBMITTED.value)
        .group_by(Review.application_id))
    return dict(rows.all())
