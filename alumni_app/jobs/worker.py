"""`flask worker`: the queue's consumer with the app's settings, and its heartbeat.

Each worker process runs Huey's consumer: worker threads that take tasks from the queue, and
a scheduler that queues retries when their time comes and, unless --no-periodic, the periodic
tasks (mail every minute, the daily reminders...). The scheduler also writes the process's
heartbeat, which /healthz and the jobs page read.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time
from datetime import datetime, timedelta

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from huey.consumer import Consumer, Scheduler

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.jobs.models import WorkerHeartbeat
from alumni_app.jobs.queue import huey, queue_length, queue_url

log = logging.getLogger("alumni_app.jobs")


def record_heartbeat(name: str, *, workers: int, runs_schedule: bool) -> None:
    """Note that the worker `name` is alive now (one row per worker process)."""
    now = utcnow()
    updated = db.session.execute(
        sa.update(WorkerHeartbeat).where(WorkerHeartbeat.name == name)
        .values(seen_at=now, workers=workers, runs_schedule=runs_schedule)
        .execution_options(synchronize_session=False)).rowcount
    if not updated:
        db.session.add(WorkerHeartbeat(name=name, started_at=now, seen_at=now, workers=workers,
                                       runs_schedule=runs_schedule))
    db.session.commit()


def last_seen() -> datetime | None:
    """When a worker last gave a sign of life (None: never)."""
    return db.session.scalar(sa.select(sa.func.max(WorkerHeartbeat.seen_at)))


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
