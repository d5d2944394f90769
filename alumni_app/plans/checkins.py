"""Check-ins: when they fall due after a course ends (CHECKIN_MONTHS), and their state.

Nothing about "due" is stored: it follows from the course's end date and the schedule, so a
corrected end date or a changed schedule moves every check-in. Only the answers are stored
(progress updates with their check-in month).

One rule, used by the plan's page, the office's follow-up queue and the reminder e-mails:
- a check-in is *due* from its date (course end + its months); the latest one due is the one
  to answer now, earlier unanswered ones are missed (they can still be answered);
- the latest one is *overdue* once CHECKIN_GRACE_DAYS have passed unanswered since it fell
  due, or since the plan was written if that was later: a plan written today for a course
  that ended a year ago owes its 12-month check-in, but is not late with it.
The alumnus is reminded when a check-in falls due; the office follows up when it is overdue.
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from alumni_app.plans.models import ActionPlan, ProgressUpdate
from alumni_app.training.models import Course

DEFAULT_SCHEDULE = (3, 6, 12, 24)
DEFAULT_GRACE_DAYS = 30


class CheckInState(enum.StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"  # due, unanswered, and the latest one due: the one to answer now
    OVERDUE = "overdue"  # the one to answer now, unanswered past its grace period
    MISSED = "missed"  # due and unanswered, but a later one is due too
    ANSWERED = "answered"


@dataclass(frozen=True)
class CheckIn:
    month: int
    due_on: date
    state: CheckInState
    update_id: int | None = None
    overdue_on: date | None = None  # the first day it is late (the one to answer now)

    @property
    def can_answer(self) -> bool:
        return self.state in (CheckInState.OPEN, CheckInState.OVERDUE, CheckInState.MISSED)

    @property
    def answer_by(self) -> date | None:
        return self.overdue_on - timedelta(days=1) if self.overdue_on else None


def schedule() -> tuple[int, ...]:
    """The months after the course end at which check-ins fall due, ascending."""
    months = current_app.config.get("CHECKIN_MONTHS") or DEFAULT_SCHEDULE
    return tuple(sorted({int(m) for m in months if int(m) > 0}))


def grace_days() -> int:
    """Days a check-in may stay unanswered before it is overdue."""
    return max(0, int(current_app.config.get("CHECKIN_GRACE_DAYS", DEFAULT_GRACE_DAYS)))


def overdue_from(due: date, written_on: date) -> date:
    """The first day an unanswered check-in is overdue (see the module's rule)."""
    return max(due, written_on) + timedelta(days=grace_days())


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not date.min.year <= year <= date.max.year:  # a course "ending" 9999-12-31: never
        return date.max if months > 0 else date.min
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def due_on(end_on: date, month: int) -> date:
    return add_months(end_on, month)


def latest_end_due(today: date, month: int) -> date:
    """The latest course end date whose `month` check-in is due by `today`."""
    cutoff = add_months(today, -month)
    while due_on(cutoff + timedelta(days=1), month) <= today:
        cutoff += timedelta(days=1)
    while due_on(cutoff, month) > today:
        cutoff -= timedelta(days=1)
    return cutoff


def current_month(end_on: date | None, today: date) -> int | None:
    """The latest check-in month already due for a course that ended on `end_on`."""
    if end_on is None:
        return None
    due = [m for m in schedule() if due_on(end_on, m) <= today]
    return due[-1] if due else None


def current_month_sql(today: date):
    """SQL for current_month() over Course.end_on (dates computed here, so it is portable)."""
    whens = [(Course.end_on <= latest_end_due(today, m), m) for m in reversed(schedule())]
    return sa.case(*whens, else_=None)


def due_month_sql(today: date):
    """SQL over ActionPlan: the month of its check-in to answer now, if unanswered (else NULL)."""
    month = current_month_sql(today)
    # Correlated to the plan and its course (whose end date names the month), not to progress
    # updates: a query may join updates of its own. Left uncorrelated, the course was any
    # course, so an answer to a month due on some other course counted as answered.
    answered = sa.exists().where(ProgressUpdate.plan_id == ActionPlan.id,
                                 ProgressUpdate.check_in_month == month).correlate(
        ActionPlan, Course)
    return sa.case((sa.and_(month.is_not(None), ~answered), month), else_=None)


def overdue_month_sql(today: date):
    """SQL over ActionPlan: due_month_sql(today) when that check-in is overdue (else NULL).

    It fell due at least the grace period ago (it was the latest one due already then), and
    the plan was written at least that long ago.
    """
    limit = today - timedelta(days=grace_days())
    written_by = datetime.combine(limit + timedelta(days=1), time.min, tzinfo=UTC)
    late = sa.and_(current_month_sql(today) == current_month_sql(limit),
                   ActionPlan.created_at < written_by)
    return sa.case((late, due_month_sql(today)), else_=None)


def check_ins(end_on: date | None, answers: dict[int, int], today: date,
              written_on: date | None = None) -> list[CheckIn]:
    """Every check-in of a plan: `answers` maps a check-in month to the answering update;
    `written_on` is the day the plan was written (UTC)."""
    if end_on is None:
        return []
    latest = current_month(end_on, today)
    items = []
    for month in schedule():
        day, late_from = due_on(end_on, month), None
        if month in answers:
            state = CheckInState.ANSWERED
        elif day > today:
            state = CheckInState.UPCOMING
        elif month != latest:
            state = CheckInState.MISSED
        else:
            late_from = overdue_from(day, written_on or day)
            state = CheckInState.OVERDUE if late_from <= today else CheckInState.OPEN
        items.append(CheckIn(month, day, state, answers.get(month), late_from))
    return items
