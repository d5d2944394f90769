"""Outcomes by course, program type or fiscal year: plans, status, barriers, activities, reach.

Counted over the ex-participant records the user may see (their office's; admins: all), so an
office can send its table to the course's host institution in Japan. No names, and disclosure
control on how the plans stand and the barriers reported:

- a course shows its plans' status breakdown only if they were written by no one or by at least
  SMALL_GROUP ex-participants (a course of five people with one plan would show that plan), and
  its barrier breakdown only if, besides, no one or at least SMALL_GROUP of them reported
  barriers;
- a program type, a fiscal year or the total (any aggregate of courses) shows a breakdown only if
  every course it counts shows it. Otherwise the aggregate minus the courses shown, on this page
  or another grouping, filter or page of the table, would give the withheld course's figures.
  So every breakdown shown is a sum of breakdowns shown for courses.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
import xlsxwriter
from flask_babel import gettext as _
from flask_babel import ngettext

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.permissions import scope_to_office
from alumni_app.plans.models import (
    AGE_BANDS,
    ORG_KINDS,
    PLAN_STATUSES,
    ActionPlan,
    Activity,
    Barrier,
    ProgressUpdate,
    update_barriers,
)
from alumni_app.training.labels import program_type_label
from alumni_app.training.models import PROGRAM_TYPE_VALUES, Course, Participation

SMALL_GROUP = 3  # fewer ex-participants with plans (or reporting barriers): no breakdown
GROUPS = ("course", "program_type", "fiscal_year")
BREAKDOWN = ("women", "men", *AGE_BANDS, *ORG_KINDS)
WITHHELD = "—"
# Excel must show what people typed: "=HYPERLINK(...)" in a course title stays text.
WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False}


@dataclass
class Outcome:
    """The figures of one row: a course, a program type, a fiscal year, or all of them."""

    key: object = None
    course: Course | None = None
    participants: int = 0
    plans: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    barriers: dict[int, int] = field(default_factory=dict)
    activities: int = 0
    reached: int = 0
    reach: dict[str, int] = field(default_factory=dict)  # people reached, by BREAKDOWN
    # Set when the row, or a course it counts, has plans of too few people to show how they
    # stand (or too few reporting barriers to show the barriers) without pointing at someone.
    status_withheld: bool = False
    barriers_withheld: bool = False

    @property
    def reached_per_participant(self) -> Decimal:
        if not self.participants:
            return Decimal("0.0")
        return (Decimal(self.reached) / self.participants).quantize(Decimal("0.1"),
                                                                    ROUND_HALF_UP)


CourseOutcome = Outcome  # the name it had when there were only courses


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


# The totals row's key: a constant rendered inline (no untyped parameter), never grouped by.
TOTAL = sa.literal_column("0")


def _key_column(group: str | None):
    columns = {"course": Course.id, "program_type": Course.program_type,
               "fiscal_year": Course.fiscal_year}
    return columns.get(group, TOTAL)


def _base(key, columns, user, course_ids) -> sa.Select:
    return _scoped(
        sa.select(key, *columns).select_from(Participation)
        .join(AlumnusRecord, AlumnusRecord.id == Participation.record_id)
        .join(Course, Course.id == Participation.course_id)
        .where(Participation.course_id.in_(course_ids)), user)


def _grouped(query: sa.Select, key, *more) -> sa.Select:
    return query.group_by(*([] if key is TOTAL else [key]), *more)


def _collect(user, course_ids, group: str | None, rows: dict) -> None:
    """Fill `rows` (key -> Outcome) with the figures of the courses `course_ids`, by `group`."""
    key = _key_column(group)

    def row(value) -> Outcome:
        return rows.setdefault(value, Outcome(value))

    participants = _base(key, [sa.func.count(sa.distinct(Participation.record_id))], user,
                         course_ids)
    for value, n in db.session.execute(_grouped(participants, key)):
        row(value).participants = n
    with_plans = _base(key, [ActionPlan.status, sa.func.count(ActionPlan.id)], user,
                       course_ids).join(ActionPlan, ActionPlan.participation_id == Participation.id)
    for value, status, n in db.session.execute(_grouped(with_plans, key, ActionPlan.status)):
        row(value).by_status[status] = n
        row(value).plans += n
    reported = _base(key, [update_barriers.c.barrier_id, sa.func.count()], user,
                     course_ids).join(
        ActionPlan, ActionPlan.participation_id == Participation.id).join(
        ProgressUpdate, ProgressUpdate.plan_id == ActionPlan.id).join(
        update_barriers, update_barriers.c.update_id == ProgressUpdate.id)
    for value, barrier_id, n in db.session.execute(
            _grouped(reported, key, update_barriers.c.barrier_id)):
        row(value).barriers[barrier_id] = n
    _control(user, course_ids, key, row)
    sums = [sa.func.coalesce(sa.func.sum(getattr(Activity, name)), 0)
            for name in ("total", *BREAKDOWN)]
    activities = _base(key, [sa.func.count(Activity.id), *sums], user, course_ids).join(
        Activity, Activity.participation_id == Participation.id)
    for value, n, reached, *parts in db.session.execute(_grouped(activities, key)):
        row(value).activities, row(value).reached = n, int(reached)
        row(value).reach = {name: int(v) for name, v in zip(BREAKDOWN, parts, strict=True)}


def _control(user, course_ids, key, row) -> None:
    """Withhold the breakdowns of every row counting a course with too few people in them.

    Per course (and row key): the people who wrote its plans, and those of them who reported
    barriers. A course with none is not withheld: it adds nothing to its rows' breakdowns.
    """
    people = sa.func.count(sa.distinct(Participation.record_id))
    authors = _base(key, [Course.id, people], user, course_ids).join(
        ActionPlan, ActionPlan.participation_id == Participation.id)
    for value, _course, n in db.session.execute(_grouped(authors, key, Course.id)):
        if n < SMALL_GROUP:
            row(value).status_withheld = row(value).barriers_withheld = True
    reporters = authors.join(ProgressUpdate, ProgressUpdate.plan_id == ActionPlan.id).join(
        update_barriers, update_barriers.c.update_id == ProgressUpdate.id)
    for value, _course, n in db.session.execute(_grouped(reporters, key, Course.id)):
        if n < SMALL_GROUP:
            row(value).barriers_withheld = True


def outcomes(user, courses: list[Course]) -> list[Outcome]:
    """The figures of each course, in the order given."""
    rows = {c.id: Outcome(c.id, c) for c in courses}
    if rows:
        _collect(user, list(rows), "course", rows)
    return list(rows.values())


def _course_ids(user, program_type: str | None, year: int | None) -> sa.Select:
    return courses_query(user, program_type, year).with_only_columns(Course.id).order_by(None)


def grouped(user, program_type: str | None, year: int | None, group: str) -> list[Outcome]:
    """The figures summed per program type or per fiscal year (newest first, none last)."""
    rows: dict = {}
    _collect(user, _course_ids(user, program_type, year), group, rows)
    if group == "program_type":
        order = {value: index for index, value in enumerate(PROGRAM_TYPE_VALUES)}
        return sorted(rows.values(), key=lambda r: order.get(r.key, len(order)))
    return sorted(rows.values(), key=lambda r: (r.key is None, -(r.key or 0)))


def total(user, program_type: str | None, year: int | None) -> Outcome:
    """The figures of every course matching the filters together (people counted once)."""
    rows: dict = {}
    _collect(user, _course_ids(user, program_type, year), None, rows)
    return next(iter(rows.values()), Outcome())


def barrier_names(locale: str) -> dict[int, str]:
    return {b.id: b.name(locale) for b in db.session.scalars(
        sa.select(Barrier).order_by(Barrier.id))}


def fiscal_years(user) -> list[int]:
    query = _scoped(sa.select(Course.fiscal_year).join(
        Participation, Participation.course_id == Course.id).join(
        AlumnusRecord, AlumnusRecord.id == Participation.record_id), user)
    return list(db.session.scalars(query.where(Course.fiscal_year.is_not(None)).distinct()
                                   .order_by(Course.fiscal_year.desc())))


def group_label(row: Outcome, group: str) -> str:
    """What a row is about: a course, a program type or a fiscal year."""
    if group == "course" and row.course is not None:
        return f"{row.course.code} · {row.course.title}"
    if group == "program_type":
        return program_type_label(row.key)
    return str(row.key) if row.key is not None else _("No fiscal year")


def _headers(group: str, barriers: dict[int, str], status_labels: dict,
             reach_labels: dict) -> list[str]:
    first = {"course": [_("Course number or code"), _("Title"), _("Program type"),
                        _("Fiscal year"), _("Host institution in Japan")],
             "program_type": [_("Program type")], "fiscal_year": [_("Fiscal year")]}[group]
    return [*first, _("Ex-participants"), _("Action plans"),
            *[str(status_labels[s]) for s in PLAN_STATUSES], _("Activities"),
            _("People reached"), *[_("People reached: %(part)s", part=reach_labels[n])
                                   for n in BREAKDOWN],
            _("People reached per ex-participant"),
            *[_("Barrier: %(name)s", name=name) for name in barriers.values()]]


def _cells(row: Outcome, group: str, barriers: dict[int, str], label: str | None) -> list:
    if label is not None:
        first = [label, *([""] * 4 if group == "course" else [])]
    elif group == "course":
        c = row.course
        first = [c.code, c.title, program_type_label(c.program_type), c.fiscal_year or "",
                 c.host_institution]
    elif group == "fiscal_year" and row.key is not None:
        first = [row.key]
    else:
        first = [group_label(row, group)]

    status = [WITHHELD if row.status_withheld else row.by_status.get(s, 0)
              for s in PLAN_STATUSES]
    reported = [WITHHELD if row.barriers_withheld else row.barriers.get(b, 0) for b in barriers]
    return [*first, row.participants, row.plans, *status, row.activities, row.reached,
            *[row.reach.get(n, 0) for n in BREAKDOWN], float(row.reached_per_participant),
            *reported]


def xlsx(rows: list[Outcome], barriers: dict[int, str], status_labels: dict,
         reach_labels: dict, group: str = "course", totals: Outcome | None = None) -> bytes:
    """The outcome table as an XLSX workbook: one row per course (or group), a totals row."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    sheet = workbook.add_worksheet(_("Outcomes")[:31])
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, _headers(group, barriers, status_labels, reach_labels), bold)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, _cells(row, group, barriers, None))
    last = len(rows)
    if rows and totals is not None:
        last += 1
        sheet.write_row(last, 0, _cells(totals, group, barriers, _("Total")), bold)
    if rows:  # the rule, whether or not it withheld anything here
        sheet.write(last + 2, 0, withheld_note())
    sheet.freeze_panes(1, 2 if group == "course" else 1)
    workbook.close()
    return buffer.getvalue()


def withheld_note() -> str:
    """The disclosure rule, as the page and the download state it."""
    return ngettext(
        "%(mark)s: not shown, so that no one can be recognised. How the plans stand is shown "
        "only where they were written by at least %(num)s ex-participant, and the barriers "
        "only where at least %(num)s of them reported barriers. A program type, a fiscal year "
        "or the total that counts a course where they are not shown does not show them either, "
        "so that they cannot be worked out by subtraction.",
        "%(mark)s: not shown, so that no one can be recognised. How the plans stand is shown "
        "only where they were written by at least %(num)s ex-participants, and the barriers "
        "only where at least %(num)s of them reported barriers. A program type, a fiscal year "
        "or the total that counts a course where they are not shown does not show them either, "
        "so that they cannot be worked out by subtraction.",
        SMALL_GROUP, mark=WITHHELD)
