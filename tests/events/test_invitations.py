"""Invitations by the directory's filters or by hand, e-mailed through the queue in each
person's language with a calendar file; reminders the day before; the dashboards."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import sqlalchemy as sa
from icalendar import Calendar

from alumni_app.db import utcnow
from alumni_app.events import tasks
from alumni_app.events.models import Invitation
from alumni_app.extensions import db
from tests import factories
from tests.events.factories import invite, make_event, make_guest


def _attachments(message) -> dict:
    """The files of an e-mail as a mail client reads them (the bytes sent, parsed again)."""
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    return {part.get_filename(): part for part in parsed.iter_attachments()}


def test_the_preview_says_how_many_and_who_then_everyone_is_invited(
        login, users, office, alumni, other_office, outbox):
    health = factories.make_sector(name_en="Health", name_ru="Здравоохранение")
    for _user, record in alumni[:2]:
        record.sectors.append(health)
    elsewhere = factories.make_record(other_office, family_name="Elsewhere")
    elsewhere.sectors.append(health)
    db.session.commit()
    event = make_event(office, title_en="Annual meeting 2027",
                       title_ru="Ежегодная встреча 2027")
    officer = login(users["officer"])
    page = officer.get(f"/staff/events/{event.id}/invite?sector={health.id}&preview=1")
    text = page.get_data(as_text=True)
    assert "2 people match" in text
    assert "Dilnoza Karimova" in text and "Rustam Nazarov" in text
    assert "Malika" not in text and "Elsewhere" not in text
    outbox.clear()
    response = officer.post(f"/staff/events/{event.id}/invite", data={"sector": health.id})
    assert response.status_code == 302
    invited = db.session.scalars(sa.select(Invitation.record_id)).all()
    assert sorted(invited) == sorted([alumni[0][1].id, alumni[1][1].id])
    by_address = {m["To"]: m for m in outbox}
    assert set(by_address) == {alumni[0][0].email, alumni[1][0].email}
    russian = by_address[alumni[0][0].email]
    assert str(russian["Subject"]) == "Приглашение: Ежегодная встреча 2027"
    files = _attachments(russian)
    calendar = Calendar.from_ical(files[f"event-{event.id}.ics"].get_content())
    item = calendar.walk("VEVENT")[0]
    assert str(item["SUMMARY"]) == "Ежегодная встреча 2027"
    assert item.decoded("DTSTART") == event.starts_at
    assert files["check-in.png"].get_content_type() == "image/png"
    english = by_address[alumni[1][0].email]
    assert str(english["Subject"]) == "Invitation: Annual meeting 2027"
    # Inviting the same people again sends nothing more.
    outbox.clear()
    response = officer.post(f"/staff/events/{event.id}/invite", data={"sector": health.id})
    assert response.status_code == 409
    assert outbox == []


def test_a_filter_matching_nobody_is_refused_with_a_message(login, users, office, alumni):
    event = make_event(office)
    nobody = factories.make_sector(name_en="Irrigation")
    officer = login(users["officer"])
    page = officer.get(f"/staff/events/{event.id}/invite?sector={nobody.id}&preview=1")
    assert "0 people match" in page.get_data(as_text=True)
    response = officer.post(f"/staff/events/{event.id}/invite", data={"sector": nobody.id})
    assert response.status_code == 400
    assert "Nobody matches these filters" in response.get_data(as_text=True)
    response = officer.post(f"/staff/events/{event.id}/invite", data={"fy": "12345"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0


def test_people_chosen_by_hand_and_guests_are_invited(login, users, office, alumni, outbox):
    event = make_event(office)
    guest = make_guest(office, name="Yuki Mori", email="y.mori@jica.example", language="ru")
    officer = login(users["officer"])
    found = officer.get(f"/staff/events/{event.id}/invite?q=Saidova").get_data(as_text=True)
    assert "Malika Saidova" in found and "Rustam" not in found
    outbox.clear()
    officer.post(f"/staff/events/{event.id}/invite", data={"record_ids": [alumni[2][1].id]})
    officer.post(f"/staff/events/{event.id}/invite-guests", data={"guest_ids": [guest.id]})
    assert sorted(m["To"] for m in outbox) == sorted([alumni[2][0].email, "y.mori@jica.example"])
    to_guest = next(m for m in outbox if m["To"] == "y.mori@jica.example")
    assert str(to_guest["Subject"]).startswith("Приглашение")
    assert "ответьте на это письмо" in to_guest.get_body().get_content()


def test_a_draft_collects_invitations_and_sends_no_mail(login, users, office, alumni, outbox):
    event = make_event(office, publish=False)
    outbox.clear()
    login(users["officer"]).post(f"/staff/events/{event.id}/invite",
                                 data={"record_ids": [alumni[0][1].id]})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 1
    assert outbox == []


def test_inviting_goes_through_the_queue(login, users, office, alumni, task_queue, outbox):
    event = make_event(office)
    outbox.clear()
    response = login(users["officer"]).post(f"/staff/events/{event.id}/invite",
                                            data={"record_ids": [r.id for _, r in alumni]})
    assert response.status_code == 302
    assert outbox == []  # the request only queued the work
    assert [name for name, _args in task_queue.pending()] == ["send_event_mail"]
    task_queue.run_all()
    assert len(outbox) == 3


def test_reminders_go_the_day_before_to_those_coming_once(login, office, alumni, outbox):
    event = make_event(office, days=2)
    invite(event, *(record for _, record in alumni))
    login(alumni[0][0]).post(f"/events/{event.id}/answer", data={"answer": "yes"})
    login(alumni[1][0]).post(f"/events/{event.id}/answer", data={"answer": "no"})
    outbox.clear()
    assert tasks.send_reminders(now=utcnow()) == 0  # two days ahead: not yet
    tomorrow = event.starts_at - timedelta(hours=20)
    assert tasks.send_reminders(now=tomorrow) == 1
    assert tasks.send_reminders(now=tomorrow + timedelta(hours=1)) == 0
    assert [m["To"] for m in outbox] == [alumni[0][0].email]
    assert str(outbox[0]["Subject"]).startswith("Завтра")


def test_the_dashboards_show_invitations_to_answer_and_events_on_now(login, users, office,
                                                                    alumni):
    event = make_event(office, title_en="Pre-departure briefing for the health cohort",
                       kind="briefing")
    invite(event, alumni[1][1])
    page = login(alumni[1][0]).get("/dashboard").get_data(as_text=True)
    assert "Answer the invitation to “Pre-departure briefing for the health cohort”" in page
    login(alumni[1][0]).post(f"/events/{event.id}/answer", data={"answer": "yes"})
    page = login(alumni[1][0]).get("/dashboard").get_data(as_text=True)
    assert "Answer the invitation" not in page
    make_event(office, publish=False, days=10, title_en="Workshop draft")
    page = login(users["officer"]).get("/dashboard").get_data(as_text=True)
    assert "Draft events starting within a month" in page
