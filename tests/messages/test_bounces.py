"""Bounce reports that come after the mail server took a message (RFC 3464 delivery status
notifications): a permanent failure marks the person's row and address bounced with the
receiving server's words, so the next message skips them; delays, other mail, forged or
unknown reports change nothing; the Maildir folder is read once; the envelope sender names
the row (VERP)."""

from __future__ import annotations

import mailbox
import re

import pytest
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.messages import bounces, bulk
from alumni_app.messages.models import BouncedAddress, MessageRecipient
from tests.messages.factories import alumnus_with_record, make_announcement
from tests.smtp_sink import SmtpSink

GONE = "gone@example.net"
UNKNOWN_USER = (f"smtp; 550 5.1.1 <{GONE}>: Recipient address rejected: User unknown in "
                "virtual mailbox table")


@pytest.fixture
def people(office):
    return {name: alumnus_with_record(office, email=address)[1] for name, address in
            (("aziz", "aziz@example.org"), ("gone", GONE), ("kept", "kept@example.org"))}


@pytest.fixture
def announcement(office, users):
    return make_announcement(office, users["officer"], title_en="Alumni forum",
                             body_en="Join us in **May**.")


def _send(app, users, announcement):
    with app.test_request_context():
        message = bulk.send_announcement(users["officer"], announcement)
        db.session.commit()
    bulk.deliver(message.id)
    return message


@pytest.fixture
def sent(app, users, people, announcement, outbox):
    """The announcement sent to the three people: {address: the e-mail as sent}."""
    _send(app, users, announcement)
    return {m["To"]: m for m in outbox}


def _headers(original) -> str:
    return original.as_string().replace("\r\n", "\n").partition("\n\n")[0]


def postfix_report(original=None, *, to="bounces@example.org", action="failed",
                   status="5.1.1", diagnostic=UNKNOWN_USER, recipient=GONE) -> bytes:
    """A report as Postfix writes it: the words, the delivery status, the original's headers
    (as text/rfc822-headers; none when `original` is None)."""
    returned = "" if original is None else (
        "--B0UND\nContent-Description: Undelivered Message Headers\n"
        f"Content-Type: text/rfc822-headers\n\n{_headers(original)}\n\n")
    subject = "Undelivered Mail Returned to Sender" if action == "failed" else (
        "Delayed Mail (still being retried)")
    return f"""Return-Path: <>
X-Original-To: {to}
Delivered-To: {to}
Date: Sun,  6 Dec 2026 05:02:11 +0000 (UTC)
From: MAILER-DAEMON@mail.example.org (Mail Delivery System)
Subject: {subject}
To: {to}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="B0UND"
Message-Id: <20261206050211.4F1D2C0123@mail.example.org>

This is a MIME-encapsulated message.

--B0UND
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mail.example.org.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<{recipient}>: host mx.example.net[192.0.2.25] said: 550 5.1.1 <{recipient}>:
    Recipient address rejected (in reply to RCPT TO command)

--B0UND
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.org
X-Postfix-Queue-ID: 4F1D2C0123
X-Postfix-Sender: rfc822; no-reply@alumni.local
Arrival-Date: Sun,  6 Dec 2026 05:02:09 +0000 (UTC)

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Remote-MTA: dns; mx.example.net
Diagnostic-Code: {diagnostic}

{returned}--B0UND--
""".encode()


def _row(record) -> MessageRecipient:
    db.session.expire_all()
    return db.session.scalar(sa.select(MessageRecipient).where(
        MessageRecipient.record_id == record.id).order_by(MessageRecipient.id.desc()).limit(1))


def _states(people) -> dict[str, str]:
    return {name: _row(record).state for name, record in people.items()}


def test_a_later_hard_bounce_marks_the_row_and_the_next_message_skips_the_address(
        app, users, people, announcement, sent, login):
    assert bounces.read_report(postfix_report(sent[GONE])) == "bounced"
    db.session.commit()
    row = _row(people["gone"])
    assert row.state == "bounced" and row.sent_at is not None  # sent, then bounced
    assert "Recipient address rejected: User unknown" in row.last_error
    assert "5.1.1" in db.session.get(BouncedAddress, GONE).reason
    assert _states(people) == {"aziz": "sent", "gone": "bounced", "kept": "sent"}

    officer = login(users["officer"])
    log = officer.get(f"/staff/messages/{row.message_id}?state=bounced").get_data(as_text=True)
    assert GONE in log and "User unknown in virtual mailbox table" in log

    with app.test_request_context():
        second = bulk.send_announcement(users["officer"], announcement)
        db.session.commit()
    assert _row(people["gone"]).message_id == second.id
    assert _states(people) == {"aziz": "queued", "gone": "bounced", "kept": "queued"}

    # Staff fix it on the person's page: the message after that goes to the address again.
    page = officer.get(f"/staff/messages/person/{people['gone'].id}").get_data(as_text=True)
    assert f"The address {GONE} bounced" in page
    assert officer.post(f"/staff/messages/person/{people['gone'].id}/clear-bounce",
                        data={"address": GONE}).status_code == 302
    with app.test_request_context():
        bulk.send_announcement(users["officer"], announcement)
        db.session.commit()
    assert _row(people["gone"]).state == "queued"


def test_the_envelope_sender_alone_names_the_row(app, people, sent):
    """A report without the original's headers: the VERP address it was sent to is enough."""
    signed = sent[GONE][bounces.HEADER]
    app.config["MAIL_BOUNCE_ADDRESS"] = "bounces@example.org"
    report = postfix_report(None, to=bounces.return_path(signed))
    assert bounces.read_report(report) == "bounced"
    db.session.commit()
    assert _states(people) == {"aziz": "sent", "gone": "bounced", "kept": "sent"}


def test_a_delay_an_out_of_office_answer_and_a_success_change_nothing(people, sent):
    delayed = postfix_report(sent[GONE], action="delayed", status="4.4.1",
                             diagnostic="X-Postfix; connect to mx.example.net: Connection "
                                        "timed out")
    delivered = postfix_report(sent[GONE], action="delivered", status="2.0.0",
                               diagnostic="smtp; 250 2.0.0 Ok")
    away = (f"From: Aziz <aziz@example.org>\nTo: bounces@example.org\nSubject: Out of office"
            f"\nIn-Reply-To: {sent['aziz@example.org']['Message-ID']}\n\nI am away until "
            f"Monday.\n\n> {bounces.HEADER}: {sent['aziz@example.org'][bounces.HEADER]}\n"
            ).encode()
    for report in (delayed, delivered, away, b"", b"\xff\xfe garbage \x00\x01"):
        assert bounces.read_report(report) == "ignored"
    db.session.commit()
    assert _states(people) == {"aziz": "sent", "gone": "sent", "kept": "sent"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BouncedAddress)) == 0


def test_a_server_that_gave_up_retrying_fails_the_row_without_marking_the_address(
        people, sent):
    report = postfix_report(sent[GONE], status="4.4.7",
                            diagnostic="X-Postfix; delivery temporarily suspended")
    assert bounces.read_report(report) == "failed"
    db.session.commit()
    assert _row(people["gone"]).state == "failed"
    assert "delivery temporarily suspended" in _row(people["gone"]).last_error
    assert db.session.get(BouncedAddress, GONE) is None


def test_forged_and_unknown_reports_change_nothing(people, sent):
    """Row ids are easy to guess: only a tag signed with the app's secret counts."""
    genuine = sent[GONE][bounces.HEADER]
    message_id, recipient_id, signature = re.fullmatch(r"m(\d+)-(\d+)-(\w+)", genuine).groups()
    kept_id = _row(people["kept"]).id
    forged = [
        f"m{message_id}-{kept_id:07d}-{signature}",  # another row with this row's signature
        f"m{message_id}-{kept_id:07d}",  # no signature
        f"m{message_id}-{kept_id:07d}-{'0' * 12}",
        bounces.tag(int(message_id) + 1, kept_id),  # genuine, but of another message
        bounces.tag(int(message_id), 9_999_999),  # genuine, no such row
    ]
    for tag in forged:
        headers = _headers(sent[GONE]).replace(genuine, tag)
        report = postfix_report(None).replace(
            b"--B0UND--", f"--B0UND\nContent-Type: text/rfc822-headers\n\n{headers}\n\n"
                          f"--B0UND--".encode())
        assert bounces.read_report(report) == "ignored", tag
    db.session.commit()
    assert _states(people) == {"aziz": "sent", "gone": "sent", "kept": "sent"}
    assert db.session.get(BouncedAddress, GONE) is None


def test_a_report_returning_the_whole_message_is_read(people, sent):
    """Exim and others return the whole e-mail (message/rfc822), its text and HTML included."""
    whole = sent[GONE].as_string().replace("\r\n", "\n")
    report = postfix_report(None).replace(
        b"--B0UND--", f"--B0UND\nContent-Type: message/rfc822\n\n{whole}\n--B0UND--".encode())
    assert bounces.read_report(report) == "bounced"
    db.session.commit()
    assert _states(people) == {"aziz": "sent", "gone": "bounced", "kept": "sent"}


def test_a_plain_text_bounce_with_the_fields_in_its_words_is_read(people, sent):
    """Not RFC 3464: one text part giving Final-Recipient and Status, then the headers."""
    report = (f"From: MAILER-DAEMON@mx.example.net\nTo: bounces@example.org\n"
              f"Subject: failure notice\n\nYour message could not be delivered.\n\n"
              f"Final-Recipient: rfc822; {GONE}\nAction: failed\nStatus: 5.2.1\n"
              f"Diagnostic-Code: smtp; 550 5.2.1 Mailbox disabled\n\n"
              f"--- Below this line is a copy of the message.\n\n{_headers(sent[GONE])}\n"
              ).encode()
    assert bounces.read_report(report) == "bounced"
    db.session.commit()
    assert _row(people["gone"]).last_error == "550 5.2.1 Mailbox disabled"


@pytest.fixture
def maildir(tmp_path, app):
    """The folder a local mail server delivers the bounce address to, named in the settings."""
    box = mailbox.Maildir(tmp_path / "bounces", create=True)
    app.config["MAIL_BOUNCE_MAILDIR"] = str(tmp_path / "bounces")
    return box


def _reset(record) -> None:
    """As if the report had never been read: the row sent, the address not marked."""
    db.session.execute(sa.update(MessageRecipient).where(MessageRecipient.record_id == record.id)
                       .values(state="sent", last_error=None))
    db.session.execute(sa.delete(BouncedAddress))
    db.session.commit()


def test_the_schedule_reads_each_report_in_the_folder_once(app, people, sent, maildir):
    folder, app.config["MAIL_BOUNCE_MAILDIR"] = app.config["MAIL_BOUNCE_MAILDIR"], None
    maildir.add(postfix_report(sent[GONE]))
    assert bounces.read_bounces_task.call_local() == 0  # off unless set
    assert _row(people["gone"]).state == "sent"

    app.config["MAIL_BOUNCE_MAILDIR"] = folder
    maildir.add(postfix_report(sent["aziz@example.org"], action="delayed", status="4.4.1"))
    maildir.add(b"From: someone@example.com\nSubject: hello\n\nNot a report.\n")
    assert bounces.read_bounces_task.call_local() == 3
    assert _states(people) == {"aziz": "sent", "gone": "bounced", "kept": "sent"}
    seen = [maildir.get_message(key) for key in maildir.iterkeys()]
    assert [(m.get_subdir(), m.get_flags()) for m in seen] == [("cur", "S")] * 3

    _reset(people["gone"])
    assert bounces.read_bounces_task.call_local() == 0  # the second run reads nothing again
    assert _states(people) == {"aziz": "sent", "gone": "sent", "kept": "sent"}

    maildir.add(postfix_report(sent["kept@example.org"], recipient="kept@example.org"))
    assert bounces.read_bounces_task.call_local() == 1  # only the new one
    assert _states(people) == {"aziz": "sent", "gone": "sent", "kept": "bounced"}


def test_the_command_reads_a_folder_or_one_saved_report(app, people, sent, maildir, tmp_path):
    maildir.add(postfix_report(sent[GONE]))
    maildir.add(postfix_report(sent["aziz@example.org"], action="delayed", status="4.4.1"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["read-bounces"])  # MAIL_BOUNCE_MAILDIR
    assert result.exit_code == 0, result.output
    assert "2 report(s) read: 1 bounced" in result.output
    assert _states(people) == {"aziz": "sent", "gone": "bounced", "kept": "sent"}

    saved = tmp_path / "bounce.eml"
    saved.write_bytes(postfix_report(sent["kept@example.org"], recipient="kept@example.org"))
    result = runner.invoke(args=["read-bounces", str(saved)])
    assert result.exit_code == 0 and "1 report(s) read: 1 bounced" in result.output
    assert _row(people["kept"]).state == "bounced"

    app.config["MAIL_BOUNCE_MAILDIR"] = None
    assert runner.invoke(args=["read-bounces"]).exit_code == 2
    assert runner.invoke(args=["read-bounces", str(tmp_path)]).exit_code == 2  # no Maildir


@pytest.fixture
def smtp_sink(app):
    sink = SmtpSink().start()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port,
                      MAIL_USE_TLS=False, MAIL_USERNAME=None, MAIL_TIMEOUT=5)
    yield sink
    sink.stop()


def test_over_smtp_the_envelope_sender_is_the_bounce_address_naming_the_row(
        app, users, people, announcement, smtp_sink):
    _send(app, users, announcement)
    assert smtp_sink.senders == ["no-reply@alumni.local"] * 3  # unset: the From address

    app.config["MAIL_BOUNCE_ADDRESS"] = "bounces@example.org"
    _send(app, users, announcement)
    verp = dict(zip(smtp_sink.received[3:], smtp_sink.senders[3:], strict=True))
    assert all(re.fullmatch(r"bounces\+m\d{6}-\d{7}-[0-9a-f]{12}@example\.org", sender)
               for sender in verp.values())
    assert len(set(verp.values())) == 3
    # The report the receiving server sends to that address names the person's row.
    assert bounces.read_report(postfix_report(None, to=verp[GONE])) == "bounced"
    db.session.commit()
    assert _states(people) == {"aziz": "sent", "gone": "bounced", "kept": "sent"}


@pytest.mark.parametrize("setting", ["bounces", "@example.org", "bounces@"])
def test_a_bounce_address_that_is_no_address_is_refused_at_start(setting):
    from alumni_app import create_app
    from tests import factories

    with pytest.raises(SystemExit, match="MAIL_BOUNCE_ADDRESS must be an e-mail address"):
        create_app({**factories.TEST_SETTINGS, "MAIL_BOUNCE_ADDRESS": setting})
    assert create_app({**factories.TEST_SETTINGS, "MAIL_BOUNCE_ADDRESS": "bounces@example.org"})
