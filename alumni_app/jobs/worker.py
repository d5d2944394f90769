"""`flask worker`: the queue's consumer with the app's settings, and its heartbeat.

Each worker process runs Huey's consumer: worker threads that take tasks from the queue, and
a scheduler that queues retries when their time comes and, unless --no-periodic, the periodic
tasks (mail every minute, the daily reminders...). The scheduler also writes the process's
heartbeat, which /healthz and the jobs page read.

The heartbeat is kept twice: a row per worker process in the database (the jobs page lists
them) and the latest time any worker was seen in the queue's own store (huey's key-value
data: its SQLite file, or Redis). On SQLite an import holds the database's write lock for its
one all-or-nothing transaction, minutes for a large file; the row cannot be written meanwhile
(the attempt waits a moment, not the driver's five seconds), but the store's note can, so
/healthz still sees a worker that is busy importing.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from huey.consumer import Consumer, Scheduler

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.jobs.models import WorkerHeartbeat
from alumni_app.jobs.queue import QUEUE_ERRORS, huey, queue_length, queue_url

log = logging.getLogger("alumni_app.jobs")
SEEN_KEY = "workers-seen"
# How long the heartbeat waits for SQLite's write lock before giving up until the next beat.
ROW_WAIT_MS = 200


def note_seen() -> None:
    """Note in the queue's store that a worker is alive now (whichever worker: the latest)."""
    try:
        huey.put(SEEN_KEY, time.time())
    except QUEUE_ERRORS as exc:  # the queue is down: the database row still says it
        log.warning("worker heartbeat not noted in the queue: %s", exc)


def _noted_seen() -> datetime | None:
    try:
        value = huey.get(SEEN_KEY, peek=True)
    except QUEUE_ERRORS:
        return None
    return datetime.fromtimestamp(value, UTC) if value else None


@contextmanager
def _short_wait():
    """On SQLite, wait for the write lock a moment only (an import may hold it for minutes)."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {ROW_WAIT_MS}")
    try:
        yield
    finally:
        with suppress(sa.exc.SQLAlchemyError):
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(before)}")


def record_heartbeat(name: str, *, workers: int, runs_schedule: bool) -> None:
    """Note that the worker `name` is alive now (one row per worker process)."""
    note_seen()
    with _short_wait():
        _write_row(name, workers=workers, runs_schedule=runs_schedule)
    db.session.commit()


def _write_row(name: str, *, workers: int, runs_schedule: bool) -> None:
    now = utcnow()
    updated = db.session.execute(
        sa.update(WorkerHeartbeat).where(WorkerHeartbeat.name == name)
        .values(seen_at=now, workers=workers, runs_schedule=runs_schedule)
        .execution_options(synchronize_session=False)).rowcount
    if not updated:
        db.session.add(WorkerHeartbeat(name=name, started_at=now, seen_at=now, workers=workers,
                                       runs_schedule=runs_schedule))
        db.session.flush()


def last_seen() -> datetime | None:
    """When a worker last gave a sign of life (None: never): its row or the store's note."""
    seen = [db.session.scalar(sa.select(sa.func.max(WorkerHeartbeat.seen_at))), _noted_seen()]
    return max((moment for moment in seen if moment is not None), default=None)


class Heartbeat:
    """Writes this process's heartbeat at most every WORKER_HEARTBEAT_SECONDS."""

    def __init__(self, app: Flask, workers: int, runs_schedule: bool) -> None:
        self.app, self.workers, self.runs_schedule = app, workers, runs_schedule
        self.name = f"{socket.gethostname()}:{os.getpid()}"[:200]
        self.every = app.config["WORKER_HEARTBEAT_SECONDS"]
        self.due = 0.0

    def beat(self) -> None:
        if time.monotonic() < self.due:
            return
        self.due = time.monotonic() + self.every
        with self.app.app_context():
            try:
                record_heartbeat(self.name, workers=self.workers,
                                 runs_schedule=self.runs_schedule)
            except sa.exc.SQLAlchemyError as exc:  # the database is down: try again later
                db.session.rollback()
                log.warning("worker heartbeat not written: %s", exc)


class HeartbeatScheduler(Scheduler):
    heartbeat: Heartbeat | None = None

    def initialize(self):
        super().initialize()
        if self.heartbeat is not None:
            self.heartbeat.beat()

    def loop(self, now=None):
        super().loop(now)
        if self.heartbeat is not None:
            self.heartbeat.beat()


class WorkerConsumer(Consumer):
    """Huey's consumer whose scheduler also writes the heartbeat."""

    scheduler_class = HeartbeatScheduler

    def __init__(self, app: Flask, *, workers: int, periodic: bool) -> None:
        self.heartbeat = Heartbeat(app, workers, periodic)
        poll = float(app.config["QUEUE_POLL_SECONDS"])
        # SIGTERM (systemd, containers, a PaaS) lets the tasks in hand finish; SIGINT (Ctrl-C
        # in a terminal) stops at once.
        super().__init__(huey, workers=workers, periodic=periodic, worker_type="thread",
                         initial_delay=min(0.05, poll), backoff=1.15, max_delay=poll,
                         graceful_signal="TERM")

    def _create_scheduler(self):
        scheduler = super()._create_scheduler()
        scheduler.heartbeat = self.heartbeat
        return scheduler


def shown_url(url: str) -> str:
    """The queue's address without its password."""
    return re.sub(r"://([^:/@]*):[^@/]*@", r"://\1:***@", url)


@click.command("worker")
@click.option("-w", "--workers", type=click.IntRange(1, 64), default=None,
              help="Tasks run at once by this process (default: QUEUE_WORKERS).")
@click.option("--no-periodic", is_flag=True,
              help="Do not queue the schedule's tasks (run it in one worker only).")
@with_appcontext
def worker_command(workers, no_periodic):
    """Run the background worker: queued tasks and the schedule."""
    app = current_app._get_current_object()
    if huey.immediate:
        raise click.UsageError("QUEUE_IMMEDIATE is on: tasks run where they are queued, "
                               "there is nothing for a worker to do")
    workers = workers or app.config["QUEUE_WORKERS"]
    consumer = WorkerConsumer(app, workers=workers, periodic=not no_periodic)
    click.echo(f"worker: {workers} at once, queue {shown_url(queue_url(app))} "
               f"({app.config['QUEUE_NAME']}), schedule {'off' if no_periodic else 'on'}")
    consumer.run()


def health() -> dict:
    """The queue and the workers, as /healthz reports them."""
    if huey.immediate:
        return {"queue": {"state": "inline"}}
    waiting = queue_length()
    try:
        seen = last_seen()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        seen = None
    limit = timedelta(seconds=current_app.config["WORKER_STALE_SECONDS"])
    return {
        "queue": {"state": "down" if waiting is None else "up", "waiting": waiting},
        "worker": {"seen": seen is not None and seen >= utcnow() - limit,
                   "last_seen": seen.isoformat() if seen else None},
    }


def recent_workers(days: int = 1) -> list[WorkerHeartbeat]:
    """The worker processes seen in the last `days` days, the latest first."""
    since = utcnow() - timedelta(days=days)
    return list(db.session.scalars(sa.select(WorkerHeartbeat).where(
        WorkerHeartbeat.seen_at >= since).order_by(WorkerHeartbeat.seen_at.desc())))
