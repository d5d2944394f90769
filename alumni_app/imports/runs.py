"""Dry runs and imports of an upload as jobs of the task queue, seen from the web.

Starting one writes its `jobs` row (queued, the upload's office, who asked, the rows to do)
and points the upload at it in the same transaction, with a conditional UPDATE: of two clicks
at once, or a click while a job works on the file, only one starts anything. The worker
(imports.tasks) writes the progress to that row; the review page reads it from there. A job
whose worker died shows as interrupted (tracking.shown_state) and is run again with one click.
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.imports.models import ImportUpload
from alumni_app.imports.reading import estimate_rows
from alumni_app.imports.uploads import path_of
from alumni_app.jobs import tracking
from alumni_app.jobs.models import RETRYABLE, Job, JobState
from alumni_app.jobs.queue import TASKS, enqueue
from alumni_app.permissions import scope_to_office

DRY_RUN, COMMIT = "imports.dry_run", "imports.commit"
ACTIVE = frozenset({JobState.QUEUED.value, JobState.RUNNING.value, JobState.RETRYING.value})


def state_of(upload: ImportUpload) -> str | None:
    """The state of the upload's last job as it should be shown (None: no job yet)."""
    return tracking.shown_state(upload.job) if upload.job is not None else None


def is_active(upload: ImportUpload) -> bool:
    return state_of(upload) in ACTIVE


def can_run_again(upload: ImportUpload) -> bool:
    return state_of(upload) in RETRYABLE and upload.committed_at is None


def _arguments(upload: ImportUpload, kind: str, actor, mapping, skip_errors) -> list:
    if kind == DRY_RUN:
        return [upload.id, actor.id, mapping]
    return [upload.id, actor.id, bool(skip_errors)]


def _rows_total(upload: ImportUpload, kind: str) -> int | None:
    if kind == COMMIT and upload.report_data:
        return upload.report_data["rows"]
    try:
        return estimate_rows(path_of(upload), upload.ext)
    except (OSError, ValueError):
        return None


def start(upload: ImportUpload, kind: str, actor, *, mapping: list[str] | None = None,
          skip_errors: bool = False) -> bool:
    """Queue a dry run or an import of `upload`; False, and nothing started, when a job works
    on it already. Commits (the worker must find the job), then queues the task."""
    if is_active(upload):
        return False
    db.session.flush()  # a new upload gets its id
    args = _arguments(upload, kind, actor, mapping, skip_errors)
    job = Job(kind=kind, state=JobState.QUEUED.value, office_id=upload.office_id,
              actor_id=actor.id, params=json.dumps(args), rows_total=_rows_total(upload, kind))
    db.session.add(job)
    db.session.flush()
    was = ImportUpload.job_id == upload.job_id if upload.job_id else ImportUpload.job_id.is_(None)
    switched = db.session.execute(
        sa.update(ImportUpload).where(ImportUpload.id == upload.id, was)
        .values(job_id=job.id, outcome=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if switched != 1:  # another click was quicker
        db.session.rollback()
        return False
    db.session.commit()
    if not enqueue(TASKS[kind], *args, job_id=job.id):
        tracking.finish(job.id, JobState.FAILED, error="the queue cannot be reached")
    db.session.expire_all()
    return True


def run_again(upload: ImportUpload, actor) -> bool:
    """Start an interrupted or failed job of the upload again (its own row, one more attempt)."""
    if not can_run_again(upload):
        return False
    try:
        tracking.queue_again(upload.job, actor)
    except (tracking.NotRetryable, tracking.QueueUnreachable):
        db.session.rollback()
        return False
    db.session.expire_all()
    return True


RECENT = 20  # uploads listed on the upload page


def recent(user) -> list[ImportUpload]:
    """The latest uploads the user's office made (an administrator's: every office's), with
    their jobs, in one query."""
    query = (sa.select(ImportUpload).options(joinedload(ImportUpload.job),
                                             joinedload(ImportUpload.office))
             .order_by(ImportUpload.created_at.desc(), ImportUpload.id.desc()).limit(RECENT))
    return list(db.session.scalars(scope_to_office(query, ImportUpload.office_id, user)))


def progress_word(upload: ImportUpload) -> str:
    """Where the upload stands, for the list of recent files: a key of views.STATE_WORDS."""
    if upload.committed_at is not None:
        return "imported"
    state = state_of(upload)
    if state in ACTIVE:
        return "running"
    if state in RETRYABLE:
        return state
    return "checked" if upload.report else "failed"


def rows_done(job: Job) -> int:
    """The rows the job has done so far (on SQLite noted outside its row: imports.tasks)."""
    return tracking.rows_done(job)


def seconds_left(job: Job, done: int, now: datetime | None = None) -> int | None:
    """A rough estimate from the pace so far (`done` rows); None until some rows are done."""
    if not (job.started_at and done and job.rows_total):
        return None
    elapsed = ((now or utcnow()) - job.started_at).total_seconds()
    left = max(job.rows_total - done, 0)
    return int(elapsed * left / done)
