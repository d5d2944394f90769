"""The staff follow-up queue: plans with a check-in overdue, milestones late, or asking for help."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.forms import positive_int
from alumni_app.permissions import scope_to_office
from alumni_app.plans import checkins
from alumni_app.plans.models import (
    FINISHED_MILESTONE_STATES,
    OPEN_STATUSES,
    ActionPlan,
    Barrier,
    Milestone,
    ProgressUpdate,
    update_barriers,
)
from alumni_app.plans.policy import visible_to
from alumni_app.training.models import Course, Participation, Region, Sector

SHOW = ("attention", "check_ins", "milestones", "support", "all")


@dataclass
class Filters:
    show: str = "attention"
    sector_id: int | None = None
    region_id: int | None = None
    course_id: int | None = None
    year: int | None = None
    sort: str = "due"

    @classmethod
    def from_args(cls, args) -> Filters:
        def number(name: str) -> int | None:
            return positive_int(args.get(name))

        show = args.get("show", "attention")
        sort = args.get("sort", "due")
        return cls(show if show in SHOW else "attention", number("sector"), number("region"),
                   number("course"), number("year"),
                   sort if sort.lstrip("-") in SORTS else "due")


def _joined(query: sa.Select) -> sa.Select:
    return (query.select_from(ActionPlan)
            .join(Participation, Participation.id == ActionPlan.participation_id)
            .join(Course, Course.id == Participation.course_id)
            .join(AlumnusRecord, AlumnusRecord.id == Participation.record_id))


def _filtered(query: sa.Select, filters: Filters, user) -> sa.Select:
    query = visible_to(query, user)
    for value, column in ((filters.sector_id, Course.sector_id),
                          (filters.region_id, AlumnusRecord.region_id),
                          (filters.course_id, Course.id), (filters.year, Course.fiscal_year)):
        if value is not None:
            query = query.where(column == value)
    return query


def _late(today: date) -> list:
    return [Milestone.plan_id == ActionPlan.id, Milestone.target_on < today,
            Milestone.state.not_in(FINISHED_MILESTONE_STATES)]


def _late_count(today: date):
    return (sa.select(sa.func.count(Milestone.id)).where(*_late(today))
            .correlate(ActionPlan).scalar_subquery())


SORTS = {
    "due": Course.end_on,
    "course": Course.code,
    "name": AlumnusRecord.family_name,
    "updated": ActionPlan.last_update_at,
    "title": ActionPlan.title,
}


def _conditions(today: date) -> dict:
    return {"check_ins": checkins.overdue_month_sql(today).is_not(None),
            "milestones": sa.exists().where(*_late(today)).correlate(ActionPlan),
            "support": ActionPlan.needs_support}


def _in_queue(query: sa.Select, filters: Filters, user, today: date) -> sa.Select:
    """Keep the open plans that `filters` (what to show, sector, region ...) let through."""
    conditions = _conditions(today)
    query = query.where(ActionPlan.status.in_(OPEN_STATUSES))
    if filters.show in conditions:
        query = query.where(conditions[filters.show])
    elif filters.show == "attention":
        query = query.where(sa.or_(*conditions.values()))
    return _filtered(query, filters, user)


def queue(user, filters: Filters, today: date) -> sa.Select:
    """Rows for the queue: the plan, its alumnus and course, its check-in due (and whether
    overdue), late count."""
    query = _joined(sa.select(
        ActionPlan.id, ActionPlan.title, ActionPlan.status, ActionPlan.needs_support,
        ActionPlan.last_update_at, AlumnusRecord.id.label("record_id"),
        AlumnusRecord.given_name, AlumnusRecord.family_name, AlumnusRecord.given_name_cyr,
        AlumnusRecord.family_name_cyr, Course.code, Course.end_on,
        checkins.due_month_sql(today).label("due_month"),
        checkins.overdue_month_sql(today).label("overdue_month"),
        _late_count(today).label("late_milestones"),
    ))
    column = SORTS[filters.sort.lstrip("-")]
    order = (column.desc().nulls_last() if filters.sort.startswith("-")
             else column.asc().nulls_first())
    return _in_queue(query, filters, user, today).order_by(order, ActionPlan.id)


def frequent_barriers(user, filters: Filters, today: date,
                      limit: int = 6) -> list[tuple[Barrier, int]]:
    """The barriers reported most often on the plans the queue shows (same filters)."""
    count = sa.func.count(update_barriers.c.update_id).label("n")
    query = (
        _joined(sa.select(Barrier, count))
        .join(ProgressUpdate, ProgressUpdate.plan_id == ActionPlan.id)
        .join(update_barriers, update_barriers.c.update_id == ProgressUpdate.id)
        .join(Barrier, Barrier.id == update_barriers.c.barrier_id))
    query = _in_queue(query, filters, user, today).group_by(Barrier.id).order_by(
        count.desc(), Barrier.id)
    return [(row[0], row[1]) for row in db.session.execute(query.limit(limit))]


def filter_choices(user, locale: str) -> dict:
    """Options of the queue's filters, limited to what the user's office has."""
    sectors = db.session.scalars(sa.select(Sector).order_by(Sector.name_en))
    regions = db.session.scalars(scope_to_office(sa.select(Region), Region.office_id, user)
                                 .order_by(Region.name_en))
    courses = db.session.execute(_filtered(_joined(
        sa.select(Course.id, Course.code, Course.title)), Filters(), user).distinct()
        .order_by(Course.code)).all()
    years = db.session.scalars(_filtered(_joined(sa.select(Course.fiscal_year)), Filters(), user)
                               .where(Course.fiscal_year.is_not(None)).distinct()
                               .order_by(Course.fiscal_year.desc())).all()
    return {"sectors": [(s.id, s.name(locale)) for s in sectors],
            "regions": [(r.id, r.name(locale)) for r in regions],
            "courses": [(c.id, f"{c.code} · {c.title}") for c in courses], "years": years}


def counts(user, today: date) -> sa.Select:
    """How many plans the queue lists for each of "check_ins", "milestones" and "support" (what
    the dashboard shows), in one pass over the open plans."""
    columns = [sa.func.count(ActionPlan.id).filter(condition).label(show)
               for show, condition in _conditions(today).items()]
    return _filtered(_joined(sa.select(*columns)).where(ActionPlan.status.in_(OPEN_STATUSES)),
                     Filters(), user)


def overdue_check_in(today: date):
    """SQL: the month of the check-in overdue on a plan (None: nothing overdue)."""
    return checkins.overdue_month_sql(today)
