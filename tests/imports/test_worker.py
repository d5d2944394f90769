"""Imports through a real worker: a worker killed in the middle of an import leaves nothing
half-saved, the job shows interrupted, and one click imports the file once."""

from __future__ import annotations

import signal
import sqlite3
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.imports import uploads
from alumni_app.jobs.models import Job
from tests import factories
from tests.imports.helpers import _csv_bytes, _token, _upload
from tests.queue_helpers import start_worker, stop, wait_for

ROWS = 6000


def _records() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count(AlumnusRecord.id)))


def _job(token: str) -> Job | None:
    db.session.expire_all()
    upload = uploads.find(token)
    return upload.job if upload is not None else None


def _writing(app, token: str) -> bool:
    """The import job is running and has written rows it has not committed yet."""
    job = _job(token)
    if job is None or job.kind != "imports.commit" or job.state != "running":
        return False
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        return job.rows_done >= 1000  # its first batch, written on its own connection
    # SQLite: the import's transaction holds the write lock from its first insert on.
    probe = sqlite3.connect(url.database, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


@pytest.mark.queue
@pytest.mark.slow
def test_a_worker_killed_in_the_middle_of_an_import_leaves_nothing_and_one_click_runs_it_again(
        served_app, tmp_path):
    settings = {"JOB_STALE_SECONDS": 2, "IMPORT_FOLDER": str(tmp_path / "uploads"),
                "IMPORT_PROGRESS_SECONDS": 0}
    served_app.config.update(settings)
    office = factories.make_office(code="TJ")
    officer = factories.make_user(role="officer", office=office)
    client = factories.logged_in_client(served_app, officer)
    rows = [["Given name", "Family name", "E-mail", "Year of birth"]]
    rows += [[f"Given{n}", f"Family{n}", f"p{n}@example.org", str(1960 + n % 40)]
             for n in range(ROWS)]
    token = _token(_upload(client, "big.csv", _csv_bytes(rows)))

    worker = start_worker(served_app, "--workers", "1", "--no-periodic", **settings)
    try:
        wait_for(lambda: (job := _job(token)) is not None and job.state == "done", timeout=120)
        assert "Dry run" in client.get(f"/records/import/{token}").text
        assert client.post(f"/records/import/{token}/commit", data={}).status_code == 302
        wait_for(lambda: _writing(served_app, token), timeout=120, step=0.02)
    finally:
        stop(worker, signal.SIGKILL)  # killed: no handler, no cleanup, no commit

    assert _records() == 0  # nothing half-saved
    time.sleep(2.5)  # no heartbeat any more: the job is stale
    page = client.get(f"/records/import/{token}").text
    assert "stopped before it finished" in page and "Run it again" in page
    assert client.post(f"/records/import/{token}/again", data={}).status_code == 302
    assert _job(token).state == "queued"
    assert client.post(f"/records/import/{token}/again", data={}).status_code == 302

    worker = start_worker(served_app, "--workers", "1", "--no-periodic", **settings)
    try:
        job = wait_for(lambda: (job := _job(token)) is not None and job.state == "done"
                       and job, timeout=120)
    finally:
        stop(worker)
    assert (job.kind, job.attempts, job.rows_done) == ("imports.commit", 2, ROWS)
    assert _records() == ROWS  # imported once
    assert f"Imported: {ROWS} created" in client.get(f"/records/import/{token}").text
