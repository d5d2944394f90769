"""The populations the figures count, with the page's scope and filters applied in SQL.

Every query for office data goes through `Scope.restrict` (permissions.scope_to_office, then
the office chosen). Each function returns a select() to group or count; nothing here loops
over rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from alumni_app.alumni.models import AlumnusRecord, record_sectors
from alumni_app.grants.models import GrantApplication, GrantCall
from alumni_app.permissions import scope_to_office
from alumni_app.reports.filters import Filters
from alumni_app.reports.rules import fiscal_year_bounds
from alumni_app.training.models import Course, Participation

# Converted sums: wide enough for an amount times a rate; read back as Decimal.
RATE_TYPE = sa.Numeric(30, 8)


@dataclass(frozen=True)
class Scope:
    """Whose figures: the user's reach, narrowed to one office (None: every office).

    `user` None is a task building a report its requester was allowed to ask for (the route
    checked access when it was asked): only the office narrows it then.
    """

    user: object
    office_id: int | None

    def restrict(self, query: sa.Select, office_column) -> sa.Select:
        if self.user is not None:
            query = scope_to_office(query, office_column, self.user)
        if self.office_id is not None:
            query = query.where(office_column == self.office_id)
        return query


class month_of(FunctionElement):  # noqa: N801 - reads as an SQL function
    """The first day of the month of a date or a (UTC) time: the key of a monthly rate."""

    type = sa.Date()
    name = "month_of"
    inherit_cache = True


@compiles(month_of)
def _month_on_postgresql(element, compiler, **kw) -> str:
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(month_of, "sqlite")
def _month_on_sqlite(element, compiler, **kw) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


def _between_years(column, filters: Filters):
    """`column` (a fiscal year) within the period."""
    conditions = []
    if filters.fy_from is not None:
        conditions.append(column >= filters.fy_from)
    if filters.fy_to is not None:
        conditions.append(column <= filters.fy_to)
    return conditions


def period_bounds(filters: Filters, *, moment: bool = False) -> tuple:
    """(first day, day after) of the period's fiscal years, each None when that end is open;
    UTC midnights when `moment`."""
    start, end = fiscal_year_bounds(filters.fy_from or 1900, filters.fy_to or 2200)
    if moment:
        start, end = (datetime(d.year, d.month, d.day, tzinfo=UTC) for d in (start, end))
    return (start if filters.fy_from is not None else None,
            end if filters.fy_to is not None else None)


def flag(condition):
    """1 where `condition` holds, else 0: a column to sum or to test once it is computed."""
    return sa.case((condition, 1), else_=0)


def within_period(column, filters: Filters, *, moment: bool = False):
    """`column` (a date, or a UTC time when `moment`) within the period's fiscal years."""
    start, end = period_bounds(filters, moment=moment)
    return [*([column >= start] if start is not None else []),
            *([column < end] if end is not None else [])]


def course_conditions(filters: Filters) -> list:
    """The filters that keep or drop a whole course: period, sector, program type."""
    conditions = _between_years(Course.fiscal_year, filters)
    if filters.sector_id is not None:
        conditions.append(Course.sector_id == filters.sector_id)
    if filters.program_type is not None:
        conditions.append(Course.program_type == filters.program_type)
    return conditions


def in_region(filters: Filters):
    """The person filter (the record's region); None when no region is chosen."""
    if filters.region_id is None:
        return None
    return AlumnusRecord.region_id == filters.region_id


def participations(scope: Scope, filters: Filters, *columns, people: bool = True,
                   courses_in_period: bool = True) -> sa.Select:
    """Courses taken by ex-participants in scope, filtered.

    `people=False` keeps every region (for disclosure); `courses_in_period=False` keeps
    courses of any fiscal year (the caller applies the period to something else).
    """
    if not courses_in_period:
        filters = replace(filters, fy_from=None, fy_to=None)
    query = (sa.select(*columns).select_from(Participation)
             .join(AlumnusRecord, AlumnusRecord.id == Participation.record_id)
             .join(Course, Course.id == Participation.course_id)
             .where(AlumnusRecord.merged_into_id.is_(None), *course_conditions(filters)))
    region = in_region(filters)
    if people and region is not None:
        query = query.where(region)
    return scope.restrict(query, AlumnusRecord.office_id)


TOTAL = sa.literal_column("0")  # the key of a page total: inline, never grouped by


def unit_counts(scope: Scope, filters: Filters, key, joined,
                courses_in_period: bool = True) -> sa.Select:
    """People per (key, course, office), inside and outside the region filter, for disclosure.

    `joined(query)` adds the joins and conditions that make a person count (a plan written,
    barriers reported ...); `key` is the row the unit counts in (TOTAL for a page total).
    """
    person = sa.distinct(Participation.record_id)
    region = in_region(filters)
    if region is None:
        counts = [sa.func.count(person), sa.literal(0)]
    else:
        counts = [sa.func.count(person).filter(region),
                  sa.func.count(person).filter(sa.or_(sa.not_(region),
                                                      AlumnusRecord.region_id.is_(None)))]
    query = joined(participations(scope, filters, key, *counts, people=False,
                                  courses_in_period=courses_in_period))
    return query.group_by(*([] if key is TOTAL else [key]), Course.id, AlumnusRecord.office_id)




def calls(scope: Scope, filters: Filters, *columns) -> sa.Select:
    """Calls of the offices in scope that opened in the period."""
    query = sa.select(*columns).select_from(GrantCall).where(
        *within_period(GrantCall.opens_at, filters, moment=True))
    return scope.restrict(query, GrantCall.office_id)


def applications(scope: Scope, filters: Filters, *columns) -> sa.Select:
    """Applications (not drafts) to those calls, of the region and the applicant's sector."""
    query = calls(scope, filters, *columns).join(
        GrantApplication, GrantApplication.call_id == GrantCall.id).where(
        GrantApplication.state != "draft")
    if filters.region_id is not None:
        query = query.where(GrantApplication.region_id == filters.region_id)
    if filters.sector_id is not None:
        query = query.where(sa.exists().where(
            record_sectors.c.record_id == GrantApplication.record_id,
            record_sectors.c.sector_id == filters.sector_id))
    return query


def cells(model, scope: Scope, filters: Filters, *columns, people: bool = True) -> sa.Select:
    """Training, plan or author cells of the offices in scope, of the courses filtered."""
    query = (sa.select(*columns).select_from(model)
             .join(Course, Course.id == model.course_id)
             .where(*course_conditions(filters)))
    if people and filters.region_id is not None:
        query = query.where(model.region_id == filters.region_id)
    return scope.restrict(query, model.office_id)


def cell_units(model, measure, scope: Scope, filters: Filters, key=TOTAL) -> sa.Select:
    """People per (key, course, office) in `measure` of `model`'s cells, inside and outside
    the region filter: the disclosure rule's units (rules.withheld_keys)."""
    if filters.region_id is None:
        counts = [sa.func.sum(measure), sa.literal(0)]
    else:
        inside = model.region_id == filters.region_id
        counts = [sa.func.coalesce(sa.func.sum(measure).filter(inside), 0),
                  sa.func.coalesce(sa.func.sum(measure).filter(
                      sa.or_(sa.not_(inside), model.region_id.is_(None))), 0)]
    query = cells(model, scope, filters, key, *counts, people=False)
    return query.group_by(*([] if key is TOTAL else [key]), model.course_id, model.office_id)


def activity_cells(model, scope: Scope, filters: Filters, *columns) -> sa.Select:
    """Activity cells of the offices in scope: held in the period, sector, region, program."""
    query = sa.select(*columns).select_from(model).where(
        *_between_years(model.fiscal_year, filters))
    if filters.sector_id is not None:
        query = query.where(model.sector_id == filters.sector_id)
    if filters.region_id is not None:
        query = query.where(model.region_id == filters.region_id)
    if filters.program_type is not None:
        query = query.where(model.course_id.in_(
            sa.select(Course.id).where(Course.program_type == filters.program_type)))
    return scope.restrict(query, model.office_id)
