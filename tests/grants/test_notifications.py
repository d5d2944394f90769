"""E-mail of the grant workflow goes out after the commit, never breaks it, and is retried."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from alumni_app import mail
from alumni_app.extensions import db
from alumni_app.grants import applications
from alumni_app.grants.review_models import GrantComment
from alumni_app.mail import OutboundEmail
from tests import factories
from tests.grants import factories as f


def _last_to(email: str) -> OutboundEmail:
    db.session.expire_all()
    return db.session.scalar(sa.select(OutboundEmail).where(OutboundEmail.recipient == email)
                             .order_by(OutboundEmail.id.desc()).limit(1))


def _shared_comment(login, application, users):
    return login(users["officer"]).post(
        f"/staff/grants/applications/{application.id}/comments",
        data={"body": "Please send the venue quote.", "shared": "y"})


def test_mail_is_queued_for_a_worker_once_the_request_committed(
        app, login, office, users, outbox, task_queue):
    applicant = f.eligible_alumnus(office)
    application = f.submitted(f.make_call(office, users["manager"]), applicant)
    outbox.clear()
    response = _shared_comment(login, application, users)
    assert response.status_code == 302
    assert outbox == []  # the response is complete and nothing was sent during the request
    row = _last_to(applicant.email)
    assert (row.sent_at, row.claimed_at) == (None, None)  # committed, for the worker to claim
    assert task_queue.pending() == [("deliver_mail", ([row.id],))]
    assert task_queue.run_all() == 1  # what a worker does
    assert [m["To"] for m in outbox] == [applicant.email]
    assert _last_to(applicant.email).sent_at is not None


def test_a_failing_mail_server_neither_breaks_the_change_nor_loses_the_mail(
        app, login, office, users, outbox, monkeypatch, caplog):
    app.config["MAIL_BACKEND"] = "smtp"

    def refused(email, connection, sender=None):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(mail, "_deliver_smtp", refused)
    applicant = f.eligible_alumnus(office)
    application = f.submitted(f.make_call(office, users["manager"]), applicant)
    with caplog.at_level(logging.WARNING, logger="alumni_app.mail"):
        response = _shared_comment(login, application, users)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GrantComment)) == 1
    row = _last_to(applicant.email)
    assert (row.sent_at, row.claimed_at, row.attempts) == (None, None, 1)
    assert "mail server down" in row.last_error
    monkeypatch.undo()
    app.config["MAIL_BACKEND"] = "memory"
    assert mail.deliver_pending() >= (1, 0)  # the next delivery sends what failed
    assert applicant.email in [m["To"] for m in outbox]


def test_the_office_managers_hear_of_a_submission_in_their_language(app, office, users):
    russian = factories.make_user("manager", office, second_factor=True,
                                  preferred_language="ru")
    applicant = f.eligible_alumnus(office)
    application = f.draft(f.make_call(office, users["manager"]), applicant)
    applications.submit(applicant, application, "tok-managers-1")
    db.session.commit()
    subjects = dict(db.session.execute(sa.select(OutboundEmail.recipient,
                                                 OutboundEmail.subject)).all())
    assert subjects[users["manager"].email] == (
        "A new application came in: Clean water for Khujand schools")
    assert subjects[russian.email].startswith("Поступила новая заявка")
    assert users["officer"].email not in subjects
