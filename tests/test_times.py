"""Every time shown is in the reader's one stated zone: the office's for its staff and alumni."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.grants.models import GrantEvent
from alumni_app.mail import OutboundEmail
from tests import factories
from tests.grants import factories as f

EVENT = datetime(2026, 12, 4, 11, 30, tzinfo=UTC)  # 16:30 in Dushanbe, 17:30 in Bishkek


def page_text(response) -> str:
    assert response.status_code == 200
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def last_login_shown(login, user) -> str:
    user.last_login_at = EVENT
    db.session.commit()
    text = page_text(login(user).get("/account"))
    return re.search(r"(?:Last login|Последний вход) (.+?) (?:Name|Имя) ", text).group(1)


@pytest.mark.parametrize("lang, expected", [
    ("en", "Dec 4, 2026, 16:30 Dushanbe time"),
    ("ru", "4 дек. 2026 г., 16:30 (время Душанбе)"),
])
def test_an_alumnus_reads_times_in_the_zone_of_their_record_s_office(login, office, lang,
                                                                      expected):
    alumnus = factories.make_user(role="alumnus", preferred_language=lang)
    record = factories.make_record(office)
    record.user_id = alumnus.id
    db.session.commit()

    assert last_login_shown(login, alumnus) == expected


@pytest.mark.parametrize("lang, expected", [
    ("en", "Dec 4, 2026, 17:30 Bishkek time"),
    ("ru", "4 дек. 2026 г., 17:30 (время Бишкека)"),
])
def test_staff_read_times_in_their_office_s_zone(login, other_office, lang, expected):
    officer = factories.make_user(role="officer", office=other_office, preferred_language=lang)

    assert last_login_shown(login, officer) == expected


@pytest.mark.parametrize("role", ["alumnus", "admin"])
def test_without_an_office_times_are_in_utc_and_say_so(login, role):
    user = factories.make_user(role=role, second_factor=role == "admin")

    assert last_login_shown(login, user) == "Dec 4, 2026, 11:30 UTC"


def _call_with_history(office, users):
    call = f.make_call(office, users["manager"])
    call.opens_at = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    call.closes_at = datetime(2036, 6, 20, 13, 0, tzinfo=UTC)
    for event in db.session.scalars(sa.select(GrantEvent).filter_by(call_id=call.id)):
        event.occurred_at = EVENT
    db.session.commit()
    return call


@pytest.mark.parametrize("lang, deadline, timeline", [
    ("en", "Open from 12/1/26, 09:00 to 6/20/36, 18:00 (Dushanbe time)",
     "Dec 4, 2026, 16:30 Dushanbe time"),
    ("ru", "Приём заявок с 01.12.2026, 09:00 по 20.06.2036, 18:00 (время Душанбе)",
     "4 дек. 2026 г., 16:30 (время Душанбе)"),
])
def test_an_applicant_reads_the_deadline_and_the_timeline_in_one_zone(
        login, office, users, lang, deadline, timeline):
    call = _call_with_history(office, users)
    alumnus = f.eligible_alumnus(office, preferred_language=lang)
    application = f.submitted(call, alumnus)
    for event in db.session.scalars(sa.select(GrantEvent).filter_by(
            application_id=application.id)):
        event.occurred_at = EVENT
    db.session.commit()
    http = login(alumnus)

    assert deadline in page_text(http.get(f"/grants/calls/{call.id}"))
    assert timeline in page_text(http.get(f"/grants/applications/{application.id}"))


def test_the_staff_call_page_gives_its_dates_and_its_history_in_one_zone(login, office, users):
    call = _call_with_history(office, users)

    text = page_text(login(users["officer"]).get(f"/staff/grants/calls/{call.id}"))

    assert "12/1/26, 09:00 to 6/20/36, 18:00 (Dushanbe time)" in text
    assert "12/4/26, 16:30 Dushanbe time" in text  # the call's history
    assert "UTC" not in text


def test_e_mails_give_times_in_the_recipient_s_office_zone(app, office, users):
    users["manager"].preferred_language = "ru"
    alumnus = f.eligible_alumnus(office, preferred_language="en")
    application = f.submitted(f.make_call(office, users["manager"]), alumnus)
    dushanbe = (application.submitted_at + timedelta(hours=5)).strftime("%H:%M")

    bodies = dict(db.session.execute(sa.select(OutboundEmail.recipient, OutboundEmail.body)).all())

    assert f"{dushanbe} Dushanbe time" in bodies[alumnus.email]
    assert f"{dushanbe} (время Душанбе)" in bodies[users["manager"].email]
