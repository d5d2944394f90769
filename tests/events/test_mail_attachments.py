"""E-mails carry attachments from the outbox to the reader: the calendar file as UTF-8 text,
images as bytes; a rolled-back change leaves neither message nor attachment."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app import mail
from alumni_app.extensions import db
from alumni_app.mail import EmailAttachment, OutboundEmail


def test_attachments_travel_with_the_message(app, outbox, users):
    with app.test_request_context():
        message = mail.send_email(
            "reader@example.org", "password_changed", locale="ru", user=users["alumnus"],
            attachments=[("встреча.ics", "text/calendar", "SUMMARY:Встреча\r\n".encode()),
                         ("code.png", "image/png", b"\x89PNG\r\n\x1a\nfake")])
        db.session.commit()
    mail.deliver_pending([message.id])
    delivered = outbox[-1]
    parts = {p.get_filename(): p for p in delivered.iter_attachments()}
    assert parts["встреча.ics"].get_content().splitlines() == ["SUMMARY:Встреча"]
    assert parts["встреча.ics"].get_content_type() == "text/calendar"
    assert parts["code.png"].get_content() == b"\x89PNG\r\n\x1a\nfake"


def test_a_rolled_back_message_leaves_no_attachment(app, users):
    with app.test_request_context():
        mail.send_email("reader@example.org", "password_changed", user=users["alumnus"],
                        attachments=[("a.ics", "text/calendar", b"X")])
        db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EmailAttachment)) == 0
