"""Speakers when records change: an erased person no longer speaks at sessions still to come
(past sessions keep the slot, under the erased record's placeholder name); a merge gives the
duplicate's slots to the record kept, once per session."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from alumni_app.alumni import privacy
from alumni_app.alumni import services as records
from alumni_app.db import utcnow
from alumni_app.events import services
from alumni_app.events.models import AgendaSession, Speaker
from alumni_app.events.services import SessionValues
from alumni_app.extensions import db
from tests import factories
from tests.events.factories import invite, local, make_event, make_guest, start_in_past


def _session(event, office, title, records=(), guests=()):
    session = services.add_session(None, event, SessionValues(
        starts_at=local(event.starts_at, office), ends_at=None, title_en=title,
        record_ids=[r.id for r in records], guest_ids=[g.id for g in guests]))
    db.session.commit()
    return session


def _speakers(session) -> list[tuple[int | None, int | None]]:
    rows = db.session.execute(sa.select(Speaker.record_id, Speaker.guest_id).where(
        Speaker.session_id == session.id))
    return sorted((tuple(row) for row in rows), key=str)


def _past(event, session):
    """The event begun an hour ago, the session half an hour ago."""
    start_in_past(event)
    db.session.execute(sa.update(AgendaSession).where(AgendaSession.id == session.id).values(
        starts_at=utcnow() - timedelta(minutes=30)))
    db.session.commit()


def test_an_erased_person_leaves_the_sessions_to_come_and_stays_a_placeholder_on_past_ones(
        login, users, office, alumni):
    (dilnoza_user, dilnoza), (rustam_user, rustam), _m = alumni
    guest = make_guest(office, name="Kenji Sato")
    coming = make_event(office, users["officer"], title_en="Annual meeting 2027", title_ru="")
    coming_session = _session(coming, office, "Health: results", [dilnoza, rustam], [guest])
    past = make_event(office, users["officer"], title_en="Water seminar", title_ru="")
    past_session = _session(past, office, "Irrigation: results", [dilnoza])
    _past(past, past_session)
    invite(coming, rustam)
    invite(past, rustam)
    officer = login(users["officer"])
    assert "Dilnoza Karimova" in officer.get(
        f"/staff/events/{coming.id}/agenda").get_data(as_text=True)

    erasure = privacy.request_erasure(dilnoza_user)
    privacy.anonymise(users["officer"], erasure)
    db.session.commit()
    db.session.expire_all()

    assert _speakers(coming_session) == sorted([(rustam.id, None), (None, guest.id)], key=str)
    for url in (f"/staff/events/{coming.id}/agenda", f"/staff/events/{coming.id}"):
        page = officer.get(url).get_data(as_text=True)
        assert "Health: results" in page and "Rustam Nazarov" in page and "Kenji Sato" in page
        assert "Dilnoza" not in page and f"Erased person #{dilnoza.id}" not in page
    alumnus_page = login(rustam_user).get(f"/events/{coming.id}").get_data(as_text=True)
    assert "Rustam Nazarov" in alumnus_page and "Dilnoza" not in alumnus_page
    # The session that took place keeps its speaker's slot, without the name.
    assert _speakers(past_session) == [(dilnoza.id, None)]
    past_page = login(rustam_user).get(f"/events/{past.id}").get_data(as_text=True)
    assert "Irrigation: results" in past_page
    assert f"Erased person #{dilnoza.id}" in past_page and "Dilnoza" not in past_page


def test_a_merge_gives_the_duplicates_speaking_slots_to_the_kept_record_once(
        users, office, alumni):
    dilnoza = alumni[0][1]
    duplicate = factories.make_record(office, given_name="Dilnoza", family_name="Karimova")
    event = make_event(office, users["officer"])
    both = _session(event, office, "Both listed", [dilnoza, duplicate])
    only_duplicate = _session(event, office, "Duplicate listed", [duplicate])
    records.merge_records(users["officer"], dilnoza, duplicate)
    db.session.commit()
    db.session.expire_all()
    assert _speakers(both) == [(dilnoza.id, None)]
    assert _speakers(only_duplicate) == [(dilnoza.id, None)]
    assert db.session.scalar(sa.select(sa.func.count(Speaker.id)).where(
        Speaker.record_id == duplicate.id)) == 0


def test_an_erased_presenter_is_no_longer_proposed_nor_named_in_a_sessions_title(
        login, users, office, alumni):
    from datetime import date

    from alumni_app.events import proposals
    from alumni_app.events.models import Proposal
    from alumni_app.plans.models import Activity

    (dilnoza_user, dilnoza), _r, _m = alumni
    health = factories.make_sector(name_en="Health")
    dilnoza.sectors.append(health)
    db.session.add(Activity(record_id=dilnoza.id, kind="seminar", title="Seminar",
                            held_on=date.today() - timedelta(days=30), total=400))
    db.session.commit()
    meeting = make_event(office, users["officer"], kind="annual_meeting",
                         title_en="Annual meeting 2027", title_ru="")
    next_meeting = make_event(office, users["officer"], kind="annual_meeting", days=60,
                              title_en="Annual meeting 2028", title_ru="")
    for event in (meeting, next_meeting):
        proposals.refresh(None, event)
    db.session.commit()
    accepted = db.session.scalar(sa.select(Proposal).filter_by(event_id=meeting.id,
                                                               record_id=dilnoza.id))
    assert accepted.title == "Health: results and good practice — Dilnoza Karimova"
    proposals.accept(None, accepted, accepted.title, local(meeting.starts_at, office))
    session = db.session.scalar(sa.select(AgendaSession).filter_by(event_id=meeting.id))
    session.title_ru = "Здравоохранение: Дилноза Каримова"
    db.session.commit()

    erasure = privacy.request_erasure(dilnoza_user)
    privacy.anonymise(users["officer"], erasure)
    db.session.commit()
    db.session.expire_all()

    placeholder = f"Health: results and good practice — Erased person #{dilnoza.id}"
    assert db.session.get(AgendaSession, session.id).title_en == placeholder
    assert db.session.get(AgendaSession, session.id).title_ru == ""
    assert db.session.get(Proposal, accepted.id).title == placeholder
    # The next meeting's undecided proposal went, and proposing again does not bring it back.
    assert db.session.scalar(sa.select(Proposal).filter_by(event_id=next_meeting.id,
                                                           record_id=dilnoza.id)) is None
    proposals.refresh(None, db.session.get(type(next_meeting), next_meeting.id))
    db.session.commit()
    assert db.session.scalar(sa.select(Proposal).filter_by(event_id=next_meeting.id,
                                                           record_id=dilnoza.id)) is None
    officer = login(users["officer"])
    for url in (f"/staff/events/{meeting.id}/agenda", f"/staff/events/{meeting.id}/proposals"):
        page = officer.get(url).get_data(as_text=True)
        assert "Dilnoza" not in page and "Дилноза" not in page
