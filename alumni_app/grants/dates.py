"""Dates of the grant workflow: what counts as plausible, and arithmetic that cannot overflow.

Every date typed into a grant form (a call's opening and closing, a proposal's activities, a
tranche's payment and report, a receipt, a refund) must lie within HORIZON_YEARS of today: a
typo like 0202 or 9999 is refused next to the field instead of reaching the database, where
shifting it by a few days would overflow Python's date range.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from alumni_app.db import utcnow

HORIZON_YEARS = 10
HORIZON = timedelta(days=round(365.25 * HORIZON_YEARS))


def today() -> date:
    return utcnow().date()


def day_of(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def within_horizon(value: date | datetime, reference: date | None = None) -> bool:
    """Within HORIZON_YEARS before or after `reference` (today)."""
    reference = reference or today()
    return abs(day_of(value) - reference) <= HORIZON


def shifted(day: date, delta: timedelta) -> date:
    """`day + delta`, kept within the calendar instead of raising OverflowError."""
    try:
        return day + delta
    except OverflowError:
        return date.max if delta > timedelta(0) else date.min
