"""After the event: the attendees' workbook (read back as Excel would), certificates with a
QR code to a public verification page, and the notes of each session's discussion."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import sqlalchemy as sa

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
