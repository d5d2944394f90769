"""The demo shows events: a coming annual meeting with agenda, guests, answers and a waiting
list, which the demo alumna can answer; past events with attendance."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app import demo
from alumni_app.accounts.models import User
from alumni_app.events.models import Event
from alumni_app.extensions import db


def test_the_demo_has_a_coming_meeting_to_answer_and_past_attendance(app, login):
    demo.seed()
    db.session.commit()
    officer = db.session.scalar(sa.select(User).filter_by(email="officer.tj@example.org"))
    events = {e.title_en: e for e in db.session.scalars(sa.select(Event))}
    coming = events["Annual meeting of ex-participants 2027"]
    page = login(officer).get(f"/staff/events/{coming.id}").get_data(as_text=True)
    # The office's officer reads Russian.
    assert "Придут: 30" in page and "В списке ожидания: 0" not in page
    assert "Kenji Sato" in page  # the Embassy of Japan's guest
    # Titles in the reader's language on every staff page, the list included.
    listing = login(officer).get("/staff/events").get_data(as_text=True)
    assert "Ежегодная встреча бывших участников 2027" in listing
    assert "Annual meeting of ex-participants 2027" not in listing
    assert "Здравоохранение: результаты прошедшего года" in page
    past = events["Seminar: road maintenance practice from Japan"]
    page = login(officer).get(f"/staff/events/{past.id}").get_data(as_text=True)
    assert "Пришли: 0" not in page and "Пришли: " in page and past.state == "finished"
    alumna = db.session.scalars(sa.select(User).where(User.role == "alumnus")
                                .order_by(User.id)).first()
    dashboard = login(alumna).get("/dashboard").get_data(as_text=True)
    assert "Answer the invitation to" in dashboard
    response = login(alumna).post(f"/events/{coming.id}/answer", data={"answer": "yes"})
    assert response.status_code == 302
    page = login(alumna).get(f"/events/{coming.id}").get_data(as_text=True)
    assert "waiting list" in page or "список" in page  # the meeting is full


def test_the_demo_past_meeting_has_notes_and_the_alumnas_certificate(app, login):
    demo.seed()
    db.session.commit()
    officer = db.session.scalar(sa.select(User).filter_by(email="officer.tj@example.org"))
    meeting = db.session.scalar(sa.select(Event).filter_by(
        title_en="Annual meeting of ex-participants 2025"))
    page = login(officer).get(f"/staff/events/{meeting.id}").get_data(as_text=True)
    assert "Заметки обсуждения" in page  # the officer reads Russian
    assert "District clinics cannot buy the ultrasound equipment" in page
    assert "Бюджет" in page  # the barrier it names, in the reader's language
    alumna = db.session.scalars(sa.select(User).where(User.role == "alumnus")
                                .order_by(User.id)).first()
    page = login(alumna).get(f"/events/{meeting.id}").get_data(as_text=True)
    assert f"/events/{meeting.id}/certificate.pdf" in page
    response = login(alumna).get(f"/events/{meeting.id}/certificate.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
