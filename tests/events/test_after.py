"""After the event: the attendees' workbook (read back as Excel would), certificates with a
QR code to a public verification page, and the notes of each session's discussion."""

from __future__ import annotations

import base64
import io
from datetime import datetime

import openpyxl
import pypdf
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from alumni_app.events import registrations
from alumni_app.events.models import Invitation
from alumni_app.extensions import db
from tests.events.factories import invite, make_event, make_guest, start_in_past


def _attended_event(office, alumni, officer):
    """A seminar begun an hour ago: Dilnoza came, Rustam registered but did not come, Malika
    said no; a guest whose organization looks like a formula came as well."""
    event = make_event(office, officer, capacity=50)
    (dilnoza, d_rec), (rustam, r_rec), (malika, m_rec) = alumni
    guest = make_guest(office, name="Kenji Sato", organization="=HYPERLINK(\"http://x\",\"y\")",
                       phone="+992 93 123 4567")
    invite(event, d_rec, r_rec, m_rec, guests=[guest])
    for record, coming in ((d_rec, True), (r_rec, True), (m_rec, False)):
        invitation = db.session.scalar(sa.select(Invitation).filter_by(
            event_id=event.id, record_id=record.id))
        registrations.answer(None, invitation, coming)
    guest_invitation = db.session.scalar(sa.select(Invitation).filter_by(
        event_id=event.id, guest_id=guest.id))
    registrations.answer(None, guest_invitation, True)
    db.session.commit()
    start_in_past(event)
    for invitation in db.session.scalars(sa.select(Invitation).filter_by(event_id=event.id)):
        if invitation.record_id == d_rec.id or invitation.guest_id == guest.id:
            registrations.check_in(None, invitation)
    db.session.commit()
    return event


def _sheet(response):
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return openpyxl.load_workbook(io.BytesIO(response.data)).active


def test_attendees_workbook_marks_guests_apart_with_times_in_the_office_zone(
        login, users, office, alumni):
    event = _attended_event(office, alumni, users["officer"])
    sheet = _sheet(login(users["officer"]).get(f"/staff/events/{event.id}/attendees.xlsx"))
    rows = list(sheet.iter_rows(values_only=True))
    head = rows[2]
    assert head[0] == "Name" and head[2] == "Alumnus or guest"
    assert head[11] == "Checked in (Dushanbe time)"
    people = {r[0]: r for r in rows[3:]}
    # Malika said no: not an attendee. Rustam registered, did not come.
    assert set(people) == {"Dilnoza Karimova", "Rustam Nazarov", "Kenji Sato"}
    assert people["Dilnoza Karimova"][1] == "Дилноза Каримова"
    assert people["Dilnoza Karimova"][2] == "alumnus" and people["Kenji Sato"][2] == "guest"
    assert people["Dilnoza Karimova"][12] == "yes" and people["Rustam Nazarov"][12] == "no"
    assert people["Rustam Nazarov"][11] is None
    assert list(people) == ["Dilnoza Karimova", "Rustam Nazarov", "Kenji Sato"]  # guests last
    # A real Excel time, on Dushanbe's clock (UTC+5) rather than UTC.
    checked = db.session.scalar(sa.select(Invitation.checked_in_at).where(
        Invitation.event_id == event.id, Invitation.checked_in_at.is_not(None)).limit(1))
    cell = people["Dilnoza Karimova"][11]
    assert isinstance(cell, datetime)
    assert abs((cell - checked.replace(tzinfo=None)).total_seconds() - 5 * 3600) < 120
    # Text that Excel would run stays text; the phone keeps its plus sign.
    guest_row = people["Kenji Sato"]
    assert guest_row[3] == "=HYPERLINK(\"http://x\",\"y\")"
    assert guest_row[6] == "+992 93 123 4567"
    guest_cells = next(r for r in sheet.iter_rows(min_row=4) if r[0].value == "Kenji Sato")
    assert guest_cells[3].data_type == "s"


def test_attendees_workbook_headers_follow_the_readers_language(login, users, office, alumni):
    event = _attended_event(office, alumni, users["officer"])
    officer = login(users["officer"])
    officer.post("/language", data={"lang": "ru"})
    response = officer.get(f"/staff/events/{event.id}/attendees.xlsx",
                           headers={"Accept-Language": "ru"})
    rows = list(_sheet(response).iter_rows(values_only=True))
    assert rows[2][0] == "Имя"
    assert "Душанбе" in rows[2][11]


def test_attendees_workbook_is_the_offices_own(login, users, office, other_office, alumni,
                                               make_user):
    event = _attended_event(office, alumni, users["officer"])
    stranger = make_user(role="officer", office=other_office)
    assert login(stranger).get(f"/staff/events/{event.id}/attendees.xlsx").status_code == 404
    assert login(alumni[0][0]).get(
        f"/staff/events/{event.id}/attendees.xlsx").status_code == 403


# Certificates -------------------------------------------------------------------------------


def _pdf(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    text = page.extract_text()
    links = [a.get_object()["/A"]["/URI"] for a in page.get("/Annots", [])]
    return text, links


def _invitation(event, record=None, guest=None):
    return db.session.scalar(sa.select(Invitation).filter_by(
        event_id=event.id, record_id=record.id if record else None,
        guest_id=guest.id if guest else None))


def test_an_attendee_downloads_a_certificate_in_the_script_of_their_choice(
        login, users, office, alumni, client):
    event = _attended_event(office, alumni, users["officer"])
    dilnoza = login(alumni[0][0])
    page = dilnoza.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Ваш сертификат об участии" in page  # her account is in Russian
    assert f"/events/{event.id}/certificate.pdf?script=latin" in page
    assert f"/events/{event.id}/certificate.pdf?script=cyrillic" in page
    # Her account is in Russian: Cyrillic name and Russian words unless she asks otherwise.
    text, links = _pdf(dilnoza.get(f"/events/{event.id}/certificate.pdf"))
    assert "Дилноза Каримова" in text and "Сертификат об участии" in text
    assert "Семинар по безопасности дорожного движения" in text
    text, latin_links = _pdf(dilnoza.get(f"/events/{event.id}/certificate.pdf?script=latin"))
    assert "Dilnoza Karimova" in text and "Certificate of attendance" in text
    assert "Дилноза" not in text and "Road safety seminar" in text
    # The QR code's link opens a public page: genuine, the name as printed, nothing else.
    [url] = latin_links
    assert "/certificates/" in url
    verified = client.get(url.split("localhost", 1)[-1])
    assert verified.status_code == 200
    body = verified.get_data(as_text=True)
    assert "This certificate is genuine." in body
    assert "Dilnoza Karimova" in body and "Road safety seminar" in body
    assert alumni[0][1].email not in body and "Дилноза" not in body
    [cyrillic_url] = links
    assert "Дилноза Каримова" in client.get(cyrillic_url.split("localhost", 1)[-1]).get_data(
        as_text=True)


def test_only_people_who_came_get_a_certificate(login, users, office, alumni, make_user):
    event = _attended_event(office, alumni, users["officer"])
    for user, _record in alumni[1:]:  # Rustam registered and stayed away; Malika said no
        response = login(user).get(f"/events/{event.id}/certificate.pdf")
        assert response.status_code == 409
        assert "given to people checked in" in response.get_data(as_text=True)
    from tests.plans.factories import claimed_record
    outsider = make_user(role="alumnus")
    claimed_record(office, outsider)  # of the office, not invited: the event is not theirs
    assert login(outsider).get(f"/events/{event.id}/certificate.pdf").status_code == 404
    rustam = _invitation(event, alumni[1][1])
    response = login(users["officer"]).get(
        f"/staff/events/{event.id}/people/{rustam.id}/certificate.pdf")
    assert response.status_code == 409


def test_staff_download_any_attendees_certificate_of_their_office_only(
        login, users, office, other_office, alumni, make_user):
    event = _attended_event(office, alumni, users["officer"])
    guest_invitation = db.session.scalar(sa.select(Invitation).where(
        Invitation.event_id == event.id, Invitation.guest_id.is_not(None)))
    url = f"/staff/events/{event.id}/people/{guest_invitation.id}/certificate.pdf"
    text, _links = _pdf(login(users["officer"]).get(url))
    assert "Kenji Sato" in text
    page = login(users["officer"]).get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert url in page
    stranger = make_user(role="officer", office=other_office)
    assert login(stranger).get(url).status_code == 404


def test_a_forged_or_stale_verification_code_finds_nothing(login, users, office, alumni,
                                                           client, app):
    event = _attended_event(office, alumni, users["officer"])
    _text, [url] = _pdf(login(alumni[0][0]).get(f"/events/{event.id}/certificate.pdf"))
    code = url.rsplit("/", 1)[1]
    payload, signature = code.split(".")
    assert client.get(f"/certificates/{code}").status_code == 200
    assert client.get(f"/certificates/{payload}.{signature[:-2]}xx").status_code == 404
    # Another invitation's id with this signature: refused.
    rustam = _invitation(event, alumni[1][1])
    other = base64.urlsafe_b64encode(f'[{rustam.id},"cyrillic"]'.encode()).decode().rstrip("=")
    assert client.get(f"/certificates/{other}.{signature}").status_code == 404
    # Signed with another secret: refused.
    forged = URLSafeSerializer("not-the-secret", salt="events.certificate").dumps(
        [rustam.id, "latin"])
    assert client.get(f"/certificates/{forged}").status_code == 404
    # Once the person is erased the certificate no longer verifies.
    record = alumni[0][1]
    record.erased_at = record.created_at
    db.session.commit()
    assert client.get(f"/certificates/{code}").status_code == 404


# Notes of the discussion --------------------------------------------------------------------


def _barriers():
    from alumni_app.plans import services as plan_services
    from alumni_app.plans.models import Barrier

    plan_services.ensure_default_barriers()
    db.session.commit()
    return {b.name_en: b for b in db.session.scalars(sa.select(Barrier))}


def _session(event, office, title="Round table: what stops the plans"):
    from alumni_app.events import services
    from alumni_app.events.services import SessionValues
    from tests.events.factories import local

    session = services.add_session(None, event, SessionValues(
        starts_at=local(event.starts_at, office), ends_at=None, title_en=title))
    db.session.commit()
    return session


def test_staff_note_a_sessions_discussion_with_barriers_and_see_it_on_the_event(
        login, users, office):
    event = make_event(office, users["officer"])
    session = _session(event, office)
    barriers = _barriers()
    budget, equipment = barriers["Budget"], barriers["Equipment"]
    officer = login(users["officer"])
    assert "Notes of the discussion" in officer.get(
        f"/staff/events/{event.id}/agenda").get_data(as_text=True)
    response = officer.post(f"/staff/events/{event.id}/notes", data={
        "session_id": session.id, "kind": "challenge",
        "text": "Clinics in Khatlon have no ultrasound machines.",
        "barrier_ids": [budget.id, equipment.id]})
    assert response.status_code == 302
    page = officer.get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert "Clinics in Khatlon have no ultrasound machines." in page
    assert "Challenge" in page and "Budget" in page and "Equipment" in page
    # The alumni's page of the event shows no notes.
    from alumni_app.events.models import SessionNote
    assert db.session.scalar(sa.select(sa.func.count(SessionNote.id))) == 1


def test_a_bad_note_is_refused_next_to_its_field_and_nothing_is_saved(
        login, users, office, other_office):
    from alumni_app.events.models import SessionNote

    event = make_event(office, users["officer"])
    session = _session(event, office)
    other_event = make_event(other_office, None)
    other_session = _session(other_event, other_office, "Elsewhere")
    officer = login(users["officer"])
    url = f"/staff/events/{event.id}/notes"
    empty = officer.post(url, data={"session_id": session.id, "kind": "idea", "text": "  "})
    assert empty.status_code == 400
    assert "Write the note" in empty.get_data(as_text=True)
    foreign = officer.post(url, data={"session_id": other_session.id, "kind": "idea",
                                      "text": "A hotline"})
    assert foreign.status_code == 400
    assert "Choose a session of this event" in foreign.get_data(as_text=True)
    bad_kind = officer.post(url, data={"session_id": session.id, "kind": "rumour", "text": "x"})
    assert bad_kind.status_code == 400
    unknown = officer.post(url, data={"session_id": session.id, "kind": "need", "text": "x",
                                      "barrier_ids": [999999]})
    assert unknown.status_code == 400
    assert "Choose barriers from the list." in unknown.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(SessionNote.id))) == 0


def test_notes_feed_the_barrier_counts_of_the_office_and_period(users, office, other_office):
    from datetime import timedelta

    from alumni_app.db import utcnow
    from alumni_app.events import notes, services
    from alumni_app.events.notes import NoteValues

    barriers = _barriers()
    budget, equipment, staff = (barriers["Budget"].id, barriers["Equipment"].id,
                                barriers["Other"].id)
    event = make_event(office, users["officer"], days=10)
    session = _session(event, office)
    for kind, ids in (("challenge", [budget, equipment]), ("need", [budget]), ("idea", [])):
        notes.add_note(None, event, NoteValues(session.id, kind, "said", ids))
    elsewhere = make_event(other_office, None, days=10)
    notes.add_note(None, elsewhere, NoteValues(_session(elsewhere, other_office).id, "need",
                                               "said", [budget, staff]))
    cancelled = make_event(office, users["officer"], days=12)
    notes.add_note(None, cancelled, NoteValues(_session(cancelled, office).id, "need", "said",
                                               [staff]))
    services.cancel(None, cancelled)
    db.session.commit()
    now = utcnow()
    assert notes.barrier_counts_from_notes(office.id, now, now + timedelta(days=30)) == {
        budget: 2, equipment: 1}
    assert notes.barrier_counts_from_notes(None, None, None) == {budget: 3, equipment: 1,
                                                                 staff: 1}
    assert notes.barrier_counts_from_notes(office.id, now + timedelta(days=11), None) == {}


def test_a_session_with_notes_is_not_removed_without_them(login, users, office):
    from alumni_app.events.models import AgendaSession, SessionNote

    event = make_event(office, users["officer"])
    session = _session(event, office)
    officer = login(users["officer"])
    officer.post(f"/staff/events/{event.id}/notes", data={
        "session_id": session.id, "kind": "idea", "text": "A mentoring scheme."})
    response = officer.post(f"/staff/events/{event.id}/agenda/{session.id}/delete",
                            follow_redirects=True)
    assert "remove them first" in response.get_data(as_text=True)
    assert db.session.get(AgendaSession, session.id) is not None
    note = db.session.scalars(sa.select(SessionNote)).one()
    assert officer.post(f"/staff/events/{event.id}/notes/{note.id}/delete").status_code == 302
    officer.post(f"/staff/events/{event.id}/agenda/{session.id}/delete")
    db.session.expire_all()
    assert db.session.get(AgendaSession, session.id) is None
