"""The dashboard and the audit log say what happened in words, in the reader's language: who
did it and to what, with a link to it; never a stored code such as grant.application.submit."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from alumni_app.audit import AuditEvent
from alumni_app.extensions import db
from tests.grants import factories as f

CODE = re.compile(r"\b[a-z]+\.[a-z_]+\.[a-z_]+\b")


def _visible(page: str) -> str:
    """The text a person reads: no tags, no attributes; scripts and styles have none here."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture
def submitted(office, users, make_user):
    farrukh = f.eligible_alumnus(office, make_user(display_name="Farrukh Jalolov"))
    application = f.submitted(f.make_call(office, users["manager"], title="Clean water 2027"),
                              farrukh, title="Clean water for Khujand schools")
    users["officer"].display_name = "Aziza Rahimova"
    f.in_review(application, users["officer"])
    return application


def _no_codes(page: str) -> None:
    text = _visible(page)
    assert CODE.findall(text) == []
    for code in db.session.scalars(sa.select(AuditEvent.action).distinct()):
        assert code not in text, code


@pytest.mark.parametrize(("lang", "sentences"), [
    ("en", ["Farrukh Jalolov submitted the application Clean water for Khujand schools",
            "Aziza Rahimova found the application Clean water for Khujand schools eligible"]),
    ("ru", ["Farrukh Jalolov: заявка Clean water for Khujand schools подана",
            "Aziza Rahimova: заявка Clean water for Khujand schools признана соответствующей "
            "условиям"]),
])
def test_the_staff_dashboard_says_who_did_what_to_which_application(
        login, users, submitted, lang, sentences):
    users["manager"].preferred_language = lang
    db.session.commit()
    page = login(users["manager"]).get("/dashboard").get_data(as_text=True)
    text = " ".join(_visible(page).split())
    for sentence in sentences:
        assert sentence in text
    url = f"/staff/grants/applications/{submitted.id}"
    assert f'<a href="{url}">Clean water for Khujand schools</a>' in page
    _no_codes(page)


@pytest.mark.parametrize(("lang", "sentence", "option", "detail"), [
    ("en", "Farrukh Jalolov submitted the application Clean water for Khujand schools",
     "Mini-grant application: Submitted", "Role: Officer"),
    ("ru", "Farrukh Jalolov: заявка Clean water for Khujand schools подана",
     "Заявка на мини-грант: Подана", "Роль: Сотрудник"),
])
def test_the_audit_log_and_its_filter_are_in_words(login, users, make_user, submitted, lang,
                                                    sentence, option, detail):
    from alumni_app.accounts import services as accounts
    from alumni_app.permissions import Role

    newcomer = accounts.create_user(email="new.officer@example.org", display_name="New Officer",
                                    role=Role.OFFICER, office_id=users["manager"].office_id,
                                    password=None, actor=users["manager"])
    users["manager"].preferred_language = lang
    db.session.commit()
    http = login(users["manager"])
    page = http.get("/admin/audit").get_data(as_text=True)
    text = " ".join(_visible(page).split())
    assert sentence in text and detail in text
    assert re.search(rf'<option value="grant.application.submit"\s*>{option}</option>', page)
    assert f'<a href="/admin/users/{newcomer.id}">New Officer</a>' in page
    _no_codes(page)
    only = http.get("/admin/audit?action=grant.application.submit").get_data(as_text=True)
    assert sentence in " ".join(_visible(only).split())
    assert "Aziza Rahimova" not in _visible(only)  # her screening is another action
