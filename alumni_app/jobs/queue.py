"""The task queue: one Huey instance for the whole app, its storage chosen by the settings.

`huey` is importable without an app: features declare their tasks on it at import time
(`<feature>/tasks.py`). `init_app()` (called by create_app) points it at its storage, SQLite in
the instance folder unless QUEUE_URL (or REDIS_URL) names a Redis, and records the app the
tasks of this process run in. A task receives ids, never objects, and runs in an app context:
the caller's when it runs inline (QUEUE_IMMEDIATE, the operator commands), its own in a worker.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from redis import ConnectionPool
from redis.exceptions import RedisError

log = logging.getLogger("alumni_app.jobs")

# What a queue that cannot be reached raises (Redis down, a locked or missing SQLite file).
QUEUE_ERRORS = (RedisError, sqlite3.Error, OSError)

# results=False: nothing waits for a task's return value, so none is stored.
huey = Huey("alumni", results=False, utc=True, storage_class=MemoryStorage)
TASKS: dict[str, object] = {}  # kind -> task, so a failed job can be queued again
_state: dict[str, Flask] = {}


def queue_url(app: Flask) -> str:
    """Where the queue lives: QUEUE_URL / REDIS_URL, else a SQLite file in the instance folder."""
    return app.config.get("QUEUE_URL") or f"sqlite:///{Path(app.instance_path) / 'queue.db'}"


def _storage(url: str, name: str):
    if url.startswith(("redis://", "rediss://", "unix://")):
        # Short timeouts: a web request that queues work must not hang on an unreachable Redis.
        pool = ConnectionPool.from_url(url, socket_connect_timeout=2, socket_timeout=10,
                                       health_check_interval=30)
        return RedisStorage(name, connection_pool=pool)
    if url.startswith("sqlite:///"):
        filename = url.removeprefix("sqlite:///")
        Path(filename).parent.mkdir(parents=True, exist_ok=True)
        return SqliteStorage(name, filename=filename, timeout=10)
    if url.startswith("memory://"):
        return MemoryStorage(name)
    raise SystemExit(f"alumni_app: QUEUE_URL must be redis://, sqlite:/// or memory://: {url!r}")


def init_app(app: Flask) -> None:
    """Point the queue at the storage the settings name; tasks of this process use `app`."""
    name = app.config["QUEUE_NAME"]
    immediate = bool(app.config["QUEUE_IMMEDIATE"])
    old = huey.storage
    huey.name = name
    huey.storage = MemoryStorage(name) if immediate else _storage(queue_url(app), name)
    huey._immediate = immediate
    if old is not huey.storage:
        old.close()
    _state["app"] = app
    app.extensions["queue"] = huey


def task_app() -> Flask:
    """The app a worker's tasks run in (the one the worker command built)."""
    try:
        return _state["app"]
    except KeyError:
        raise RuntimeError("no app for the tasks: start workers with "
                           "`flask --app alumni_app worker`") from None


def in_app_context(fn):
    """Run `fn` in the caller's app context, or in a fresh one of the task app (a worker)."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        if has_app_context():
            return fn(*args, **kwargs)
        with task_app().app_context():
            return fn(*args, **kwargs)

    return run


def enqueue(task, *args, **kwargs) -> bool:
    """Queue `task(*args)`; False, and a warning in the log, when the queue cannot be reached.

    Failed runs are tried again QUEUE_RETRIES times with a doubling wait (none inline).
    """
    config = current_app.config if has_app_context() else {}
    retries = 0 if huey.immediate else config.get("QUEUE_RETRIES", 3)
    signature = task.s(*args, retries=retries, retry_delay=config.get("QUEUE_RETRY_DELAY", 30),
                       retry_backoff=2, **kwargs)
    try:
        huey.enqueue(signature)
    except QUEUE_ERRORS as exc:
        log.warning("task %s not queued, the queue cannot be reached: %s", task.name, exc)
        return False
    return True


def queue_length() -> int | None:
    """Tasks waiting for a worker (None when the queue cannot be reached)."""
    try:
        return huey.pending_count()
    except QUEUE_ERRORS:
        return None
