"""A person's events on their page in the directory, for the office's staff: what they were
invited to, their answer, whether they came, certificates in either script; only the events
the reader may see; a constant number of statements however many events."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pypdf
import sqlalchemy as sa

from alumni_app.events import registrations, services
from alumni_app.events.models import Invitation
from alumni_app.extensions import db
from tests.events.factories import invite, make_event, start_in_past

HEADING = 'id="record-events-heading"'


def _place(event, record):
    return db.session.scalar(sa.select(Invitation).filter_by(event_id=event.id,
                                                             record_id=record.id))


def _answer(event, record, coming):
    registrations.answer(None, _place(event, record), coming)
    db.session.commit()


def _attended(office, officer, record, title):
    """An event `record` came to, begun an hour ago and marked finished."""
    event = make_event(office, officer, title_en=title, title_ru="")
    invite(event, record)
    _answer(event, record, True)
    start_in_past(event)
    registrations.check_in(None, _place(event, record))
    services.finish(None, event)
    db.session.commit()
    return event


def _section(response) -> str:
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert HEADING in page
    return page.split(HEADING, 1)[1].split("</section>", 1)[0]


def test_staff_see_the_persons_events_answers_attendance_in_the_office_zone(
        login, users, office, other_office, alumni):
    (_u, dilnoza), (_r, rustam), _m = alumni
    came = _attended(office, users["officer"], dilnoza, "Water users seminar")
    declined = make_event(office, users["officer"], days=20, title_en="Irrigation workshop",
                          title_ru="")
    invite(declined, dilnoza, rustam)
    _answer(declined, dilnoza, False)
    not_hers = make_event(office, users["officer"], days=25, title_en="Transport briefing",
                          title_ru="")
    invite(not_hers, rustam)
    elsewhere = make_event(other_office, None, days=15, title_en="Bishkek alumni forum",
                           title_ru="")
    invite(elsewhere, dilnoza)

    section = _section(login(users["officer"]).get(f"/directory/{dilnoza.id}"))
    assert f'href="/staff/events/{came.id}"' in section and "Water users seminar" in section
    assert f'href="/staff/events/{declined.id}"' in section
    assert "Irrigation workshop" in section and "not coming" in section
    # Dushanbe is UTC+5: the workshop's start on the office's clock, the zone named.
    local = (declined.starts_at + timedelta(hours=5)).strftime("%H:%M")
    assert f"{local} Dushanbe time" in section
    items = {title: item for item in section.split("<li")[1:]
             for title in ("Water users seminar", "Irrigation workshop") if title in item}
    assert "came" in items["Water users seminar"]
    assert "came" not in items["Irrigation workshop"]  # still to come: nobody knows yet
    # Newest first: the workshop to come, then the seminar that took place.
    assert section.index("Irrigation workshop") < section.index("Water users seminar")
    # Her certificate, in each script her name has, from the staff's own route.
    invitation = _place(came, dilnoza)
    for script in ("latin", "cyrillic"):
        assert (f"/staff/events/{came.id}/people/{invitation.id}/certificate.pdf"
                f"?script={script}") in section
    # Someone else's event, and another office's event, are not on her page.
    assert "Transport briefing" not in section
    assert "Bishkek alumni forum" not in section
    # An administrator sees every office's events.
    assert "Bishkek alumni forum" in _section(login(users["admin"]).get(
        f"/directory/{dilnoza.id}"))


def test_the_events_part_is_for_staff_only(login, users, office, alumni):
    (dilnoza_user, dilnoza), _r, _m = alumni
    _attended(office, users["officer"], dilnoza, "Water users seminar")
    page = login(dilnoza_user).get(f"/directory/{dilnoza.id}").get_data(as_text=True)
    assert HEADING not in page and "Water users seminar" not in page


def test_a_person_without_events_has_a_quiet_section(login, users, alumni):
    section = _section(login(users["officer"]).get(f"/directory/{alumni[2][1].id}"))
    assert "Not invited to any event yet." in section


def test_a_declined_or_absent_person_gets_no_certificate_link(login, users, office, alumni):
    (_u, dilnoza), (_r, rustam), _m = alumni
    event = make_event(office, users["officer"], title_en="Water users seminar", title_ru="")
    invite(event, dilnoza, rustam)
    _answer(event, rustam, True)
    start_in_past(event)
    services.finish(None, event)
    db.session.commit()
    section = _section(login(users["officer"]).get(f"/directory/{rustam.id}"))
    assert "did not come" in section and "certificate.pdf" not in section


def _statements(client, url) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    client.get(url)  # the session row is refreshed at most once a minute
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_persons_page_costs_the_same_statements_with_one_event_or_five(
        login, users, office, alumni):
    (_u, dilnoza), _r, _m = alumni
    officer = login(users["officer"])
    url = f"/directory/{dilnoza.id}"
    _attended(office, users["officer"], dilnoza, "Seminar 1")
    one = _statements(officer, url)
    for n in range(2, 6):
        _attended(office, users["officer"], dilnoza, f"Seminar {n}")
    five = _statements(officer, url)
    section = _section(officer.get(url))
    assert len(re.findall(r"Seminar \d", section)) == 5
    assert five == one


def test_staff_print_a_certificate_in_the_script_they_choose(login, users, office, alumni):
    (_u, dilnoza), _r, _m = alumni
    event = _attended(office, users["officer"], dilnoza, "Water users seminar")
    invitation = _place(event, dilnoza)
    officer = login(users["officer"])
    page = officer.get(f"/staff/events/{event.id}").get_data(as_text=True)
    base = f"/staff/events/{event.id}/people/{invitation.id}/certificate.pdf"
    assert f"{base}?script=latin" in page and f"{base}?script=cyrillic" in page

    def text(url):
        response = officer.get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        return pypdf.PdfReader(io.BytesIO(response.data)).pages[0].extract_text()

    latin, cyrillic = text(f"{base}?script=latin"), text(f"{base}?script=cyrillic")
    assert "Dilnoza Karimova" in latin and "Дилноза" not in latin
    assert "Certificate of attendance" in latin
    assert "Дилноза Каримова" in cyrillic and "Dilnoza" not in cyrillic
    assert "Сертификат об участии" in cyrillic
    # A script the person has no name in falls back to the one they have.
    rustam_only_latin = alumni[1][1]
    rustam_only_latin.given_name_cyr = rustam_only_latin.family_name_cyr = ""
    db.session.commit()
    other = _attended(office, users["officer"], rustam_only_latin, "Transport briefing")
    other_base = (f"/staff/events/{other.id}/people/"
                  f"{_place(other, rustam_only_latin).id}/certificate.pdf")
    other_page = officer.get(f"/staff/events/{other.id}").get_data(as_text=True)
    assert f"{other_base}?script=latin" in other_page
    assert f"{other_base}?script=cyrillic" not in other_page
    assert "Rustam Nazarov" in text(f"{other_base}?script=cyrillic")


def test_the_alumnus_sees_their_events_and_reaches_the_certificate_of_those_they_came_to(
        login, users, office, alumni):
    (dilnoza_user, dilnoza), (_r, rustam), _m = alumni
    came = _attended(office, users["officer"], dilnoza, "Water users seminar")
    declined = make_event(office, users["officer"], days=20, title_en="Irrigation workshop",
                          title_ru="")
    invite(declined, dilnoza)
    _answer(declined, dilnoza, False)
    dilnoza_user.preferred_language = "en"
    db.session.commit()
    page = login(dilnoza_user).get("/events").get_data(as_text=True)
    items = {title: item for item in page.split('<li class="card')[1:]
             for title in ("Water users seminar", "Irrigation workshop") if title in item}
    assert f'href="/events/{came.id}#certificate-heading"' in items["Water users seminar"]
    assert "certificate" not in items["Irrigation workshop"]
    detail = login(dilnoza_user).get(f"/events/{came.id}").get_data(as_text=True)
    assert 'id="certificate-heading"' in detail
