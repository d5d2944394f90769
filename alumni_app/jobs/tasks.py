"""The queue's own tasks: a ping (benchmarks, checks) and the sweep of dead jobs."""

from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa
from huey import crontab

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.jobs.models import Job, JobState, WorkerHeartbeat
from alumni_app.jobs.queue import huey
from alumni_app.jobs.tracking import mark_interrupted, task

KEEP_JOBS_DAYS = 90
KEEP_HEARTBEATS_DAYS = 7


@task("jobs.ping", tracked=False)
def ping(token: str, queued_at: float) -> None:
    """Write when this task was queued and when a worker started it, under `ping:<token>`."""
    huey.put(f"ping:{token}", (queued_at, time.time()))


@task("jobs.sweep", periodic=crontab(minute="*/5"), tracked=False)
def sweep() -> None:
    """Report the jobs of dead workers as interrupted; forget old finished jobs and workers."""
    mark_interrupted()
    now = utcnow()
    _delete(Job, sa.and_(Job.state == JobState.DONE.value,
                         Job.finished_at < now - timedelta(days=KEEP_JOBS_DAYS)))
    _delete(WorkerHeartbeat, WorkerHeartbeat.seen_at < now - timedelta(days=KEEP_HEARTBEATS_DAYS))
    db.session.commit()


def _delete(model, condition) -> None:
    """Delete the rows that meet `condition`, if any: on SQLite a DELETE takes the write lock
    even when it finds nothing, and waits for a long import that holds it (jobs.live)."""
    if db.session.scalar(sa.select(sa.exists().where(condition))):
        db.session.execute(sa.delete(model).where(condition))
