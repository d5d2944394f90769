"""Background tasks that operators can follow: each run of a tracked task is a row in `jobs`.

A job is taken by one worker at a time (a conditional UPDATE), its outcome is committed as
soon as it is known, and a job with a key runs to completion once: the day's reminders of an
office are one key, so a second run, a retry or a second worker finds it done and does nothing.
A worker that dies leaves its job "running" without a heartbeat; after JOB_STALE_SECONDS it is
reported interrupted and may be taken again. A job that cannot write its own row while it
runs (an import on SQLite, see jobs.live) notes its signs of life in the queue's store: the
row's heartbeat or that note, whichever is later, says whether it is alive.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from alumni_app import audit
from alumni_app.db import utcnow
from alumni_app.errors import DomainError
from alumni_app.extensions import db
from alumni_app.jobs import live
from alumni_app.jobs.models import RETRYABLE, TAKEABLE, Job, JobState
from alumni_app.jobs.queue import TASKS, enqueue, huey, in_app_context

log = logging.getLogger("alumni_app.jobs")
_current: ContextVar[int | None] = ContextVar("current_job", default=None)


def task(kind: str, *, label=None, key: Callable | None = None, office: Callable | None = None,
         when: Callable | None = None, periodic: Callable | None = None,
         tracked: bool = True):
    """Declare a background task of `kind` (e.g. "plans.reminders") on the queue.

    `label` names it on the jobs page, `key(*args)` names a job that must run once,
    `office(*args)` the office it works for, `when(*args)` says whether there is anything to
    do (no job row otherwise); `periodic` is a huey crontab for the schedule. Untracked tasks
    leave no row (the schedule's own ticks).
    """

    def decorate(fn):
        @functools.wraps(fn)
        @in_app_context
        def run(*args, task=None, job_id=None, keyed=True, actor_id=None):
            if not tracked:
                return fn(*args)
            return run_tracked(
                kind, fn, args, when=when, task_id=getattr(task, "id", None),
                retries_left=getattr(task, "retries", 0), job_id=job_id,
                key=key(*args) if key is not None and keyed else None,
                office_id=office(*args) if office is not None else None, actor_id=actor_id)

        if periodic is not None:
            wrapper = huey.periodic_task(periodic, context=True)(run)
        else:
            wrapper = huey.task(context=True)(run)
        wrapper.kind, wrapper.label = kind, label or kind
        TASKS[kind] = wrapper
        return wrapper

    return decorate


def run_tracked(kind: str, fn: Callable, args: tuple, *, when: Callable | None = None,
                task_id: str | None = None, retries_left: int = 0, job_id: int | None = None,
                key: str | None = None, office_id: int | None = None,
                actor_id: int | None = None):
    """Run `fn(*args)` as a job; None when there was nothing to do (done, or taken)."""
    job_id = begin(kind, args, when=when, task_id=task_id, job_id=job_id, key=key,
                   office_id=office_id, actor_id=actor_id)
    if job_id is None:
        log.info("job %s %s: done already or running elsewhere", kind, key or args)
        return None
    token = _current.set(job_id)
    try:
        result = fn(*args)
    except Exception as exc:
        db.session.rollback()
        will_retry = retries_left > 0 and not huey.immediate
        finish(job_id, JobState.RETRYING if will_retry else JobState.FAILED, error=describe(exc))
        raise
    except (KeyboardInterrupt, SystemExit):  # the worker was told to stop at once
        db.session.rollback()
        finish(job_id, JobState.INTERRUPTED)
        raise
    finally:
        _current.reset(token)
    finish(job_id, JobState.DONE, counts=result if isinstance(result, dict) else None)
    return result


def describe(exc: BaseException) -> str:
    """The error in words for the jobs page: its kind and message, no traceback."""
    text = str(exc).strip()
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:1000]


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])


def _existing(task_id: str | None, job_id: int | None, key: str | None) -> Job | None:
    if job_id is not None:
        return db.session.get(Job, job_id)
    for column, value in ((Job.task_id, task_id), (Job.key, key)):
        if value is not None:
            job = db.session.scalar(sa.select(Job).where(column == value).limit(1))
            if job is not None:
                return job
    return None


def _alive(job: Job, now: datetime) -> bool:
    """A recent sign of life of the job: its row's heartbeat, or its note (jobs.live)."""
    stale = _stale_before(now)
    if (job.heartbeat_at or now) >= stale:
        return True
    seen = live.read(job.id) if live.wanted() else None
    return seen is not None and seen[1] >= stale


def _noted_alive(now: datetime) -> list[int]:
    """The running jobs whose row looks stale but whose note in the queue's store is recent."""
    if not live.wanted():
        return []
    stale = _stale_before(now)
    quiet = db.session.scalars(sa.select(Job.id).where(Job.state == JobState.RUNNING.value,
                                                       Job.heartbeat_at < stale))
    return [job_id for job_id in quiet if (seen := live.read(job_id)) and seen[1] >= stale]


def _takeable(job: Job, now: datetime) -> bool:
    if job.state in TAKEABLE:
        return True
    return job.state == JobState.RUNNING and not _alive(job, now)


def begin(kind: str, args: tuple, *, when=None, task_id=None, job_id=None, key=None,
          office_id=None, actor_id=None) -> int | None:
    """Take the job for this worker, committed at once; None if it is done or taken.

    A new job starts only when `when(*args)` finds something to do; one already recorded
    (a retry) runs again whatever it finds.
    """
    now = utcnow()
    db.session.commit()  # what the caller queued is visible, and our reads are fresh
    job = _existing(task_id, job_id, key)
    if job is None and when is not None and not when(*args):
        return None
    if job is None:
        job = Job(kind=kind, key=key, task_id=task_id, params=json.dumps(list(args)),
                  office_id=office_id, actor_id=actor_id, state=JobState.RUNNING.value,
                  attempts=1, started_at=now, heartbeat_at=now)
        db.session.add(job)
        try:
            db.session.commit()
        except IntegrityError:  # another worker created the same key a moment ago
            db.session.rollback()
            return None
        return job.id
    if not _takeable(job, now):
        return None
    taken = db.session.execute(
        sa.update(Job).where(Job.id == job.id, Job.state == job.state,
                             Job.attempts == job.attempts)
        .values(state=JobState.RUNNING.value, attempts=Job.attempts + 1,
                task_id=task_id or job.task_id, started_at=now, heartbeat_at=now,
                finished_at=None)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return job.id if taken == 1 else None


def finish(job_id: int, state: JobState, *, error: str | None = None,
           counts: dict | None = None) -> None:
    """Record how the job ended (or that it waits for a retry), committed at once."""
    now = utcnow()
    values = {"state": state.value, "heartbeat_at": now, "error": error}
    if state is not JobState.RETRYING:
        values["finished_at"] = now
    if counts is not None:
        values["counts"] = json.dumps(counts, default=str)
    try:
        db.session.execute(sa.update(Job).where(Job.id == job_id).values(**values)
                           .execution_options(synchronize_session=False))
        db.session.commit()
    except sa.exc.SQLAlchemyError:  # the database is gone: the job shows interrupted later
        db.session.rollback()
        log.exception("job %s: its outcome (%s) could not be recorded", job_id, state)
        return
    if live.wanted():
        live.forget(job_id)


def current_job_id() -> int | None:
    return _current.get()


def rows_done(job: Job) -> int:
    """The rows the job has done: its row's count, or its note if that is further on."""
    seen = live.read(job.id) if job.state == JobState.RUNNING and live.wanted() else None
    return max(job.rows_done or 0, seen[0]) if seen else (job.rows_done or 0)


def progress(done: int | None = None, total: int | None = None) -> None:
    """Note how far the current job is, and that it is alive (saved with the task's commit)."""
    job_id = _current.get()
    if job_id is None:
        return
    values: dict = {"heartbeat_at": utcnow()}
    if done is not None:
        values["rows_done"] = done
    if total is not None:
        values["rows_total"] = total
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(**values)
                       .execution_options(synchronize_session=False))


def mark_interrupted(now: datetime | None = None) -> int:
    """Report as interrupted the running jobs whose worker stopped giving signs of life.

    Writes nothing when there are none: on SQLite a write would wait for the lock that a
    long import holds (its signs of life are in its note, jobs.live).
    """
    now = now or utcnow()
    dead = sa.and_(Job.state == JobState.RUNNING.value, Job.heartbeat_at < _stale_before(now),
                   Job.id.not_in(_noted_alive(now)))
    if not db.session.scalar(sa.select(sa.exists().where(dead))):
        db.session.commit()
        return 0
    result = db.session.execute(
        sa.update(Job).where(dead).values(state=JobState.INTERRUPTED.value, finished_at=now)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


def shown_state(job: Job, now: datetime | None = None) -> str:
    """The state to show: a running job without a recent heartbeat is interrupted."""
    now = now or utcnow()
    if job.state == JobState.RUNNING and not _alive(job, now):
        return JobState.INTERRUPTED.value
    return job.state


def failed_condition(now: datetime | None = None):
    """SQL: the job failed, waits for a retry, or its worker died (what the jobs page shows
    as failed, and the dashboard counts)."""
    now = now or utcnow()
    return sa.or_(
        Job.state.in_([JobState.FAILED.value, JobState.INTERRUPTED.value,
                       JobState.RETRYING.value]),
        sa.and_(Job.state == JobState.RUNNING.value, Job.heartbeat_at < _stale_before(now),
                Job.id.not_in(_noted_alive(now))))


def needs_run(key: str) -> bool:
    """True when no job with this key ran yet, or the one that ran was interrupted.

    A failed one waits for an operator's retry (its own retries are spent); one waiting for a
    retry of the queue or running is left to it.
    """
    job = db.session.scalar(sa.select(Job).where(Job.key == key))
    return job is None or shown_state(job) == JobState.INTERRUPTED


class NotRetryable(DomainError):
    """The job is not failed or interrupted (any more): nothing to start again."""


class QueueUnreachable(DomainError):
    """The queue cannot be reached: the job was not started again."""


def queue_again(job: Job, actor) -> None:
    """Put a failed or interrupted job on the queue again (an operator's retry).

    Committed before the task is queued, so the worker that takes it finds it queued; when the
    queue cannot be reached the job goes back to how it was.
    """
    was = shown_state(job)
    task = TASKS.get(job.kind)
    if was not in RETRYABLE or task is None:
        raise NotRetryable(job.id)
    marked = db.session.execute(
        sa.update(Job).where(Job.id == job.id, Job.state == job.state,
                             Job.attempts == job.attempts)
        .values(state=JobState.QUEUED.value).execution_options(synchronize_session=False))
    if marked.rowcount != 1:  # another operator, or a worker, was quicker
        db.session.rollback()
        raise NotRetryable(job.id)
    audit.record("job.retried", actor=actor, subject=job, office_id=job.office_id,
                 kind=job.kind, state=was)
    db.session.commit()
    if not enqueue(task, *job.arguments, job_id=job.id):
        db.session.execute(sa.update(Job).where(Job.id == job.id,
                                                Job.state == JobState.QUEUED.value)
                           .values(state=was).execution_options(synchronize_session=False))
        db.session.commit()
        raise QueueUnreachable(job.id)
