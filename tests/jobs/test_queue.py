"""The queue: `flask worker` runs what the app queues, and the schedule lives in code."""

from __future__ import annotations

import time
import uuid
from datetime import datetime

import pytest

from alumni_app import jobs
from alumni_app.jobs import TASKS, huey
from alumni_app.jobs.tasks import ping
from alumni_app.jobs.worker import last_seen, shown_url
from tests.queue_helpers import start_worker, stop, wait_for

# What runs every minute: mail, bulk messages with recipients left, the Telegram bot's updates.
EVERY_MINUTE = ["mail.deliver_pending", "messages.resume", "messages.telegram_updates"]
# (hour, minute) in UTC -> the kinds of work the schedule queues then, besides EVERY_MINUTE.
# Every five minutes: the jobs' sweep and the bounce reports' folder.
SCHEDULE = {
    (12, 0): ["jobs.sweep", "messages.read_bounces", "reports.refresh_schedule"],
    (12, 1): ["grants.reminders_schedule", "plans.reminders_schedule"],
    (12, 2): [],
    (3, 15): ["jobs.sweep", "messages.read_bounces"],
    (3, 20): ["jobs.sweep", "messages.read_bounces", "reports.refresh_schedule"],
    (3, 17): ["auth.prune_sessions"],
    (4, 17): [],
    (9, 7): ["events.reminders"],
}


@pytest.mark.parametrize(("hour", "minute"), list(SCHEDULE))
def test_the_schedule_lives_in_code(app, hour, minute):
    kind_of = {task.task_class: kind for kind, task in TASKS.items()}
    due = huey.read_periodic(datetime(2026, 12, 7, hour, minute))
    assert sorted(kind_of[type(task)] for task in due) == sorted(
        SCHEDULE[(hour, minute)] + EVERY_MINUTE)


def test_the_queue_s_address_is_shown_without_its_password():
    assert shown_url("redis://:s3cret@10.0.0.5:6379/1") == "redis://:***@10.0.0.5:6379/1"
    assert shown_url("redis://app:s3cret@host/1") == "redis://app:***@host/1"
    assert shown_url("sqlite:////srv/alumni/instance/queue.db") == (
        "sqlite:////srv/alumni/instance/queue.db")


@pytest.mark.queue
@pytest.mark.slow
def test_the_worker_command_runs_queued_tasks_with_the_app_s_settings(served_app):
    token = uuid.uuid4().hex
    queued_at = time.time()
    assert jobs.enqueue(ping, token, queued_at)  # queued before any worker runs
    assert huey.pending_count() == 1
    worker = start_worker(served_app, "--workers", "1")
    try:
        started = wait_for(lambda: huey.get(f"ping:{token}", peek=True), timeout=60)
        assert started[0] == queued_at and started[1] >= queued_at
        wait_for(lambda: huey.pending_count() == 0)  # and the schedule's first tasks too
        wait_for(last_seen, timeout=30)  # the worker's heartbeat
    finally:
        output = stop(worker)
    assert worker.returncode == 0, output
    assert "worker: 1 at once" in output and served_app.config["QUEUE_NAME"] in output
    assert "schedule on" in output


def test_the_worker_refuses_to_start_when_tasks_run_inline(app):
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code != 0 and "QUEUE_IMMEDIATE is on" in result.output
