"""The office's reply-to address: an administrator sets it on the office's page; the office's
bulk e-mails carry it as their Reply-To and the preview says where replies go; none when empty."""

from __future__ import annotations

import email
import email.policy
import re

from alumni_app.extensions import db
from alumni_app.offices.models import Office
from tests.messages.factories import alumnus_with_record, make_announcement


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _office_form(office, **changes) -> dict:
    data = {"code": office.code, "name": office.name, "country": office.country,
            "city": office.city, "time_zone": office.time_zone, "currency": office.currency,
            "is_active": "y", "reply_to": ""}
    data.update(changes)
    return data


def test_an_administrator_sets_the_address_and_a_bad_one_is_refused(login, users, office):
    admin = login(users["admin"])
    assert "Reply-to address" in _text(admin.get(f"/admin/offices/{office.id}"))
    bad = admin.post(f"/admin/offices/{office.id}", data=_office_form(office,
                                                                       reply_to="not mail"))
    assert bad.status_code == 400 and "Enter a valid e-mail address" in _text(bad)
    db.session.expire_all()
    assert db.session.get(Office, office.id).reply_to == ""
    good = admin.post(f"/admin/offices/{office.id}",
                      data=_office_form(office, reply_to=" alumni.tj@example.org "))
    assert good.status_code == 302
    db.session.expire_all()
    assert db.session.get(Office, office.id).reply_to == "alumni.tj@example.org"


def _sent(outbox) -> email.message.EmailMessage:
    assert len(outbox) == 1
    return email.message_from_bytes(outbox[0].as_bytes(), policy=email.policy.default)


def test_the_e_mails_carry_the_offices_address_and_the_preview_shows_it(
        login, users, office, outbox):
    office.reply_to = "alumni.tj@example.org"
    db.session.commit()
    alumnus_with_record(office, email="aziz@example.org")
    announcement = make_announcement(office, users["officer"])
    officer = login(users["officer"])
    page = _text(officer.get(f"/staff/messages/announcement/{announcement.id}"))
    assert "Replies go to the office's address: alumni.tj@example.org" in page
    assert officer.post(f"/staff/messages/announcement/{announcement.id}",
                        data={"reply_to": "someone.else@example.org"}).status_code == 302
    reply_to = _sent(outbox)["Reply-To"]
    assert [a.addr_spec for a in reply_to.addresses] == ["alumni.tj@example.org"]
    assert reply_to.addresses[0].display_name == "Tajikistan Office"


def test_without_an_address_there_is_no_reply_to(login, users, office, outbox):
    alumnus_with_record(office, email="aziz@example.org")
    announcement = make_announcement(office, users["officer"])
    officer = login(users["officer"])
    page = _text(officer.get(f"/staff/messages/announcement/{announcement.id}"))
    assert "The office has no reply-to address" in page
    assert officer.post(f"/staff/messages/announcement/{announcement.id}").status_code == 302
    assert _sent(outbox)["Reply-To"] is None


def test_a_message_keeps_the_address_it_was_queued_with(login, users, office, outbox,
                                                        task_queue):
    office.reply_to = "old@example.org"
    db.session.commit()
    alumnus_with_record(office, email="aziz@example.org")
    announcement = make_announcement(office, users["officer"])
    login(users["officer"]).post(f"/staff/messages/announcement/{announcement.id}")
    office = db.session.get(Office, office.id)
    office.reply_to = "new@example.org"
    db.session.commit()
    task_queue.run_all()
    assert _sent(outbox)["Reply-To"].addresses[0].addr_spec == "old@example.org"
