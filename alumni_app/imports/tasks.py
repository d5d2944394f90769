"""The import's tasks, run by `flask worker`: the dry run of an upload, and its import.

Each receives ids and runs in its own app context (jobs.task). The import is one transaction,
as from the command line: a worker killed half-way leaves nothing half-saved, and its job shows
as interrupted once its heartbeat stops.

While that transaction is open, the review page must see how far it is, and the job must not
look dead. The rows done and the heartbeat are therefore written outside the import's
transaction, at most every IMPORT_PROGRESS_SECONDS, after each batch:

- PostgreSQL: to the job's row, on a connection of its own, committed at once (the import's
  transaction does not touch that row until it ends, so nothing waits on anything).
- SQLite: one transaction writes at a time, and the import holds the write lock from its first
  insert to its commit: a second connection writing the job's row would wait for the import,
  which waits for it (then "database is locked"). So the worker notes the rows done and the
  time in the queue's own store (jobs.live: the queue's SQLite file or Redis, with a lock of
  its own), which the review page and the sweep of dead jobs read next to the row.

Neither way touches the import's transaction: a failed or killed import still leaves nothing
but its job's progress behind. Staging the rows before taking the lock was the other way on
SQLite; it would need the import's lookups (records created by earlier batches) kept apart
from the database, a second import path to keep the same as the first.
"""
from __future__ import annotations

import json
import time

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from alumni_app import jobs
from alumni_app.accounts.models import User
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.imports import aliases, services
from alumni_app.imports.errors import ImportFileError
from alumni_app.imports.models import ImportUpload
from alumni_app.imports.report import ImportReport
from alumni_app.imports.runs import COMMIT, DRY_RUN
from alumni_app.imports.uploads import path_of
from alumni_app.jobs import live
from alumni_app.jobs.models import Job
from alumni_app.jobs.tracking import current_job_id


class Progress:
    """Writes the rows done and a heartbeat of the current job, at most every few seconds,
    outside the import's transaction (see the module's docstring)."""

    def __init__(self, job_id: int | None):
        self.job_id = job_id
        self.every = current_app.config["IMPORT_PROGRESS_SECONDS"]
        self.due = 0.0
        self.noted = live.wanted()

    def __call__(self, rows: int) -> None:
        if self.job_id is None or time.monotonic() < self.due:
            return
        self.due = time.monotonic() + self.every
        if self.noted:
            live.note(self.job_id, rows)
            return
        with db.engine.connect() as connection:
            connection.execute(sa.update(Job).where(Job.id == self.job_id)
                               .values(rows_done=rows, heartbeat_at=utcnow()))
            connection.commit()


def _counts(report: ImportReport) -> dict:
    return {"rows": report.rows, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "with_errors": report.error_rows}


def _save(upload_id: int, outcome: dict, report: ImportReport | None = None, **values) -> None:
    """Record how the run ended on the upload (committed with whatever the session holds)."""
    job_id = current_job_id()
    if report is not None:
        values["report"] = json.dumps(report.to_dict(), ensure_ascii=False)
        if job_id is not None:
            db.session.execute(sa.update(Job).where(Job.id == job_id)
                               .values(rows_done=report.rows, heartbeat_at=utcnow()))
    db.session.execute(sa.update(ImportUpload).where(ImportUpload.id == upload_id)
                       .values(outcome=json.dumps(outcome), updated_at=utcnow(), **values))
    db.session.commit()


def _failed(upload_id: int, exc: ImportFileError) -> dict:
    db.session.rollback()
    _save(upload_id, {"kind": "failed", "code": exc.code, "params": exc.params})
    return {"failed": 1}


def _open(upload_id: int, lock: bool = False):
    """The upload and its file; (None, None) when it was discarded or imported already.

    With `lock` (the import), the upload's row stays locked until the import commits: a
    second import of the same file waits, then finds it imported (on PostgreSQL; SQLite
    writes one transaction at a time anyway).
    """
    query = sa.select(ImportUpload).where(ImportUpload.id == upload_id)
    upload = db.session.scalar(query.with_for_update() if lock else query)
    if upload is None or upload.committed_at is not None:
        return None, None
    path = path_of(upload)
    if not path.is_file():
        raise ImportFileError("expired")
    return upload, path


def _run(upload: ImportUpload, path, actor_id: int, **options) -> ImportReport:
    return services.run_import(path, upload.office, db.session.get(User, actor_id),
                               file_name=upload.file_name, chosen=upload.chosen_values,
                               progress=Progress(current_job_id()), **options)


@jobs.task(DRY_RUN, label=_l("Dry run of a spreadsheet import"))
def dry_run(upload_id: int, actor_id: int, mapping: list[str] | None) -> dict:
    """Check the file as the import would, and keep what it found for the review page."""
    try:
        upload, path = _open(upload_id)
        if upload is None:
            return {"nothing_to_do": 1}
        report = _run(upload, path, actor_id, commit=False, mapping=mapping)
    except ImportFileError as exc:
        return _failed(upload_id, exc)
    _save(upload_id, {"kind": "checked"}, report)
    return _counts(report)


@jobs.task(COMMIT, label=_l("Import of a spreadsheet"))
def commit(upload_id: int, actor_id: int, skip_errors: bool) -> dict:
    """Import the file in one transaction: every row, or nothing."""
    try:
        upload, path = _open(upload_id, lock=True)
        if upload is None:
            return {"nothing_to_do": 1}
        mapping = (upload.report_data or {}).get("mapping")
        report = _run(upload, path, actor_id, commit=True, mapping=mapping,
                      skip_errors=skip_errors)
    except ImportFileError as exc:
        return _failed(upload_id, exc)
    if not report.applied:
        _save(upload_id, {"kind": "not-imported"}, report)
        return _counts(report)
    upload = db.session.get(ImportUpload, upload_id)
    # The regions and sectors chosen for this file's unknown values: known from now on.
    aliases.remember(upload.office_id, report.unmatched, report.chosen,
                     db.session.get(User, actor_id))
    _save(upload_id, {"kind": "imported", "created": report.created, "updated": report.updated,
                      "unchanged": report.unchanged}, report, committed_at=utcnow())
    path.unlink(missing_ok=True)
    return _counts(report)
