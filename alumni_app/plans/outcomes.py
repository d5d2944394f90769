"""Outcomes by course: plans, their status, barriers, activities, people reached; no names.

Counted over the ex-participant records the user may see (their office's; admins: all), so an
office can send its table to the course's host institution in Japan.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
import xlsxwriter
from flask_babel import gettext as _

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.permissions import scope_to_office
from alumni_app.plans.models import (
    PLAN_STATUSES,
    ActionPlan,
    Activity,
    Barrier,
    ProgressUpdate,
    update_barriers,
)
from alumni_app.training.labels import program_type_label
from alumni_app.training.models import PROGRAM_TYPE_VALUES, Course, Participation


@dataclass
class CourseOutcome:
    course: Course
    participants: int = 0
    plans: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    barriers: dict[int, int] = field(default_factory=dict)
    activities: int = 0
    reached: int = 0

    @property
    def reached_per_participant(self) -> Decimal:
        if not self.participants:
            return Decimal("0.0")
        return (Decimal(self.reached) / self.participants).quantize(Decimal("0.1"),
                                                                    ROUND_HALF_UP)


def _scoped(query: sa.Select, user) -> sa.Select:
    return scope_to_office(query, AlumnusRecord.office_id, user)


def courses_query(user, program_type: str | None, year: int | None) -> sa.Select:
    """Courses taken by at least one ex-participant the user may see, newest first."""
    seen = _scoped(sa.select(Participation.course_id).join(
        AlumnusRecord, AlumnusRecord.id == Participation.record_id), user)
    query = sa.select(Course).where(Course.id.in_(seen))
    if program_type in PROGRAM_TYPE_VALUES:
        query = query.where(Course.program_type == program_type)
    if year is not None:
        query = query.where(Course.fiscal_year == year)
    return query.order_by(Course.start_on.desc().nulls_last(), Course.code)


def _base(columns, user, course_ids) -> sa.Select:
    return _scoped(
        sa.select(Participation.course_id, *columns)
        .join(AlumnusRecord, AlumnusRecord.id == Participation.record_id)
        .where(Participation.course_id.in_(course_ids)), user)


def outcomes(user, courses: list[Course]) -> list[CourseOutcome]:
    """The figures of each course, in the order given."""
    rows = {c.id: CourseOutcome(c) for c in courses}
    ids = list(rows)
    participants = _base([sa.func.count(Participation.id)], user, ids)
    for course_id, n in db.session.execute(participants.group_by(Participation.course_id)):
        rows[course_id].participants = n
    with_plans = _base([ActionPlan.status, sa.func.count(ActionPlan.id)], user, ids).join(
        ActionPlan, ActionPlan.participation_id == Participation.id)
    for course_id, status, n in db.session.execute(
            with_plans.group_by(Participation.course_id, ActionPlan.status)):
        rows[course_id].by_status[status] = n
        rows[course_id].plans += n
    reported = _base([update_barriers.c.barrier_id, sa.func.count()], user, ids).join(
        ActionPlan, ActionPlan.participation_id == Participation.id).join(
        ProgressUpdate, ProgressUpdate.plan_id == ActionPlan.id).join(
        update_barriers, update_barriers.c.update_id == ProgressUpdate.id)
    for course_id, barrier_id, n in db.session.execute(
            reported.group_by(Participation.course_id, update_barriers.c.barrier_id)):
        rows[course_id].barriers[barrier_id] = n
    activities = _base([sa.func.count(Activity.id), sa.func.coalesce(sa.func.sum(
        Activity.total), 0)], user, ids).join(
        Activity, Activity.participation_id == Participation.id)
    for course_id, n, reached in db.session.execute(
            activities.group_by(Participation.course_id)):
        rows[course_id].activities, rows[course_id].reached = n, int(reached)
    return list(rows.values())


def barrier_names(locale: str) -> dict[int, str]:
    return {b.id: b.name(locale) for b in db.session.scalars(
        sa.select(Barrier).order_by(Barrier.id))}


def fiscal_years(user) -> list[int]:
    query = _scoped(sa.select(Course.fiscal_year).join(
        Participation, Participation.course_id == Course.id).join(
        AlumnusRecord, AlumnusRecord.id == Participation.record_id), user)
    return list(db.session.scalars(query.where(Course.fiscal_year.is_not(None)).distinct()
                                   .order_by(Course.fiscal_year.desc())))


def xlsx(rows: list[CourseOutcome], barriers: dict[int, str], status_labels: dict) -> bytes:
    """The outcome table as an XLSX workbook (one row per course, no names)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(_("Outcomes")[:31])
    bold = workbook.add_format({"bold": True})
    header = [_("Course number or code"), _("Title"), _("Program type"), _("Fiscal year"),
              _("Host institution in Japan"), _("Ex-participants"), _("Action plans"),
              *[str(status_labels[s]) for s in PLAN_STATUSES], _("Activities"),
              _("People reached"), _("People reached per ex-participant"),
              *[_("Barrier: %(name)s", name=name) for name in barriers.values()]]
    sheet.write_row(0, 0, header, bold)
    for index, row in enumerate(rows, start=1):
        c = row.course
        sheet.write_row(index, 0, [
            c.code, c.title, program_type_label(c.program_type), c.fiscal_year or "",
            c.host_institution, row.participants, row.plans,
            *[row.by_status.get(s, 0) for s in PLAN_STATUSES], row.activities, row.reached,
            float(row.reached_per_participant),
            *[row.barriers.get(b, 0) for b in barriers]])
    sheet.freeze_panes(1, 2)
    workbook.close()
    return buffer.getvalue()


def totals(rows: list[CourseOutcome]) -> dict:
    summed: dict = defaultdict(int)
    for row in rows:
        for name in ("participants", "plans", "activities", "reached"):
            summed[name] += getattr(row, name)
    return dict(summed)
