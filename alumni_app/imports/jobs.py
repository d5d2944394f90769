"""Dry runs and imports of an uploaded file, run in the background with their progress on record.

A 100,000-row file takes longer than a web request should: with IMPORT_IN_BACKGROUND the work
runs in a thread of the app server, which writes the rows done so far next to the upload, and
the review page refreshes itself (a <meta> refresh: no JavaScript needed) until it is finished.
The import still commits once, at the end: a thread that dies (the server restarts) leaves
nothing half-saved, and its job is reported as interrupted once its heartbeat goes stale.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from flask import current_app

from alumni_app.accounts.models import User
from alumni_app.alumni import import_aliases, importer
from alumni_app.alumni.import_files import ImportFileError, UploadStore
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.offices.models import Office

log = logging.getLogger("alumni_app.imports")

DRY_RUN, COMMIT = "dry_run", "commit"
RUNNING, DONE = "running", "done"
BEAT_EVERY = 1.0  # seconds between progress writes


def store() -> UploadStore:
    folder = current_app.config["IMPORT_FOLDER"] or Path(current_app.instance_path) / "imports"
    return UploadStore(folder)


def is_running(meta: dict) -> bool:
    job = meta.get("job") or {}
    return job.get("state") == RUNNING and not is_stale(job)


def is_stale(job: dict) -> bool:
    """A running job whose heartbeat stopped: its thread or its server is gone."""
    limit = current_app.config["IMPORT_STALE_SECONDS"]
    return job.get("state") == RUNNING and time.time() - job.get("beat", 0) > limit


def launch(token: str, kind: str, *, actor, mapping: list[str] | None = None,
           skip_errors: bool = False) -> dict:
    """Start a dry run or an import; in the background when IMPORT_IN_BACKGROUND is set.

    Returns the upload's meta as it stands after the start (or after the work, when inline).
    """
    files = store()
    meta = files.meta(token) or {}
    now = time.time()
    job = {"kind": kind, "state": RUNNING, "rows": 0, "started": now, "beat": now}
    meta = {**meta, "job": job, "outcome": None}
    files.write_meta(token, meta)
    options = {"mapping": mapping, "skip_errors": skip_errors}
    if not current_app.config["IMPORT_IN_BACKGROUND"]:
        execute(files, token, kind, actor, **options)
        return files.meta(token) or {}
    app = current_app._get_current_object()
    thread = threading.Thread(target=_in_background, args=(app, token, kind, actor.id, options),
                              name=f"import-{token[:8]}", daemon=True)
    thread.start()
    return meta


def _in_background(app, token: str, kind: str, actor_id: int, options: dict) -> None:
    with app.app_context():
        try:
            execute(store(), token, kind, db.session.get(User, actor_id), **options)
        finally:
            db.session.remove()


def _progress(files: UploadStore, token: str):
    last = {"at": 0.0}

    def report(rows: int) -> None:
        now = time.time()
        if now - last["at"] >= BEAT_EVERY:
            last["at"] = now
            meta = files.meta(token) or {}
            files.write_meta(token, {**meta, "job": {**meta.get("job", {}), "rows": rows,
                                                     "beat": now}})

    return report


def execute(files: UploadStore, token: str, kind: str, actor, *, mapping=None,
            skip_errors=False) -> None:
    """Do the work of a job in the current app context and write its outcome next to the upload."""
    meta = files.meta(token) or {}
    try:
        outcome, report = _work(files, token, meta, kind, actor, mapping, skip_errors)
    except ImportFileError as exc:
        db.session.rollback()
        outcome, report = {"kind": "failed", "code": exc.code, "params": exc.params}, None
    except Exception:
        db.session.rollback()
        log.exception("import job %s of %s failed", kind, token[:8])
        outcome, report = {"kind": "failed", "code": "internal", "params": {}}, None
    meta = files.meta(token) or meta
    job = {**meta.get("job", {}), "state": DONE, "beat": time.time()}
    meta = {**meta, "job": job, "outcome": outcome}
    if report is not None:
        meta["report"] = report.to_dict()
    if outcome["kind"] == "imported":
        meta["committed_at"] = utcnow().isoformat()
    files.write_meta(token, meta)


def _work(files: UploadStore, token: str, meta: dict, kind: str, actor, mapping, skip_errors):
    path = files.file(token, meta)
    office = db.session.get(Office, meta.get("office_id"))
    if meta.get("committed_at") or not path.is_file() or office is None:
        raise ImportFileError("expired")
    commit = kind == COMMIT
    with files.claim(token) as claimed:
        if not claimed:
            return {"kind": "busy"}, None
        report = importer.run_import(path, office, actor, commit=commit, mapping=mapping,
                                     skip_errors=skip_errors, file_name=meta["file_name"],
                                     progress=_progress(files, token),
                                     chosen=meta.get("values"))
        if not commit:
            return {"kind": "checked"}, report
        if not report.applied:
            return {"kind": "not-imported"}, report
        # The regions and sectors chosen for this file's unknown values: known from now on.
        import_aliases.remember(office.id, report.unmatched, report.chosen, actor)
        db.session.commit()
        path.unlink(missing_ok=True)
    return {"kind": "imported", "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged}, report
