"""Operators see the work: the jobs page, its retry button, and /healthz."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from alumni_app.audit import AuditEvent
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.jobs import huey
from alumni_app.jobs.models import Job, WorkerHeartbeat
from alumni_app.jobs.worker import SEEN_KEY, record_heartbeat
from tests.jobs.factories import make_job


def _page(http, query: str = "") -> str:
    response = http.get(f"/admin/jobs{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_lists_recent_and_failed_jobs_in_words(app, login, users, office):
    make_job("plans.reminders", "done", office=office, counts='{"sent": 12}', minutes_ago=30)
    make_job("mail.deliver", "failed", actor=users["officer"], attempts=4,
             error="MailNotDelivered: 2 of 5 message(s) not delivered yet")
    make_job("grants.reminders", "running", office=office,
             heartbeat_at=utcnow() - timedelta(hours=1))  # its worker died
    make_job("grants.reminders", "running", minutes_ago=0)  # alive
    http = login(users["admin"])
    page = _page(http)
    for text in ("Action plan reminders", "Tajikistan Office", "sent: 12", "Done",
                 "E-mail delivery", users["officer"].display_name, "4 tries",
                 "MailNotDelivered: 2 of 5 message(s) not delivered yet",
                 "Interrupted: its worker stopped while it ran", "Running", "the schedule"):
        assert text in page, text
    assert page.count("Run again") == 2  # the failed and the interrupted one
    failed = _page(http, "?show=failed")
    assert "E-mail delivery" in failed and "Interrupted" in failed
    assert "Action plan reminders" not in failed and ">Running<" not in failed


def test_the_page_reads_in_russian(app, login, make_user):
    make_job("mail.deliver", "failed", error="SMTPServerDisconnected: Connection closed")
    admin = make_user("admin", second_factor=True, preferred_language="ru")
    page = _page(login(admin))
    assert "Фоновые задания" in page and "Доставка почты" in page and "Не выполнено" in page


@pytest.mark.parametrize("role", ["alumnus", "officer", "manager"])
def test_only_administrators_see_the_jobs(app, login, users, role):
    job = make_job()
    http = login(users[role])
    assert http.get("/admin/jobs").status_code == 403
    assert http.post(f"/admin/jobs/{job.id}/retry").status_code == 403
    db.session.expire_all()
    assert db.session.get(Job, job.id).state == "failed"


def test_a_failed_job_runs_again_once_and_the_retry_is_audited(app, login, users, outbox):
    from alumni_app.auth.tasks import prune_old_sessions  # noqa: F401 - the task of the kind

    job = make_job("auth.prune_sessions", "failed", error="OperationalError: locked")
    http = login(users["admin"])
    response = http.post(f"/admin/jobs/{job.id}/retry", follow_redirects=True)
    assert "The job was queued again." in response.get_data(as_text=True)
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert (job.state, job.attempts, job.error) == ("done", 2, None)  # ran inline in tests
    assert job.count_items == [("deleted", 0)]
    again = http.post(f"/admin/jobs/{job.id}/retry", follow_redirects=True)
    assert "nothing was started" in again.get_data(as_text=True)
    assert db.session.get(Job, job.id).attempts == 2
    events = db.session.scalars(sa.select(AuditEvent.action)
                                .where(AuditEvent.action == "job.retried")).all()
    assert events == ["job.retried"]


def test_a_missing_job_is_404(app, login, users):
    assert login(users["admin"]).post("/admin/jobs/9999/retry").status_code == 404


def test_healthz_reports_the_queue_and_whether_a_worker_was_seen(app, client, task_queue):
    body = client.get("/healthz").get_json()
    assert body["database"] == "up"
    assert body["queue"] == {"state": "up", "waiting": 0}
    assert body["worker"] == {"seen": False, "last_seen": None}
    record_heartbeat("host-a:12", workers=2, runs_schedule=True)
    assert client.get("/healthz").get_json()["worker"]["seen"] is True
    long_ago = utcnow() - timedelta(seconds=app.config["WORKER_STALE_SECONDS"] + 5)
    db.session.execute(sa.update(WorkerHeartbeat).values(seen_at=long_ago))
    db.session.commit()
    assert client.get("/healthz").get_json()["worker"]["seen"] is True  # the queue's note
    huey.put(SEEN_KEY, long_ago.timestamp())
    body = client.get("/healthz").get_json()
    assert body["worker"]["seen"] is False and body["worker"]["last_seen"] is not None
    from alumni_app.jobs import enqueue
    from alumni_app.jobs.tasks import ping

    enqueue(ping, "t", 0.0)
    enqueue(ping, "u", 0.0)
    assert client.get("/healthz").get_json()["queue"] == {"state": "up", "waiting": 2}
