"""Check-ins: when they fall due after a course ends (CHECKIN_MONTHS), and their state.

Nothing about "due" is stored: it follows from the course's end date and the schedule, so a
corrected end date or a changed schedule moves every check-in. Only the answers are stored
(progress updates with their check-in month).
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from alumni_app.training.models import Course

DEFAULT_SCHEDULE = (3, 6, 12, 24)


class CheckInState(enum.StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"  # due, unanswered, and the latest one due: the one to answer now
    MISSED = "missed"  # due and unanswered, but a later one is due too
    ANSWERED = "answered"


@dataclass(frozen=True)
class CheckIn:
    month: int
    due_on: date
    state: CheckInState
    update_id: int | None = None

    @property
    def can_answer(self) -> bool:
        return self.state in (CheckInState.OPEN, CheckInState.MISSED)


def schedule() -> tuple[int, ...]:
    """The months after the course end at which check-ins fall due, ascending."""
    months = current_app.config.get("CHECKIN_MONTHS") or DEFAULT_SCHEDULE
    return tuple(sorted({int(m) for m in months if int(m) > 0}))


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


def check_ins(end_on: date | None, answers: dict[int, int], today: date) -> list[CheckIn]:
    """Every check-in of a plan: `answers` maps a check-in month to the answering update."""
    if end_on is None:
        return []
    latest = current_month(end_on, today)
    items = []
    for month in schedule():
        day = due_on(end_on, month)
        if month in answers:
            state = CheckInState.ANSWERED
        elif day > today:
            state = CheckInState.UPCOMING
        else:
            state = CheckInState.OPEN if month == latest else CheckInState.MISSED
        items.append(CheckIn(month, day, state, answers.get(month)))
    return items
