"""Two records of one person merged: their places at events become one place on the record
kept. A person erased: they leave the events still to come (their seat goes to the first
person waiting), past attendance stays as a count and their certificate no longer verifies."""

from __future__ import annotations

import io

import pypdf
import sqlalchemy as sa

from alumni_app.alumni import privacy
from alumni_app.alumni import services as records
from alumni_app.events import registrations
from alumni_app.events.models import Event, Invitation
from alumni_app.extensions import db
from tests import factories
from tests.events.factories import invite, make_event, start_in_past


def _place(event, record):
    return db.session.scalar(sa.select(Invitation).filter_by(event_id=event.id,
                                                             record_id=record.id))


def _answer(event, record, coming):
    registrations.answer(None, _place(event, record), coming)
    db.session.commit()


def test_a_merge_carries_the_duplicates_invitations_and_keeps_one_seat(users, office, alumni):
    dilnoza = alumni[0][1]
    duplicate = factories.make_record(office, given_name="Dilnoza", family_name="Karimova")
    both = make_event(office, users["officer"], capacity=10)
    only_duplicate = make_event(office, users["officer"], title_en="Irrigation workshop")
    invite(both, dilnoza, duplicate)
    invite(only_duplicate, duplicate)
    _answer(both, dilnoza, True)
    _answer(both, duplicate, True)  # the same person holds two seats
    _answer(only_duplicate, duplicate, True)
    assert db.session.get(Event, both.id).registered == 2
    records.merge_records(users["officer"], dilnoza, duplicate)
    db.session.commit()
    places = db.session.scalars(sa.select(Invitation).where(
        Invitation.record_id.in_([dilnoza.id, duplicate.id]))).all()
    assert sorted((p.event_id, p.record_id, p.answer) for p in places) == sorted([
        (both.id, dilnoza.id, "yes"), (only_duplicate.id, dilnoza.id, "yes")])
    db.session.expire_all()
    assert db.session.get(Event, both.id).registered == 1  # one person, one seat


def test_a_merge_keeps_the_duplicates_attendance(users, office, alumni):
    rustam = alumni[1][1]
    duplicate = factories.make_record(office, given_name="Rustam", family_name="Nazarov")
    event = make_event(office, users["officer"])
    invite(event, rustam, duplicate)
    _answer(event, duplicate, True)
    start_in_past(event)
    registrations.check_in(None, _place(event, duplicate))
    db.session.commit()
    records.merge_records(users["officer"], rustam, duplicate)
    db.session.commit()
    kept = _place(event, rustam)
    assert kept.checked_in_at is not None and kept.answer == "yes"
    assert _place(event, duplicate) is None


def test_an_erased_person_leaves_coming_events_and_the_first_waiting_gets_the_seat(
        users, office, alumni, login, client):
    (dilnoza_user, dilnoza), (_u, rustam), _malika = alumni
    coming = make_event(office, users["officer"], capacity=1)
    past = make_event(office, users["officer"], title_en="Past seminar")
    invite(coming, dilnoza, rustam)
    invite(past, dilnoza)
    _answer(coming, dilnoza, True)
    _answer(coming, rustam, True)  # waiting: the one seat is Dilnoza's
    assert _place(coming, rustam).answer == "waiting"
    _answer(past, dilnoza, True)
    start_in_past(past)
    registrations.check_in(None, _place(past, dilnoza))
    db.session.commit()
    certificate = login(dilnoza_user).get(f"/events/{past.id}/certificate.pdf?script=latin")
    assert certificate.status_code == 200
    [annotation] = pypdf.PdfReader(io.BytesIO(certificate.data)).pages[0]["/Annots"]
    check = annotation.get_object()["/A"]["/URI"].split("localhost", 1)[1]
    assert client.get(check).status_code == 200
    erasure = privacy.request_erasure(dilnoza_user)
    privacy.anonymise(users["officer"], erasure)
    db.session.commit()
    db.session.expire_all()
    assert _place(coming, dilnoza) is None
    assert _place(coming, rustam).answer == "yes"
    assert db.session.get(Event, coming.id).registered == 1
    kept = _place(past, dilnoza)  # past attendance stays, as a count
    assert kept is not None and kept.checked_in_at is not None
    assert client.get(check).status_code == 404  # the certificate no longer verifies
