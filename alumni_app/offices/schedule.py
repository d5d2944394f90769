"""Work done once a day at a given hour of each office's own day (its time zone)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from alumni_app import jobs
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.offices.models import Office


def _zone(name: str | None):
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local_days(now: datetime | None = None) -> list[tuple[int, date, int]]:
    """(office id, its local date, its local hour) of every office, now."""
    now = now or utcnow()
    rows = db.session.execute(sa.select(Office.id, Office.time_zone).order_by(Office.id))
    return [(office_id, (local := now.astimezone(_zone(zone))).date(), local.hour)
            for office_id, zone in rows]


def queue_daily(task, key: Callable[[int, str], str], hour: int,
                now: datetime | None = None) -> list[int]:
    """Queue `task(office_id, day)` for each office whose day has reached `hour` and whose
    job for the day (named by `key`) has not run yet; return those offices.

    Run every hour: a worker that was down at that hour catches up at the next, and the key
    makes a day's job run once however often it is queued.
    """
    queued = []
    for office_id, day, local_hour in local_days(now):
        if local_hour >= hour and jobs.needs_run(key(office_id, day.isoformat())):
            jobs.enqueue(task, office_id, day.isoformat())
            queued.append(office_id)
    return queued


def run_now_for_every_office(task, today: date | None = None) -> dict:
    """Run a daily per-office task now, inline, for every office (on `today`, or each
    office's own date), whatever ran before; add up the counts it returns."""
    totals: dict = {}
    for office_id, local_day, _hour in local_days():
        day = (today or local_day).isoformat()
        for name, value in (task.call_local(office_id, day, keyed=False) or {}).items():
            totals[name] = totals.get(name, 0) + value
    return totals
