"""Mail as a job: delivered by workers of the queue, each message once, whatever the mail
server does in the middle of a batch (a real SMTP server and a real worker)."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa
from flask import current_app

from alumni_app import jobs, mail
from alumni_app.extensions import db
from alumni_app.jobs.models import Job
from alumni_app.mail import OutboundEmail
from tests.queue_helpers import running_worker, wait_for
from tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.queue

RECIPIENTS = [f"alumnus{n}@example.org" for n in range(10)]


def _queue_messages() -> list[int]:
    with current_app.test_request_context():
        ids = [mail.send_email(to, "password_changed", user=_Person(to)).id for to in RECIPIENTS]
    db.session.commit()
    return ids


class _Person:
    def __init__(self, email: str) -> None:
        self.email, self.display_name = email, "Alumnus"


def _use(app, sink: SmtpSink, **settings) -> None:
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port,
                      MAIL_TIMEOUT=5, **settings)


def _all_sent() -> bool:
    return db.session.scalar(sa.select(sa.func.count(OutboundEmail.id))
                             .where(OutboundEmail.sent_at.is_(None))) == 0


def _jobs() -> list[tuple[str, str, int]]:
    return db.session.execute(sa.select(Job.kind, Job.state, Job.attempts).order_by(Job.id)).all()


def test_refused_in_the_middle_of_a_batch_the_rest_goes_out_later_and_nobody_twice(served_app):
    sink = SmtpSink(accept_first=3, refuse=2).start()  # 3 accepted, then "try later" twice
    _use(served_app, sink)
    try:
        ids = _queue_messages()
        assert jobs.enqueue(mail.deliver_mail, ids)  # what the request's after-commit hook does
        with running_worker(served_app, workers=2):
            wait_for(_all_sent)
            wait_for(lambda: _jobs() and _jobs()[-1][1] == "done")
    finally:
        sink.stop()
    assert Counter(sink.received) == Counter(RECIPIENTS)  # every one, each once
    assert sink.refused == 2
    # Tried three times: refused after three, refused again at once, then the other seven.
    assert _jobs() == [("mail.deliver", "done", 3)]
    db.session.expire_all()
    rows = db.session.scalars(sa.select(OutboundEmail)).all()
    assert sum(row.attempts for row in rows) == 10 + 2  # one try each, plus the two refused
    assert all(row.sent_at is not None and row.claimed_at is not None for row in rows)


def test_a_mail_server_down_past_the_retries_leaves_the_rest_to_the_schedule(served_app):
    sink = SmtpSink(accept_first=3, refuse=None).start()  # 3 accepted, then refusing
    _use(served_app, sink, QUEUE_RETRIES=1)
    ids = _queue_messages()
    try:
        with running_worker(served_app):
            assert jobs.enqueue(mail.deliver_mail, ids)
            wait_for(lambda: sink.refused >= 1)
            sink.stop()  # and now it is down altogether: connections refused
            failed = wait_for(lambda: db.session.scalar(
                sa.select(Job).where(Job.state == "failed")))
            assert "7 of 10 message(s) not delivered yet" in failed.error
            assert failed.attempts == 2  # tried, and tried once more after a wait

            sink.accept_from_now()
            sink.start()  # back up; the schedule's next delivery (every minute) sends the rest
            assert jobs.enqueue(mail.deliver_all_pending)
            wait_for(_all_sent)
    finally:
        sink.stop()
    assert Counter(sink.received) == Counter(RECIPIENTS)
    assert [(kind, state) for kind, state, _ in _jobs()] == [
        ("mail.deliver", "failed"), ("mail.deliver", "done")]
