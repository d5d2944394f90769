"""Helpers for the tests of background work: an in-memory queue, served apps, real workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alumni_app import create_app
from alumni_app.extensions import db
from alumni_app.jobs import huey
from alumni_app.jobs import queue as job_queue
from alumni_app.jobs.worker import WorkerConsumer
from tests import factories

ROOT = Path(__file__).resolve().parents[1]


class InMemoryQueue:
    """Tasks queued by the app wait here; `run_all()` does what a worker would."""

    @classmethod
    def installed(cls, app) -> Iterator[type[InMemoryQueue]]:
        app.config.update(QUEUE_IMMEDIATE=False, QUEUE_URL="memory://")
        job_queue.init_app(app)
        try:
            yield cls
        finally:
            app.config.update(QUEUE_IMMEDIATE=True)
            job_queue.init_app(app)

    @staticmethod
    def pending() -> list[tuple[str, tuple]]:
        return [(type(task).__name__, task.args) for task in huey.pending()]

    @staticmethod
    def run_all() -> int:
        done = 0
        while (task := huey.dequeue()) is not None:
            huey.execute(task)
            done += 1
        return done


def served(app, tmp_path, backend: str, redis_url: str | None):
    """Build the app as served next to the test's `app`; give the test's app its queue back."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    on_sqlite = url.startswith("sqlite")
    if on_sqlite:
        url = f"sqlite:///{tmp_path / 'served.db'}"
    queue_url = redis_url if backend == "redis" else f"sqlite:///{tmp_path / 'queue.db'}"
    settings = {**factories.TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": url,
                "QUEUE_IMMEDIATE": False, "QUEUE_URL": queue_url,
                "QUEUE_NAME": f"alumni_test_{uuid.uuid4().hex[:12]}",
                "QUEUE_RETRY_DELAY": 0.2, "QUEUE_POLL_SECONDS": 0.1,
                "WORKER_HEARTBEAT_SECONDS": 1}
    served_app = create_app(settings)
    try:
        with served_app.app_context():
            if on_sqlite:
                db.create_all()
            yield served_app
            db.session.remove()
            db.engine.dispose()
    finally:
        huey.flush()  # this run's keys only (its own queue name), never the whole Redis
        job_queue.init_app(app)


@contextmanager
def running_worker(app, *, workers: int = 1, periodic: bool = False) -> Iterator[WorkerConsumer]:
    """Huey's consumer as `flask worker` runs it, in threads of the test process."""
    consumer = WorkerConsumer(app, workers=workers, periodic=periodic)
    consumer._set_signal_handlers = lambda: None  # leave pytest's Ctrl-C alone
    consumer.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)


def wait_for(condition: Callable[[], object], timeout: float = 30, step: float = 0.05):
    """Poll `condition` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # read what the workers committed meanwhile
        if value := condition():
            return value
        time.sleep(step)
    raise AssertionError(f"not true after {timeout} s: {condition}")


def _worker_env(app, settings: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "QUEUE_"))}
    env.update(APP_ENV="development", DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               QUEUE_URL=app.config["QUEUE_URL"], QUEUE_NAME=app.config["QUEUE_NAME"],
               QUEUE_POLL_SECONDS="0.1", WORKER_HEARTBEAT_SECONDS="1", MAIL_BACKEND="memory")
    env.update({name: str(value) for name, value in settings.items()})
    return env


def start_worker(app, *args: str, **settings) -> subprocess.Popen:
    """`flask --app alumni_app worker` in its own process, with `app`'s database and queue
    (and `settings` in its environment)."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "alumni_app", "worker", *args],
        cwd=ROOT, env=_worker_env(app, settings), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True)


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> str:
    """Signal the worker's process group; return what it printed."""
    try:
        os.killpg(process.pid, sig)
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    return output
