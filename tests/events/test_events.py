"""Staff create, publish, postpone and cancel events; alumni answer; seats and the waiting
list hold; check-in counts each person once; bad input gets a message and a 4xx."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from alumni_app.db import utcnow
from alumni_app.events import registrations
from alumni_app.events.models import Event, Invitation
from alumni_app.extensions import db
from tests.events.factories import invite, local, make_event, make_guest, start_in_past


def _form_time(moment, office) -> str:
    return local(moment, office).strftime("%Y-%m-%dT%H:%M")


def _event_form(office, starts, **overrides) -> dict:
    data = {"kind": "annual_meeting", "title_en": "Annual meeting of ex-participants 2027",
            "title_ru": "Ежегодная встреча бывших участников 2027",
            "starts_at": _form_time(starts, office),
            "ends_at": _form_time(starts + timedelta(hours=7), office),
            "venue": "Hyatt Regency", "address": "26/1 Ismoili Somoni Avenue, Dushanbe",
            "capacity": "120"}
    data.update(overrides)
    return data


def test_staff_create_an_event_in_the_office_zone_and_publish_it(login, users, office):
    officer = login(users["officer"])
    starts = (utcnow() + timedelta(days=40)).replace(minute=0, second=0, microsecond=0)
    response = officer.post("/staff/events/new", data=_event_form(office, starts))
    assert response.status_code == 302
    event = db.session.scalars(sa.select(Event)).one()
    assert event.state == "draft"
    assert event.starts_at == starts  # entered in Dushanbe time, stored in UTC
    page = officer.get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert "Dushanbe time" in page and "Annual meeting of ex-participants 2027" in page
    assert officer.post(f"/staff/events/{event.id}/publish").status_code == 302
    db.session.refresh(event)
    assert event.state == "published"


def test_bad_event_input_is_refused_next_to_the_field(login, users, office):
    officer = login(users["officer"])
    past = utcnow() - timedelta(days=1)
    response = officer.post("/staff/events/new", data=_event_form(office, past))
    assert response.status_code == 400
    assert "The event cannot start in the past." in response.get_data(as_text=True)
    starts = utcnow() + timedelta(days=10)
    response = officer.post("/staff/events/new", data=_event_form(
        office, starts, ends_at=_form_time(starts - timedelta(hours=1), office)))
    assert response.status_code == 400
    assert "The end must come after the start." in response.get_data(as_text=True)
    response = officer.post("/staff/events/new", data=_event_form(office, starts, venue="",
                                                                  address=""))
    assert response.status_code == 400
    assert "Give a venue with its address" in response.get_data(as_text=True)
    response = officer.post("/staff/events/new", data=_event_form(office, starts,
                                                                  capacity="0"))
    assert response.status_code == 400
    response = officer.post("/staff/events/new", data=_event_form(office, starts,
                                                                  starts_at="2027-13-45T99:00"))
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_the_list_searches_sorts_and_pages(login, users, office, other_office):
    for n in range(23):
        make_event(office, title_en=f"Workshop {n:02d}", days=10 + n)
    make_event(other_office, title_en="Workshop of another office")
    officer = login(users["officer"])
    page = officer.get("/staff/events?sort=title").get_data(as_text=True)
    assert "Workshop 00" in page and "Workshop 19" in page and "Workshop 20" not in page
    assert "Workshop of another office" not in page
    page = officer.get("/staff/events?sort=title&page=2").get_data(as_text=True)
    assert "Workshop 22" in page and "Workshop 00" not in page
    page = officer.get("/staff/events?q=workshop 07").get_data(as_text=True)
    assert "Workshop 07" in page and "Workshop 08" not in page


def test_the_waiting_list_moves_up_in_order_and_the_person_is_told(
        login, office, alumni, outbox):
    event = make_event(office, capacity=1)
    invite(event, *(record for _, record in alumni))
    (dilnoza, _), (rustam, _), (malika, _) = alumni
    for user in (dilnoza, rustam, malika):
        assert login(user).post(f"/events/{event.id}/answer",
                                data={"answer": "yes"}).status_code == 302
    answers = dict(db.session.execute(sa.select(Invitation.record_id, Invitation.answer)).all())
    assert sorted(answers.values()) == ["waiting", "waiting", "yes"]
    page = login(malika).get(f"/events/{event.id}").get_data(as_text=True)
    assert "number 2 on the waiting list" in page
    outbox.clear()
    login(dilnoza).post(f"/events/{event.id}/answer", data={"answer": "no"})
    rows = dict(db.session.execute(
        sa.select(Invitation.record_id, Invitation.answer)).all())
    assert rows[alumni[0][1].id] == "no"
    assert rows[alumni[1][1].id] == "yes"  # Rustam said yes before Malika
    assert rows[alumni[2][1].id] == "waiting"
    assert [m["To"] for m in outbox] == [rustam.email]
    assert "A seat is yours" in outbox[0]["Subject"]
    page = login(malika).get(f"/events/{event.id}").get_data(as_text=True)
    assert "number 1 on the waiting list" in page


def test_raising_the_capacity_moves_the_waiting_list_and_lowering_it_below_seats_is_refused(
        login, users, office, alumni, outbox):
    event = make_event(office, capacity=1)
    invite(event, *(record for _, record in alumni))
    for user, _ in alumni:
        login(user).post(f"/events/{event.id}/answer", data={"answer": "yes"})
    officer = login(users["officer"])
    form = {"kind": "seminar", "title_en": event.title_en,
            "starts_at": _form_time(event.starts_at, office),
            "ends_at": _form_time(event.ends_at, office), "venue": event.venue,
            "address": event.address, "capacity": "3"}
    outbox.clear()
    assert officer.post(f"/staff/events/{event.id}/edit", data=form).status_code == 302
    db.session.refresh(event)
    assert (event.capacity, event.registered) == (3, 3)
    assert len(outbox) == 2  # both moved up are told
    form["capacity"] = "2"
    response = officer.post(f"/staff/events/{event.id}/edit", data=form)
    assert response.status_code == 400
    assert "3 people already hold a seat" in response.get_data(as_text=True)
    db.session.refresh(event)
    assert event.capacity == 3


def test_an_answer_after_the_deadline_is_refused_and_nothing_changes(login, office, alumni):
    event = make_event(office)
    invite(event, alumni[1][1])
    db.session.execute(sa.update(Event).values(registration_deadline=utcnow()
                                               - timedelta(hours=1)))
    db.session.commit()
    response = login(alumni[1][0]).post(f"/events/{event.id}/answer", data={"answer": "yes"})
    assert response.status_code == 409
    assert "Answers closed on" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Invitation.answer)) == "pending"


def test_an_alumnus_registers_for_an_open_event_but_not_for_an_invitation_only_one(
        login, office, alumni):
    open_event = make_event(office, open_registration=True, title_en="Open seminar")
    closed = make_event(office, title_en="Closed seminar")
    user = alumni[1][0]
    page = login(user).get("/events").get_data(as_text=True)
    assert "Open seminar" in page and "Closed seminar" not in page
    assert login(user).post(f"/events/{open_event.id}/answer",
                            data={"answer": "yes"}).status_code == 302
    assert login(user).get(f"/events/{closed.id}").status_code == 404
    assert login(user).post(f"/events/{closed.id}/answer",
                            data={"answer": "yes"}).status_code == 404
    invitation = db.session.scalars(sa.select(Invitation)).one()
    assert (invitation.event_id, invitation.source, invitation.answer) == (
        open_event.id, "registered", "yes")


def test_cancel_and_postpone_ask_first_and_tell_those_invited(login, users, office, alumni,
                                                              outbox):
    event = make_event(office)
    invite(event, *(record for _, record in alumni))
    login(alumni[2][0]).post(f"/events/{event.id}/answer", data={"answer": "no"})
    officer = login(users["officer"])
    assert "Cancel" in officer.get(f"/staff/events/{event.id}/cancel").get_data(as_text=True)
    new_start = event.starts_at + timedelta(days=7)
    outbox.clear()
    response = officer.post(f"/staff/events/{event.id}/postpone", data={
        "starts_at": _form_time(new_start, office),
        "ends_at": _form_time(new_start + timedelta(hours=3), office)})
    assert response.status_code == 302
    db.session.refresh(event)
    assert (event.state, event.starts_at) == ("postponed", new_start)
    assert sorted(m["To"] for m in outbox) == sorted([alumni[0][0].email, alumni[1][0].email])
    russian = next(m for m in outbox if m["To"] == alumni[0][0].email)
    assert "Новые даты" in str(russian["Subject"])
    outbox.clear()
    assert officer.post(f"/staff/events/{event.id}/cancel").status_code == 302
    db.session.refresh(event)
    assert event.state == "cancelled"
    assert len(outbox) == 2
    calendar = [part for part in outbox[0].iter_attachments()][0]
    assert b"METHOD:CANCEL" in calendar.get_content().encode() if isinstance(
        calendar.get_content(), str) else b"METHOD:CANCEL" in calendar.get_content()
    # A cancelled event takes no more transitions and no answers.
    assert officer.post(f"/staff/events/{event.id}/publish").status_code == 409
    assert login(alumni[0][0]).post(f"/events/{event.id}/answer",
                                    data={"answer": "yes"}).status_code == 409


def test_postponing_into_the_past_is_refused(login, users, office):
    event = make_event(office)
    response = login(users["officer"]).post(f"/staff/events/{event.id}/postpone", data={
        "starts_at": _form_time(utcnow() - timedelta(days=2), office),
        "ends_at": _form_time(utcnow() - timedelta(days=1), office)})
    assert response.status_code == 400
    assert "The event cannot start in the past." in response.get_data(as_text=True)
    db.session.refresh(event)
    assert event.state == "published"


def test_check_in_counts_each_person_once_and_takes_walk_ins(login, users, office, alumni):
    event = make_event(office)
    guest = make_guest(office, name="Aiko Tanaka")
    invite(event, alumni[0][1], alumni[1][1], guests=[guest])
    for user, _ in alumni[:2]:
        login(user).post(f"/events/{event.id}/answer", data={"answer": "yes"})
    start_in_past(event)
    officer = login(users["officer"])
    # By name in another script: Дилноза finds Dilnoza Karimova.
    page = officer.get(f"/staff/events/{event.id}/check-in?q=Дилноза").get_data(as_text=True)
    assert "Dilnoza Karimova" in page and "Rustam" not in page
    assert "0 present of 2 expected" in page
    dilnoza = db.session.scalar(sa.select(Invitation).where(
        Invitation.record_id == alumni[0][1].id))
    first = officer.post(f"/staff/events/{event.id}/check-in/{dilnoza.id}")
    manager = login(users["manager"])
    second = manager.post(f"/staff/events/{event.id}/check-in/{dilnoza.id}")
    assert first.status_code == second.status_code == 302
    page = manager.get(f"/staff/events/{event.id}/check-in").get_data(as_text=True)
    assert "1 present of 2 expected" in page
    assert "Dilnoza Karimova was already checked in." in page
    # The guest did not answer: not checked in by a tap, but admitted at the door.
    guest_row = db.session.scalar(sa.select(Invitation).where(Invitation.guest_id == guest.id))
    assert officer.post(f"/staff/events/{event.id}/check-in/{guest_row.id}").status_code == 409
    assert officer.post(f"/staff/events/{event.id}/walk-in",
                        data={"record_id": alumni[2][1].id}).status_code == 302
    response = officer.post(f"/staff/events/{event.id}/walk-in", data={
        "new_guest": "1", "name": "Walk-in without mail", "email": ""})
    assert response.status_code == 400
    page = officer.get(f"/staff/events/{event.id}/check-in").get_data(as_text=True)
    assert "2 present of 2 expected" in page  # a walk-in is present, not expected


def test_a_qr_code_opens_this_persons_check_in_for_this_event_only(login, users, office, alumni):
    event, other = make_event(office), make_event(office, title_en="Other")
    invite(event, alumni[0][1])
    login(alumni[0][0]).post(f"/events/{event.id}/answer", data={"answer": "yes"})
    page = login(alumni[0][0]).get(f"/events/{event.id}").get_data(as_text=True)
    assert "<svg" in page
    token = db.session.scalar(sa.select(Invitation.token))
    officer = login(users["officer"])
    page = officer.get(f"/staff/events/{event.id}/check-in/code/{token}")
    assert page.status_code == 200 and "Dilnoza Karimova" in page.get_data(as_text=True)
    assert officer.get(f"/staff/events/{other.id}/check-in/code/{token}").status_code == 404
    assert login(alumni[0][0]).get(
        f"/staff/events/{event.id}/check-in/code/{token}").status_code == 403


def test_guests_need_an_email_and_stay_out_of_the_directory(login, users, office):
    officer = login(users["officer"])
    response = officer.post("/staff/events/guests", data={"name": "Minister's aide",
                                                          "email": "", "language": "ru"})
    assert response.status_code == 400
    assert "A guest needs an e-mail address" in response.get_data(as_text=True)
    response = officer.post("/staff/events/guests", data={
        "name": "Hiroshi Yamada", "email": "h.yamada@embassy.example",
        "organization": "Embassy of Japan", "language": "en"})
    assert response.status_code == 302
    assert "Hiroshi Yamada" in officer.get("/staff/events/guests").get_data(as_text=True)
    assert "Hiroshi Yamada" not in officer.get("/directory?q=Yamada").get_data(as_text=True)
    response = officer.post("/staff/events/guests", data={
        "name": "Someone else", "email": "H.Yamada@embassy.example", "language": "en"})
    assert response.status_code == 400
    assert "Another guest of the office has this e-mail address." in response.get_data(
        as_text=True)


def test_the_agenda_takes_alumni_and_guest_speakers_within_the_event(login, users, office,
                                                                    alumni):
    event = make_event(office)
    guest = make_guest(office, name="Kenji Sato")
    officer = login(users["officer"])
    response = officer.post(f"/staff/events/{event.id}/agenda", data={
        "starts_at": _form_time(event.starts_at + timedelta(hours=1), office),
        "title_en": "Health sector: good practice", "room": "Hall A",
        "speaker_records": [alumni[0][1].id], "speaker_guests": [guest.id]})
    assert response.status_code == 302
    page = login(alumni[0][0]).get(f"/events/{event.id}")
    assert page.status_code == 404  # not invited: the agenda is not theirs to see
    invite(event, alumni[0][1])
    page = login(alumni[0][0]).get(f"/events/{event.id}").get_data(as_text=True)
    assert "Health sector: good practice" in page
    assert "Dilnoza Karimova" in page and "Kenji Sato" in page
    response = officer.post(f"/staff/events/{event.id}/agenda", data={
        "starts_at": _form_time(event.starts_at - timedelta(days=1), office),
        "title_en": "Too early"})
    assert response.status_code == 400
    assert "A session takes place between the event" in response.get_data(as_text=True)


def test_registrations_are_counted_in_sql(office, alumni):
    event = make_event(office, capacity=2)
    invite(event, *(record for _, record in alumni))
    for _user, record in alumni:
        invitation = db.session.scalar(sa.select(Invitation).where(
            Invitation.record_id == record.id))
        registrations.answer(None, invitation, True)
    db.session.commit()
    assert registrations.counts(event) == {"invited": 3, "yes": 2, "expected": 2,
                                           "waiting": 1, "no": 0,
                                           "pending": 0, "present": 0, "guests": 0}


def test_attendance_is_in_the_persons_data_download(login, office, alumni):
    event = make_event(office, title_en="Kaizen workshop")
    invite(event, alumni[1][1])
    login(alumni[1][0]).post(f"/events/{event.id}/answer", data={"answer": "yes"})
    start_in_past(event)
    invitation = db.session.scalars(sa.select(Invitation)).one()
    registrations.check_in(None, invitation)
    db.session.commit()
    data = login(alumni[1][0]).get("/me/data.json").get_json()
    found = data["event_invitations"]
    assert [(e["title"], e["state"]) for e in found] == [("Kaizen workshop", "yes")]
    assert found[0]["checked_in_at"] is not None
    page = login(alumni[1][0]).get("/me/data").get_data(as_text=True)
    assert "Kaizen workshop" in page and "coming" in page
