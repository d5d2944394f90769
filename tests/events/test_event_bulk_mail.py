"""Invitations and reminders to alumni are bulk mail of kind "events": an alumnus who turned
them off or whose address bounced is skipped (and the delivery log says so), each e-mail has
the one-click unsubscribe link and headers, and still carries the person's own check-in link,
QR code and calendar file; the reminder goes once. Guests, and the notices about a
registration (a cancellation), reach people whatever they turned off."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from icalendar import Calendar

from alumni_app.db import utcnow
from alumni_app.events import calendar, tasks
from alumni_app.events.models import Invitation
from alumni_app.extensions import db
from alumni_app.messages import bulk
from alumni_app.messages.models import (
    BouncedAddress,
    BulkMessage,
    MailOptOut,
    MessageRecipient,
)
from tests.events.factories import invite, make_event, make_guest


def _parsed(sent):
    """The e-mail as a mail client reads it (the bytes sent, parsed again)."""
    return email.message_from_bytes(sent.as_bytes(), policy=email.policy.default)


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _to(outbox, address):
    found = [_parsed(m) for m in outbox if m["To"] == address]
    assert len(found) == 1, f"{len(found)} e-mails to {address}"
    return found[0]


def _invite_by_hand(login, officer, event, records):
    response = login(officer).post(f"/staff/events/{event.id}/invite",
                                   data={"record_ids": [r.id for r in records]})
    assert response.status_code == 302


def test_an_opted_out_alumnus_gets_no_invitation_but_sees_it_and_a_bounced_one_is_skipped(
        login, users, office, alumni, outbox):
    (_dilnoza, dilnoza), (rustam_user, rustam), (malika_user, malika) = alumni
    db.session.add(MailOptOut(record_id=rustam.id, kind="events"))
    db.session.add(BouncedAddress(address=malika_user.email, reason="550 no such user"))
    db.session.commit()
    event = make_event(office, title_en="Alumni forum 2027")
    outbox.clear()
    _invite_by_hand(login, users["officer"], event, [dilnoza, rustam, malika])
    assert [m["To"] for m in outbox] == [alumni[0][0].email]
    message = db.session.scalar(sa.select(BulkMessage).where(BulkMessage.event_id == event.id))
    assert (message.kind, message.event_mail) == ("events", "invitation")
    log = _text(login(users["officer"]).get(f"/staff/messages/{message.id}"))
    assert "Sent (1)" in log and "Unsubscribed (1)" in log and "Bounced (1)" in log
    # The event's page leads to that log, with its counts.
    page = login(users["officer"]).get(f"/staff/events/{event.id}")
    assert f'href="/staff/messages/{message.id}"' in page.get_data(as_text=True)
    assert "Sent 1" in _text(page) and "Unsubscribed 1" in _text(page)
    # Only the e-mail is skipped: the invitation waits on the alumnus's dashboard.
    dashboard = _text(login(rustam_user).get("/dashboard"))
    assert "Answer the invitation to “Alumni forum 2027”" in dashboard


def test_the_invitation_can_be_turned_off_in_one_click_and_carries_the_persons_own_check_in(
        app, client, login, users, office, alumni, outbox):
    (dilnoza_user, dilnoza), (rustam_user, rustam), _malika = alumni
    event = make_event(office, title_en="Alumni forum 2027", title_ru="Форум выпускников 2027")
    outbox.clear()
    _invite_by_hand(login, users["officer"], event, [dilnoza, rustam])
    tokens = dict(db.session.execute(sa.select(Invitation.record_id, Invitation.token)).all())
    for user, record, summary in ((dilnoza_user, dilnoza, "Форум выпускников 2027"),
                                  (rustam_user, rustam, "Alumni forum 2027")):
        mail = _to(outbox, user.email)
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        plain = mail.get_body(("plain",)).get_content()
        assert record.display_name in plain  # greeted by name
        links = re.findall(r"https?://\S+/staff/events/\d+/check-in/code/[\w-]+", plain)
        assert len(set(links)) == 1, plain
        path = urlsplit(links[0]).path
        assert path == f"/staff/events/{event.id}/check-in/code/{tokens[record.id]}"
        html = mail.get_body(("html",)).get_content()
        assert "@@" not in plain and "@@" not in html
        assert f'href="{links[0]}"' in html
        files = {p.get_filename(): p for p in mail.iter_attachments()}
        assert files["check-in.png"].get_content() == calendar.qr_png(links[0])
        item = Calendar.from_ical(files[f"event-{event.id}.ics"].get_content()).walk(
            "VEVENT")[0]
        assert str(item["SUMMARY"]) == summary
        # The link opens this person's line of the check-in, for the office's staff.
        check_in = login(users["officer"]).get(path)
        assert check_in.status_code == 200
        marked = re.findall(r'py-2 bg-light">\s*<span>([^<]*)<',
                            check_in.get_data(as_text=True))
        assert marked == [record.display_name]
    # One click (RFC 8058) turns off event mail only, for that person only.
    mail = _to(outbox, rustam_user.email)
    link = mail["List-Unsubscribe"].strip("<>")
    assert link in mail.get_body(("plain",)).get_content()
    client.get("/logout")
    assert client.post(urlsplit(link).path, data="List-Unsubscribe=One-Click").status_code == 200
    assert set(db.session.scalars(sa.select(MailOptOut.kind).where(
        MailOptOut.record_id == rustam.id))) == {"events"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailOptOut).where(
        MailOptOut.record_id == dilnoza.id)) == 0


def test_the_reminder_goes_once_across_two_runs_and_a_killed_delivery(
        app, login, office, alumni, outbox, task_queue):
    event = make_event(office, days=2)
    invite(event, *(record for _, record in alumni))
    for user, _record in alumni[:2]:
        login(user).post(f"/events/{event.id}/answer", data={"answer": "yes"})
    task_queue.run_all()
    outbox.clear()
    tomorrow = event.starts_at - timedelta(hours=20)
    assert tasks.send_reminders(now=tomorrow) == 2
    assert tasks.send_reminders(now=tomorrow + timedelta(hours=1)) == 0  # a second run
    message_id = db.session.scalar(sa.select(BulkMessage.id).where(
        BulkMessage.event_id == event.id, BulkMessage.event_mail == "reminder"))
    # A worker claims the reminders and is killed before sending them.
    assert len(bulk.claim_batch(message_id)) == 2
    task_queue.run_all()  # the queued delivery: the claims are still live, nothing is sent
    assert outbox == []
    lease = timedelta(seconds=app.config["MAIL_CLAIM_SECONDS"] + 1)
    db.session.execute(sa.update(MessageRecipient).values(claimed_at=utcnow() - lease))
    db.session.commit()
    bulk.resume_all()  # the minute's sweep, after the lease ran out
    task_queue.run_all()
    bulk.deliver(message_id)  # and a delivery tried again
    assert sorted(m["To"] for m in outbox) == sorted(u.email for u, _r in alumni[:2])
    assert str(outbox[0]["Subject"]).startswith(("Завтра", "Tomorrow"))


def test_guests_get_their_invitation_and_a_cancellation_reaches_an_opted_out_registrant(
        login, users, office, alumni, outbox):
    user, record = alumni[1]
    db.session.add(MailOptOut(record_id=record.id, kind="events"))
    db.session.commit()
    event = make_event(office, title_en="Alumni forum 2027")
    guest = make_guest(office, name="Yuki Mori", email="y.mori@jica.example")
    outbox.clear()
    officer = login(users["officer"])
    officer.post(f"/staff/events/{event.id}/invite-guests", data={"guest_ids": [guest.id]})
    _invite_by_hand(login, users["officer"], event, [record])
    assert [m["To"] for m in outbox] == ["y.mori@jica.example"]
    assert str(outbox[0]["Subject"]) == "Invitation: Alumni forum 2027"
    login(user).post(f"/events/{event.id}/answer", data={"answer": "yes"})
    outbox.clear()
    response = login(users["officer"]).post(f"/staff/events/{event.id}/cancel")
    assert response.status_code == 302
    assert sorted(m["To"] for m in outbox) == sorted([user.email, "y.mori@jica.example"])
    assert all(str(m["Subject"]) == "Cancelled: Alumni forum 2027" for m in outbox)
