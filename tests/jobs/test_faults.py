"""Faults: workers that die, tasks that raise, a queue that is down. Nothing is done twice."""

from __future__ import annotations

import logging
import os
import signal
import time
from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from alumni_app import jobs, mail
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.jobs import queue as job_queue
from alumni_app.jobs import tracking
from alumni_app.jobs.models import Job
from alumni_app.mail import OutboundEmail
from alumni_app.offices import schedule
from alumni_app.plans import reminders, tasks
from tests.jobs.factories import make_job
from tests.jobs.test_mail_delivery import RECIPIENTS, _all_sent, _queue_messages, _use
from tests.plans.test_reminder_schedule import _at, _due_plan_in
from tests.queue_helpers import running_worker, start_worker, stop, wait_for
from tests.smtp_sink import SmtpSink


class Killed(BaseException):
    """The worker process died here: nothing after this line ran, not even an except clause."""


def _job(**where) -> Job:
    db.session.expire_all()
    return db.session.scalar(sa.select(Job).filter_by(**where))


# --- a worker that dies -------------------------------------------------------------------

def test_reminders_of_a_worker_that_died_go_out_once_when_the_schedule_runs_again(
        app, office, outbox, task_queue, monkeypatch):
    alumni = [_due_plan_in(office) for _ in range(3)]
    day = date.today().isoformat()
    real, written = reminders._send_one, []

    def dies_after_the_first(*args, **kwargs):
        if written:
            raise Killed
        written.append(real(*args, **kwargs))
        return written[-1]

    monkeypatch.setattr(reminders, "_send_one", dies_after_the_first)
    with pytest.raises(Killed):
        tasks.send_office_reminders.call_local(office.id, day)
    db.session.rollback()
    monkeypatch.undo()
    job = _job(kind="plans.reminders")
    assert job.state == "running"  # as the dead worker left it

    # While its heartbeat is fresh nobody else takes it; once stale it is run again.
    assert schedule.queue_daily(tasks.send_office_reminders, tasks.reminder_key, 9,
                                now=_at(4)) == []
    db.session.execute(sa.update(Job).values(heartbeat_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    assert tracking.shown_state(_job(id=job.id)) == "interrupted"
    assert schedule.queue_daily(tasks.send_office_reminders, tasks.reminder_key, 9,
                                now=_at(4)) == [office.id]
    task_queue.run_all()
    mail.deliver_all_pending.call_local()  # the schedule's delivery: the dead run's e-mail
    assert Counter(m["To"] for m in outbox) == Counter(a.email for a in alumni)
    job = _job(id=job.id)
    assert (job.state, job.attempts) == ("done", 2)
    assert job.count_items == [("already_sent", 1), ("delivered", 2), ("failed", 0),
                               ("sent", 2)]


@pytest.mark.queue
@pytest.mark.slow
def test_a_worker_killed_in_the_middle_of_a_batch_is_reported_and_nobody_gets_two_copies(
        served_app):
    sink = SmtpSink(hold_at=4).start()  # four accepted; no answer to the fifth
    _use(served_app, sink, JOB_STALE_SECONDS=2, MAIL_CLAIM_SECONDS=2)
    settings = {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": sink.port,
                "JOB_STALE_SECONDS": 2, "MAIL_CLAIM_SECONDS": 2}
    try:
        ids = _queue_messages()
        assert jobs.enqueue(mail.deliver_mail, ids)
        worker = start_worker(served_app, "--workers", "1", "--no-periodic", **settings)
        try:
            assert sink.holding.wait(60), "the worker never reached the fifth message"
        finally:
            stop(worker, signal.SIGKILL)  # killed: no handler, no cleanup
        sink.release()
        job = wait_for(lambda: _job(kind="mail.deliver"))
        assert job.state == "running" and len(sink.received) == 4
        time.sleep(2.5)  # no heartbeat: the job is stale, the fifth message's lease ran out
        assert tracking.mark_interrupted() == 1  # what the sweep does every five minutes
        assert _job(id=job.id).state == "interrupted"

        tracking.queue_again(_job(id=job.id), None)  # an operator's "Run again"
        worker = start_worker(served_app, "--workers", "1", "--no-periodic", **settings)
        try:
            wait_for(_all_sent, timeout=60)
            wait_for(lambda: _job(id=job.id).state == "done", timeout=30)
        finally:
            stop(worker)
    finally:
        sink.stop()
    assert Counter(sink.received) == Counter(RECIPIENTS)  # each once, the fifth included
    assert _job(id=job.id).attempts == 2


# --- a task that raises -------------------------------------------------------------------

ATTEMPTS: list[float] = []


@jobs.task("tests.always_fails", label="A task that always fails")
def always_fails(marker: str) -> None:
    ATTEMPTS.append(time.monotonic())
    raise RuntimeError(f"the printer is on fire ({marker})")


@pytest.mark.queue
@pytest.mark.slow
def test_a_task_that_raises_is_retried_with_back_off_a_bounded_number_of_times(served_app):
    served_app.config.update(QUEUE_RETRIES=3, QUEUE_RETRY_DELAY=1)
    ATTEMPTS.clear()
    assert jobs.enqueue(always_fails, "a")
    with running_worker(served_app):
        job = wait_for(lambda: _job(kind="tests.always_fails", state="failed"), timeout=60)
        time.sleep(2)  # and nothing more after the last try
    assert len(ATTEMPTS) == 4  # the first run and three retries
    waits = [later - earlier for earlier, later in zip(ATTEMPTS, ATTEMPTS[1:], strict=False)]
    assert waits == sorted(waits) and waits[0] >= 0.9 and waits[-1] >= 3.5  # 1 s, 2 s, 4 s
    assert job.attempts == 4 and job.error == "RuntimeError: the printer is on fire (a)"


def test_while_retries_remain_the_job_shows_it_will_be_tried_again(app, task_queue):
    with pytest.raises(RuntimeError):
        always_fails.call_local("b")  # inline: no retry
    assert _job(kind="tests.always_fails").state == "failed"
    job_id = tracking.begin("tests.always_fails", ("c",), task_id="t-1")
    tracking.finish(job_id, tracking.JobState.RETRYING, error="RuntimeError: once")
    assert _job(id=job_id).state == "retrying" and _job(id=job_id).finished_at is None


# --- two workers, one job -----------------------------------------------------------------

def test_a_job_of_a_live_worker_is_not_taken_by_another_but_a_dead_one_s_is(app):
    key = "plans.reminders:1:2026-12-07"
    first = tracking.begin("plans.reminders", (1, "2026-12-07"), key=key)
    assert first is not None
    assert tracking.begin("plans.reminders", (1, "2026-12-07"), key=key) is None  # alive
    db.session.execute(sa.update(Job).values(heartbeat_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    assert tracking.begin("plans.reminders", (1, "2026-12-07"), key=key) == first  # dead
    assert tracking.begin("plans.reminders", (1, "2026-12-07"), key=key) is None
    tracking.finish(first, tracking.JobState.DONE)
    assert tracking.begin("plans.reminders", (1, "2026-12-07"), key=key) is None  # done
    assert _job(id=first).attempts == 2


# --- the queue is down ----------------------------------------------------------------------

@pytest.fixture
def queue_down(app):
    """A Redis that does not answer (nothing listens on port 1)."""
    app.config.update(QUEUE_IMMEDIATE=False, QUEUE_URL="redis://127.0.0.1:1/1")
    job_queue.init_app(app)
    yield
    app.config.update(QUEUE_IMMEDIATE=True)
    job_queue.init_app(app)


def test_the_web_app_serves_while_the_queue_is_down_and_mail_waits_in_the_outbox(
        app, client, login, users, outbox, queue_down, caplog):
    with caplog.at_level(logging.WARNING, logger="alumni_app.jobs"):
        started = time.monotonic()
        response = client.post("/reset", data={"email": users["alumnus"].email})
        assert response.status_code in (200, 302) and time.monotonic() - started < 3
    assert "not queued, the queue cannot be reached" in caplog.text
    row = db.session.scalar(sa.select(OutboundEmail))
    assert row.recipient == users["alumnus"].email and row.sent_at is None and outbox == []

    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json()["queue"] == {"state": "down", "waiting": None}

    failed = make_job("auth.prune_sessions", "failed")
    admin = login(users["admin"])
    assert "The job queue cannot be reached." in admin.get("/admin/jobs").get_data(as_text=True)
    response = admin.post(f"/admin/jobs/{failed.id}/retry", follow_redirects=True)
    assert "cannot be reached just now" in response.get_data(as_text=True)
    assert _job(id=failed.id).state == "failed"  # as it was: nothing lost, nothing started

    # The queue is back: the schedule's delivery sends what waited.
    assert mail.deliver_all_pending.call_local() == 1
    assert [m["To"] for m in outbox] == [users["alumnus"].email]


@pytest.mark.queue
@pytest.mark.slow
def test_a_worker_stopped_with_sigterm_finishes_the_task_in_hand(served_app):
    sink = SmtpSink(hold_at=4).start()
    _use(served_app, sink)
    settings = {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": sink.port}
    try:
        assert jobs.enqueue(mail.deliver_mail, _queue_messages())
        worker = start_worker(served_app, "--workers", "1", "--no-periodic", **settings)
        try:
            assert sink.holding.wait(60), "the worker never reached the fifth message"
            os.killpg(worker.pid, signal.SIGTERM)  # systemd stopping the service
            time.sleep(1)
            assert worker.poll() is None  # still finishing its batch
            sink.release()
            output, _ = worker.communicate(timeout=60)
        finally:
            if worker.poll() is None:
                stop(worker, signal.SIGKILL)
    finally:
        sink.stop()
    assert worker.returncode == 0, output
    assert Counter(sink.received) == Counter(RECIPIENTS)
    assert _job(kind="mail.deliver").state == "done"
