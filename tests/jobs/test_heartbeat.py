"""A worker busy with a long SQLite import is still seen: its heartbeat does not wait for the
database's write lock, which the import holds for its one transaction."""

from __future__ import annotations

import logging
import sqlite3
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.jobs import huey
from alumni_app.jobs.models import WorkerHeartbeat
from alumni_app.jobs.worker import ROW_WAIT_MS, SEEN_KEY, Heartbeat, _short_wait


def _seen(app) -> bool:
    return app.test_client().get("/healthz").get_json()["worker"]["seen"]


@pytest.mark.queue
def test_a_worker_is_seen_while_an_import_holds_the_sqlite_write_lock(served_app, caplog):
    url = sa.engine.make_url(served_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("PostgreSQL writes the heartbeat row beside an open import")
    heartbeat = Heartbeat(served_app, workers=1, runs_schedule=True)
    heartbeat.beat()
    assert _seen(served_app)
    long_ago = utcnow() - timedelta(seconds=served_app.config["WORKER_STALE_SECONDS"] + 5)
    db.session.execute(sa.update(WorkerHeartbeat).values(seen_at=long_ago))
    db.session.commit()
    huey.put(SEEN_KEY, long_ago.timestamp())
    assert not _seen(served_app)  # a worker silent for longer than WORKER_STALE_SECONDS

    importing = sqlite3.connect(url.database, isolation_level=None)
    importing.execute("BEGIN IMMEDIATE")  # what an import's transaction holds
    try:
        heartbeat.due = 0
        with caplog.at_level(logging.WARNING, logger="alumni_app.jobs"):
            heartbeat.beat()
        assert _seen(served_app)  # /healthz: a worker is there, busy
    finally:
        importing.rollback()
        importing.close()
    assert "worker heartbeat not written" in caplog.text  # the row could not be written...
    db.session.rollback()
    assert db.session.scalar(sa.select(WorkerHeartbeat.seen_at)) == long_ago  # ...nor waited on

    heartbeat.due = 0
    heartbeat.beat()  # the lock released: the row is written again, with the driver's wait
    assert db.session.scalar(sa.select(WorkerHeartbeat.seen_at)) > long_ago
    connection = db.session.connection()  # the short wait is the heartbeat's alone
    with _short_wait():
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == ROW_WAIT_MS
    assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    assert time.time() - huey.get(SEEN_KEY, peek=True) < 60
