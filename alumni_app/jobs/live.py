"""Signs of life of a job that cannot write its own row: kept in the queue's store.

A job's progress and heartbeat belong in its `jobs` row, written on a connection of their own
so that they are seen while the job's own transaction is still open (imports.tasks does so on
PostgreSQL). SQLite lets one transaction write at a time: while an import holds the write
lock for its one all-or-nothing transaction, that row cannot be written by anyone, the import
included, until it commits. There the job notes its rows done and the time in the queue's
store instead (huey's key-value data: the queue's own SQLite file, or Redis), which has a lock
of its own; the web pages read it next to the row (tracking.rows_done, tracking.shown_state),
and the sweep does not report interrupted a job whose note is recent. The row gets the final
figures with the job's commit, and the note is deleted when the job finishes.
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import UTC, datetime

from alumni_app.extensions import db
from alumni_app.jobs.queue import QUEUE_ERRORS, huey

log = logging.getLogger("alumni_app.jobs")


def _key(job_id: int) -> str:
    return f"job-live:{job_id}"


def note(job_id: int, rows_done: int) -> None:
    """Note that the job is alive and has done `rows_done` rows (the queue's store)."""
    try:
        huey.put(_key(job_id), (rows_done, time.time()))
    except QUEUE_ERRORS as exc:  # the page then shows the row's figures
        log.warning("job %s: its progress could not be noted: %s", job_id, exc)


def read(job_id: int) -> tuple[int, datetime] | None:
    """The job's last note: (rows done, when), or None (none, or the queue is unreachable)."""
    try:
        value = huey.get(_key(job_id), peek=True)
    except QUEUE_ERRORS:
        return None
    if not value:
        return None
    rows, at = value
    return rows, datetime.fromtimestamp(at, UTC)


def forget(job_id: int) -> None:
    with contextlib.suppress(QUEUE_ERRORS):
        huey.delete(_key(job_id))


def wanted() -> bool:
    """True when jobs note their progress here: on SQLite (see the module's docstring)."""
    return db.engine.dialect.name == "sqlite"
