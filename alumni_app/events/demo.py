"""Demo events of the Tajikistan office: the coming annual meeting (agenda, guests from the
ministry, the President's Executive Office and the Embassy of Japan, invitations, answers and a
waiting list, the agenda proposed from results), a past annual meeting and a past seminar with
attendance. Built through the services where the dates allow; past events are written as they
would stand after the day."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from alumni_app.accounts.models import User
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.db import utcnow
from alumni_app.events import proposals, registrations, services
from alumni_app.events.models import AgendaSession, Answer, Event, Invitation
from alumni_app.events.services import EventValues, GuestValues, SessionValues
from alumni_app.extensions import db
from alumni_app.offices.models import Office

GUESTS = [
    ("Nodira Safarova", "Ministry of Health and Social Protection of Population",
     "Head of the International Relations Department", "n.safarova@health.example", "ru"),
    ("Jamshed Rahmonov", "Executive Office of the President", "Senior Adviser",
     "j.rahmonov@president.example", "ru"),
    ("Kenji Sato", "Embassy of Japan in Tajikistan", "Second Secretary",
     "kenji.sato@embassy.example", "en"),
    ("Aiko Tanaka", "JICA Tajikistan Office", "Program Officer", "tanaka.aiko@jica.example",
     "en"),
]


def _local(moment, office):
    return services.to_local(moment, office)


def seed(office: Office) -> None:
    officer = db.session.scalar(sa.select(User).where(User.office_id == office.id,
                                                      User.role == "officer").order_by(User.id))
    rng = random.Random(14)
    guests = [services.save_guest(officer, office.id, GuestValues(
        name=n, organization=o, position=p, email=e, language=lang))
        for n, o, p, e, lang in GUESTS]
    records = db.session.scalars(sa.select(AlumnusRecord).where(
        AlumnusRecord.office_id == office.id, AlumnusRecord.is_active,
        AlumnusRecord.user_id.is_(None)).order_by(AlumnusRecord.id).limit(60)).all()
    own = db.session.scalars(sa.select(AlumnusRecord).where(
        AlumnusRecord.office_id == office.id, AlumnusRecord.user_id.is_not(None))
        .order_by(AlumnusRecord.id)).all()
    _coming_meeting(office, officer, guests, records[:44], own, rng)
    meeting = _past(office, "annual_meeting", "Annual meeting of ex-participants 2025",
                    "Ежегодная встреча бывших участников 2025", 300, records[10:45], guests[:3],
                    0.8, rng)
    _after_the_meeting(officer, meeting, own[:1])
    _past(office, "seminar", "Seminar: road maintenance practice from Japan",
          "Семинар: опыт Японии в содержании дорог", 60, records[30:52], [guests[3]], 0.7,
          rng)


def _coming_meeting(office, officer, guests, records, own, rng) -> None:
    starts = (utcnow() + timedelta(days=45)).replace(hour=4, minute=0, second=0,
                                                     microsecond=0)  # 09:00 in Dushanbe
    event = services.create_event(officer, office, EventValues(
        kind="annual_meeting", title_en="Annual meeting of ex-participants 2027",
        title_ru="Ежегодная встреча бывших участников 2027",
        description_en=("Alumni of the health, transport, agriculture, irrigation and energy "
                        "sectors present what they introduced last year; then we discuss the "
                        "challenges of carrying out action plans, further needs for capacity "
                        "building and cooperation across sectors."),
        description_ru=("Выпускники отраслей здравоохранения, транспорта, сельского хозяйства, "
                        "ирригации и энергетики представляют то, что внедрили в прошлом году; "
                        "затем обсуждаем трудности выполнения планов действий, потребности в "
                        "обучении и межотраслевое сотрудничество."),
        starts_at=_local(starts, office), ends_at=_local(starts + timedelta(hours=7), office),
        venue="Hyatt Regency Dushanbe", address="26/1 Ismoili Somoni Avenue, Dushanbe",
        capacity=30, registration_deadline=_local(starts - timedelta(days=7), office)))
    services.publish(officer, event)
    agenda = [(0, 30, "Opening: the Embassy of Japan and the Ministry of Health",
               "Открытие: Посольство Японии и Министерство здравоохранения", [], guests[1:3]),
              (30, 90, "Health sector: results of the past year",
               "Здравоохранение: результаты прошедшего года", records[:2], []),
              (90, 150, "Transport and energy: good practices",
               "Транспорт и энергетика: лучшие практики", records[2:4], []),
              (210, 300, "Discussion: challenges, needs for capacity building, cooperation",
               "Обсуждение: трудности, потребности в обучении, сотрудничество", [], [guests[0]])]
    for start, end, en, ru, speakers, guest_speakers in agenda:
        services.add_session(officer, event, SessionValues(
            starts_at=_local(starts + timedelta(minutes=start), office),
            ends_at=_local(starts + timedelta(minutes=end), office), title_en=en, title_ru=ru,
            room="Ballroom", record_ids=[r.id for r in speakers],
            guest_ids=[g.id for g in guest_speakers]))
    _answers(officer, event, records, own, guests, rng)
    proposals.refresh(officer, event)
    db.session.flush()


def _answers(officer, event, records, own, guests, rng) -> None:
    """Invite everyone; most answer yes, some no; the demo alumni answer themselves."""
    ids = registrations.invite(officer, event, record_ids=[r.id for r in records + own],
                               guest_ids=[g.id for g in guests])
    invitations = db.session.scalars(sa.select(Invitation).where(Invitation.id.in_(ids))
                                     .order_by(Invitation.id)).all()
    own_ids = {r.id for r in own}
    for invitation in invitations:
        if invitation.record_id in own_ids:
            continue  # the demo alumni answer themselves
        roll = rng.random()
        if roll < 0.12:
            registrations.answer(officer, invitation, False, by_staff=True)
        elif roll < 0.85:
            registrations.answer(officer, invitation, True, by_staff=True)


def _past(office, kind, title_en, title_ru, days_ago, records, guests, came, rng) -> None:
    starts = (utcnow() - timedelta(days=days_ago)).replace(hour=4, minute=0, second=0,
                                                           microsecond=0)
    event = Event(office_id=office.id, kind=kind, title_en=title_en, title_ru=title_ru,
                  starts_at=starts, ends_at=starts + timedelta(hours=6),
                  venue="Serena Hotel", address="14 Rudaki Avenue, Dushanbe", capacity=None,
                  state="finished", registered=0, waiting_seq=0, audience="{}",
                  published_at=starts - timedelta(days=40))
    db.session.add(event)
    db.session.flush()
    people = [{"record_id": r.id} for r in records] + [{"guest_id": g.id} for g in guests]
    for person in people:
        present = rng.random() < came
        db.session.add(Invitation(event_id=event.id, source="invited",
                                  answer=Answer.YES.value, token=registrations.new_token(),
                                  invited_at=starts - timedelta(days=30),
                                  answered_at=starts - timedelta(days=20),
                                  checked_in_at=starts + timedelta(minutes=rng.randint(0, 40))
                                  if present else None, **person))
    event.registered = len(people)
    db.session.flush()
    return event


# After the past annual meeting: its discussion noted with barriers, and the demo alumna among
# those checked in, so that her certificate of attendance is on her page of the meeting.
PAST_AGENDA = [
    (0, 60, "Results of the year by sector", "Итоги года по отраслям"),
    (90, 210, "Discussion: challenges, needs and ideas", "Обсуждение: трудности, потребности и "
     "идеи"),
]
PAST_NOTES = [
    ("challenge", "District clinics cannot buy the ultrasound equipment the course used.",
     ["Budget", "Equipment"]),
    ("challenge", "Heads of department change every two years; new ones do not know the plans.",
     ["Support from management"]),
    ("need", "A refresher course on maintenance of the machines donated in 2019.",
     ["Equipment"]),
    ("idea", "Alumni of the health and transport courses to plan ambulance routes together.",
     []),
]


def _after_the_meeting(officer, event, own) -> None:
    from alumni_app.events import notes
    from alumni_app.plans.models import Barrier

    sessions = []
    for start, end, en, ru in PAST_AGENDA:
        session = AgendaSession(event_id=event.id, title_en=en, title_ru=ru, room="Main hall",
                                starts_at=event.starts_at + timedelta(minutes=start),
                                ends_at=event.starts_at + timedelta(minutes=end))
        db.session.add(session)
        sessions.append(session)
    db.session.flush()
    barriers = {b.name_en: b.id for b in db.session.scalars(sa.select(Barrier))}
    for kind, text, names in PAST_NOTES:
        notes.add_note(officer, event, notes.NoteValues(
            sessions[-1].id, kind, text, [barriers[n] for n in names if n in barriers]))
    for record in own:
        db.session.add(Invitation(event_id=event.id, record_id=record.id, source="invited",
                                  answer=Answer.YES.value, token=registrations.new_token(),
                                  invited_at=event.starts_at - timedelta(days=30),
                                  answered_at=event.starts_at - timedelta(days=20),
                                  checked_in_at=event.starts_at + timedelta(minutes=12)))
        event.registered += 1
    db.session.flush()
