"""Background work of the figures: the cells recounted on the queue's schedule, or when asked.

The schedule recounts every office every REFRESH_MINUTES (4 s for 200,000 records on SQLite,
see bench/dashboard.py), untracked: a job row every ten minutes would bury the jobs page. A
"Recount now" on a large office is a tracked job instead (the page answers at once, the jobs
page shows it); a small office is recounted in the request (reports.staff_views).
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from alumni_app import jobs
from alumni_app.extensions import db
from alumni_app.reports.models import TrainingCell
from alumni_app.reports.refresh import refresh_figures

REFRESH_MINUTES = 10


@jobs.task("reports.refresh", label=_l("Recount the figures"),
           office=lambda office_id: office_id)
def recount(office_id: int | None) -> dict:
    """Rebuild the figure cells of one office (None: every office), committed."""
    start = time.perf_counter()
    refresh_figures(office_id)
    db.session.commit()
    return {"seconds": round(time.perf_counter() - start, 1)}


@jobs.task("reports.refresh_schedule", periodic=jobs.crontab(minute=f"*/{REFRESH_MINUTES}"),
           tracked=False)
def recount_on_schedule() -> None:
    """Every ten minutes: recount every office's figures."""
    refresh_figures(None)
    db.session.commit()


def is_large(office_id: int | None) -> bool:
    """More courses taken than a request should recount (FIGURES_INLINE_MAX_ROWS), going by
    the last count: the cells say it without counting the records again."""
    query = sa.select(sa.func.coalesce(sa.func.sum(TrainingCell.people), 0))
    if office_id is not None:
        query = query.where(TrainingCell.office_id == office_id)
    return db.session.scalar(query) > current_app.config["FIGURES_INLINE_MAX_ROWS"]
