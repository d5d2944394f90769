"""Announcements by e-mail: a preview with exact counts, then one e-mail per person through the
queue, in their language, with the unsubscribe headers; never twice, whatever fails."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.messages import bulk
from alumni_app.messages.models import (
    BouncedAddress,
    BulkMessage,
    MailOptOut,
    MessageRecipient,
)
from tests import factories
from tests.messages.factories import alumnus_with_record, make_announcement
from tests.smtp_sink import SmtpSink


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


@pytest.fixture
def audience(office, other_office):
    """Five alumni of the office: two with addresses (English, Russian), one without, one who
    turned announcements off, one whose address bounced; and one of another office."""
    people = {
        "aziz": alumnus_with_record(office, email="aziz@example.org",
                                    family_name="Karimov")[1],
        "dilnoza": alumnus_with_record(office, language="ru", email="dilnoza@example.org",
                                       family_name="Saidova")[1],
        "nomail": factories.make_record(office, family_name="Umarov", email=""),
        "optout": alumnus_with_record(office, email="optout@example.org",
                                      family_name="Rahimov")[1],
        "bounced": alumnus_with_record(office, email="gone@example.org",
                                       family_name="Nazarov")[1],
        "kanat": alumnus_with_record(other_office, email="kanat@example.kg")[1],
    }
    db.session.add(MailOptOut(record_id=people["optout"].id, kind="announcements"))
    db.session.add(BouncedAddress(address="gone@example.org", reason="550 no such user"))
    db.session.commit()
    return people


@pytest.fixture
def announcement(office, users):
    return make_announcement(office, users["officer"], title_en="Young leaders 2027",
                             body_en="Apply by **1 March**.",
                             title_ru="Молодые лидеры 2027",
                             body_ru="Подайте заявку до **1 марта**.")


def _parsed(sent):
    """The e-mail as a mail client reads it (the bytes sent, parsed again)."""
    return email.message_from_bytes(sent.as_bytes(), policy=email.policy.default)


def _addresses(outbox) -> list[str]:
    return sorted(message["To"] for message in outbox)


def test_the_preview_counts_exactly_who_gets_it_and_shows_each_language(
        login, users, audience, announcement):
    page = login(users["officer"]).get(f"/staff/messages/announcement/{announcement.id}")
    counts = _text(page)
    assert "5 people in the audience" in counts
    assert "1 has no e-mail address" in counts
    assert "1 opted out of announcements" in counts
    assert "1 address bounced before" in counts
    assert "2 people will receive it" in counts
    html = page.get_data(as_text=True)
    assert "<strong>1 March</strong>" in html and "<strong>1 марта</strong>" in html


def test_sending_delivers_one_email_per_person_in_their_language_with_headers(
        login, users, office, audience, announcement, outbox):
    office.reply_to = "tj.office@example.org"
    db.session.commit()
    officer = login(users["officer"])
    response = officer.post(f"/staff/messages/announcement/{announcement.id}")
    assert response.status_code == 302
    assert _addresses(outbox) == ["aziz@example.org", "dilnoza@example.org"]
    by_address = {m["To"]: _parsed(m) for m in outbox}
    english, russian = by_address["aziz@example.org"], by_address["dilnoza@example.org"]
    assert english["Subject"] == "Young leaders 2027"
    assert russian["Subject"] == "Молодые лидеры 2027"
    assert english["Reply-To"].addresses[0].addr_spec == "tj.office@example.org"
    assert russian["Reply-To"].addresses[0].addr_spec == "tj.office@example.org"
    assert english["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<(http://localhost/unsubscribe/[^>]+)>", english["List-Unsubscribe"])
    assert link
    plain = english.get_body(("plain",)).get_content()
    html = english.get_body(("html",)).get_content()
    assert "Apply by **1 March**." in plain and link.group(1) in plain
    assert "<strong>1 March</strong>" in html and link.group(1) in html
    assert "Подайте заявку" in russian.get_body(("plain",)).get_content()

    log = _text(officer.get(response.headers["Location"]))
    assert "Sent (2)" in log and "No e-mail address (1)" in log
    assert "Unsubscribed (1)" in log and "Bounced (1)" in log


def test_a_reader_of_a_missing_language_gets_the_other(users, office, audience, outbox, app):
    english_only = make_announcement(office, users["officer"], title_en="Only English")
    with app.test_request_context():
        message = bulk.send_announcement(users["officer"], english_only)
        db.session.commit()
        bulk.start(message.id)
    assert {m["To"]: m["Subject"] for m in outbox}["dilnoza@example.org"] == "Only English"


def test_running_the_delivery_again_sends_nothing_twice(users, audience, announcement, outbox,
                                                        app):
    with app.test_request_context():
        message = bulk.send_announcement(users["officer"], announcement)
        db.session.commit()
    for _ in range(3):
        bulk.deliver(message.id)
    assert _addresses(outbox) == ["aziz@example.org", "dilnoza@example.org"]


def test_the_sent_version_is_frozen_when_queued(login, users, audience, announcement, outbox,
                                                task_queue):
    officer = login(users["officer"])
    officer.post(f"/staff/messages/announcement/{announcement.id}")
    assert outbox == []  # waiting in the queue
    officer.post(f"/staff/announcements/{announcement.id}/edit",
                 data={"title_en": "Changed title", "body_en": "Changed", "scope": "office"})
    task_queue.run_all()
    assert {str(m["Subject"]) for m in outbox} == {"Young leaders 2027", "Молодые лидеры 2027"}


def test_a_filter_with_nobody_reachable_is_refused_before_sending(login, users, office,
                                                                  announcement):
    page = login(users["officer"]).post(f"/staff/messages/announcement/{announcement.id}")
    assert page.status_code == 400
    assert "Nobody would receive this e-mail" in _text(page)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BulkMessage)) == 0


@pytest.fixture
def smtp(app):
    servers = []

    def start(**kwargs) -> SmtpSink:
        sink = SmtpSink(**kwargs).start()
        servers.append(sink)
        app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port,
                          MAIL_USE_TLS=False, MAIL_USERNAME=None, MAIL_TIMEOUT=5)
        return sink

    yield start
    for sink in servers:
        sink.stop()


def _many(office, n: int) -> None:
    for i in range(n):
        alumnus_with_record(office, email=f"person{i:02d}@example.org")


def test_the_mail_server_down_half_way_the_rest_goes_out_later_once(users, office,
                                                                     announcement, smtp, app):
    _many(office, 12)
    sink = smtp(accept_first=5, refuse=None)
    with app.test_request_context():
        message = bulk.send_announcement(users["officer"], announcement)
        db.session.commit()
    with pytest.raises(bulk.MailServerTrouble):
        bulk.deliver(message.id)
    assert len(sink.received) == 5
    states = dict(db.session.execute(

        sa.select(MessageRecipient.state, sa.func.count()).group_by(MessageRecipient.state)).all())
    assert states == {"sent": 5, "queued": 7}
    waiting = db.session.scalar(sa.select(MessageRecipient.last_error).where(
        MessageRecipient.state == "queued").limit(1))
    assert waiting.startswith("421")  # the server's answer, in words
    sink.accept_from_now()
    bulk.deliver(message.id)
    assert sorted(sink.received) == sorted(f"person{i:02d}@example.org" for i in range(12))


class BouncingSink(SmtpSink):
    """Refuses RCPT for addresses starting with "gone" (550: no such mailbox)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.startswith("gone"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_hard_bounce_is_logged_and_the_address_skipped_until_fixed(
        users, office, announcement, app, login):
    _many(office, 2)
    gone = alumnus_with_record(office, email="gone.away@example.org")[1]
    sink = BouncingSink().start()
    try:
        app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port,
                          MAIL_USE_TLS=False, MAIL_USERNAME=None, MAIL_TIMEOUT=5)
        with app.test_request_context():
            first = bulk.send_announcement(users["officer"], announcement)
            db.session.commit()
        assert bulk.deliver(first.id) == {"sent": 2, "failed": 0, "bounced": 1}
        row = db.session.scalar(sa.select(MessageRecipient).where(
            MessageRecipient.record_id == gone.id))
        assert row.state == "bounced" and "550" in row.last_error
        assert db.session.get(BouncedAddress, "gone.away@example.org") is not None

        with app.test_request_context():
            second = bulk.send_announcement(users["officer"], announcement)
            db.session.commit()
        bulk.deliver(second.id)
        assert sink.received.count("person00@example.org") == 2
        officer = login(users["officer"])
        person = officer.get(f"/staff/messages/person/{gone.id}")
        assert "gone.away@example.org bounced" in _text(person)
        assert officer.post(f"/staff/messages/person/{gone.id}/clear-bounce",
                            data={"address": "gone.away@example.org"}).status_code == 302
        assert db.session.get(BouncedAddress, "gone.away@example.org") is None
    finally:
        sink.stop()


def test_queue_bulk_mail_is_reusable_with_an_attachment(app, office, audience, outbox):
    from alumni_app.audiences import Audience, queries

    ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    with app.test_request_context():
        rows = db.session.execute(queries.recipients(Audience(office_id=office.id)))
        message = bulk.queue_bulk_mail(
            "events", {"en": "Alumni forum", "ru": ""}, {"en": "Join us.", "ru": ""}, rows,
            office_id=office.id, attachments=[("forum.ics", "text/calendar", ics)])
        db.session.commit()
        bulk.start(message.id)
    # The person who turned off announcements still gets events.
    assert "optout@example.org" in _addresses(outbox)
    sent = _parsed(outbox[0])
    parts = [p for p in sent.iter_attachments()]
    assert parts[0].get_filename() == "forum.ics" and parts[0].get_content_type() == \
        "text/calendar"
    assert "/unsubscribe/" in sent["List-Unsubscribe"]


def test_an_announcement_to_everyone_goes_to_every_office(login, users, office, audience,
                                                          outbox):
    everyone = make_announcement(None, users["admin"], scope="everyone", office_id=None,
                                 title_en="For every office")
    admin = login(users["admin"])
    preview = _text(admin.get(f"/staff/messages/announcement/{everyone.id}"))
    assert "6 people in the audience" in preview and "3 people will receive it" in preview
    assert admin.post(f"/staff/messages/announcement/{everyone.id}").status_code == 302
    assert _addresses(outbox) == ["aziz@example.org", "dilnoza@example.org",
                                  "kanat@example.kg"]
    officer = login(users["officer"])
    assert officer.get(f"/staff/messages/announcement/{everyone.id}").status_code == 404
