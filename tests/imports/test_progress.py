"""A long import through a real worker, watched from the review page: the rows done move
while its one transaction is still open, nothing is saved before the end, and it is never
taken for interrupted however long it runs."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.imports import services, uploads
from alumni_app.jobs import live, tracking
from alumni_app.jobs.models import Job
from alumni_app.jobs.tasks import sweep
from tests import factories
from tests.imports.helpers import _csv_bytes, _token, _upload
from tests.queue_helpers import running_worker, wait_for

ROWS, BATCH, PAUSE = 1200, 100, 0.25  # 12 batches: 3 s at least, three times JOB_STALE_SECONDS
STALE = 1


@pytest.fixture
def slow_batches(monkeypatch):
    """Batches of 100 rows, each a quarter of a second apart: a long import, in small steps."""
    batches = services._batches

    def slow(items, size):
        for batch in batches(items, BATCH):
            time.sleep(PAUSE)
            yield batch

    monkeypatch.setattr(services, "_batches", slow)


def _job(token: str) -> Job:
    db.session.rollback()
    return uploads.find(token).job


def _sweep() -> int:
    """The queue's sweep of dead jobs, as the schedule runs it: 0 when it waited on nothing."""
    started = time.monotonic()
    sweep.call_local()
    return int(time.monotonic() - started >= 1)


def _look(client, token: str) -> dict:
    """What another connection sees while the worker imports: the page, the sweep, the table."""
    db.session.rollback()
    page = client.get(f"/records/import/{token}").text
    shown = re.search(r"([\d,]+) of about ([\d,]+) rows done", page)
    return {"rows": int(shown[1].replace(",", "")) if shown else None,
            "total": int(shown[2].replace(",", "")) if shown else None,
            "interrupted": "stopped before it finished" in page or "Run it again" in page,
            "swept": tracking.mark_interrupted() or _sweep(),
            "failed": db.session.scalar(sa.select(sa.func.count(Job.id))
                                        .where(tracking.failed_condition())),
            "records": db.session.scalar(sa.select(sa.func.count(AlumnusRecord.id)))}


@pytest.mark.queue
def test_a_long_import_shows_its_rows_moving_and_is_never_taken_for_interrupted(
        served_app, tmp_path, slow_batches):
    served_app.config.update(JOB_STALE_SECONDS=STALE, IMPORT_PROGRESS_SECONDS=0,
                             IMPORT_FOLDER=str(tmp_path / "uploads"))
    officer = factories.make_user(role="officer", office=factories.make_office(code="TJ"))
    client = factories.logged_in_client(served_app, officer)
    rows = [["Given name", "Family name", "E-mail", "Year of birth"]]
    rows += [[f"Given{n}", f"Family{n}", f"p{n}@example.org", str(1960 + n % 40)]
             for n in range(ROWS)]
    token = _token(_upload(client, "long.csv", _csv_bytes(rows)))

    with running_worker(served_app):
        wait_for(lambda: _job(token).state == "done", timeout=60)
        assert client.post(f"/records/import/{token}/commit", data={}).status_code == 302
        wait_for(lambda: _job(token).state == "running", timeout=30, step=0.02)
        started, seen = time.monotonic(), []
        while _job(token).state == "running":
            seen.append(_look(client, token))
            time.sleep(0.1)
        took = time.monotonic() - started

    assert took > 2 * STALE  # long enough to go stale, had nothing kept it alive
    done = [look["rows"] for look in seen if look["rows"] is not None]
    # Moving before the end, while nothing of it was saved yet (another connection counts).
    assert any(0 < look["rows"] < ROWS and look["records"] == 0 for look in seen
               if look["rows"] is not None), seen
    assert done == sorted(done) and all(look["total"] == ROWS for look in seen if look["total"])
    assert [look for look in seen if look["interrupted"] or look["swept"] or look["failed"]] == []
    assert {look["records"] for look in seen} <= {0, ROWS}  # every row or none, never some
    job = _job(token)
    assert (job.kind, job.state, job.attempts, job.rows_done) == ("imports.commit", "done", 1,
                                                                  ROWS)
    assert db.session.scalar(sa.select(sa.func.count(AlumnusRecord.id))) == ROWS
    assert live.read(job.id) is None  # its note is gone with it


def test_a_job_whose_note_stopped_too_is_interrupted(app, office, users, login):
    """The note keeps a job alive only while it is recent: a dead worker's job is still swept."""
    if not live.wanted():
        pytest.skip("jobs note their progress in the queue's store on SQLite only")
    long_ago = utcnow() - timedelta(seconds=app.config["JOB_STALE_SECONDS"] + 60)
    job = Job(kind="imports.commit", state="running", office_id=office.id, rows_total=10,
              rows_done=0, started_at=long_ago, heartbeat_at=long_ago)
    db.session.add(job)
    db.session.commit()
    live.note(job.id, 7)
    assert (tracking.shown_state(job), tracking.rows_done(job)) == ("running", 7)
    assert "7 of 10" in login(users["admin"]).get("/admin/jobs").text  # the jobs page too
    assert tracking.mark_interrupted() == 0
    later = utcnow() + timedelta(seconds=app.config["JOB_STALE_SECONDS"] + 1)
    assert tracking.shown_state(job, later) == "interrupted"
    assert tracking.mark_interrupted(later) == 1
    db.session.refresh(job)
    assert job.state == "interrupted"
    live.forget(job.id)
