"""A call for mini-grant proposals by e-mail (issue 15): the preview counts exactly who gets it,
the confirmation queues one message delivered to each person in their language with its
unsubscribe link (for grant calls only), and nothing goes out for a call that is not open, for
another office's staff, or twice for one form."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from alumni_app.audit import AuditEvent
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.grants import calls
from alumni_app.messages.models import (
    BouncedAddress,
    BulkMessage,
    MailOptOut,
    MessageRecipient,
)
from tests import factories
from tests.grants.factories import make_call
from tests.grants.test_concurrency import shared_database  # noqa: F401 - a fixture
from tests.messages.factories import alumnus_with_record


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def people(office, other_office):
    """Six alumni of the office: English and Russian readers with addresses, one without an
    address, one who turned grant calls off, one who turned only announcements off (still
    gets calls), one whose address bounced; and one of another office."""
    found = {
        "aziz": alumnus_with_record(office, email="aziz@example.org", family_name="Karimov")[1],
        "dilnoza": alumnus_with_record(office, language="ru", email="dilnoza@example.org",
                                       family_name="Saidova")[1],
        "nomail": factories.make_record(office, family_name="Umarov", email=""),
        "no_calls": alumnus_with_record(office, email="nocalls@example.org",
                                        family_name="Rahimov")[1],
        "no_news": alumnus_with_record(office, email="nonews@example.org",
                                       family_name="Sharipov")[1],
        "bounced": alumnus_with_record(office, email="gone@example.org",
                                       family_name="Nazarov")[1],
        "kanat": alumnus_with_record(other_office, email="kanat@example.kg")[1],
    }
    db.session.add(MailOptOut(record_id=found["no_calls"].id, kind="grant_calls"))
    db.session.add(MailOptOut(record_id=found["no_news"].id, kind="announcements"))
    db.session.add(BouncedAddress(address="gone@example.org", reason="550 no such user"))
    db.session.commit()
    return found


@pytest.fixture
def call(office, users):
    return make_call(office, users["manager"], title="Mini-grants 2027",
                     description="For **alumni** initiatives in their regions.")


def _form(**values) -> dict:
    data = {"subject_en": "Mini-grants 2027 are open", "body_en": "Apply by **1 March**.",
            "subject_ru": "Мини-гранты 2027", "body_ru": "Подайте заявку до **1 марта**.",
            "scope": "office"}
    data.update(values)
    return data


def _key(page) -> str:
    found = re.search(r'name="send_key" type="hidden" value="([^"]+)"|'
                      r'name="send_key" value="([^"]+)"', page.get_data(as_text=True))
    if found is None:
        found = re.search(r'id="send_key"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert found, "the preview carries a send key"
    return next(g for g in found.groups() if g)


def _preview(http, call, **values):
    return http.post(f"/staff/grants/calls/{call.id}/mail", data=_form(**values))


def _send(http, call, key, **values):
    return http.post(f"/staff/grants/calls/{call.id}/mail/send",
                     data={**_form(**values), "send_key": key})


def test_the_form_is_prefilled_from_the_call_in_both_languages(login, users, office, call):
    office.reply_to = "tj.office@example.org"
    db.session.commit()
    page = login(users["officer"]).get(f"/staff/grants/calls/{call.id}/mail")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    deadline = calls.to_local(call.closes_at, office)
    assert "Call for mini-grant proposals: Mini-grants 2027" in html
    assert "Конкурс мини-грантов: Mini-grants 2027" in html
    assert "For **alumni** initiatives in their regions." in html
    assert f"{deadline:%H:%M} (Asia/Dushanbe)" in html  # the office's time, not UTC
    assert f"http://localhost/grants/calls/{call.id}" in html  # the alumni's page to apply


def test_the_preview_counts_exactly_who_gets_it_and_shows_each_language(
        login, users, people, call):
    page = _preview(login(users["officer"]), call)
    assert page.status_code == 200
    counts = _text(page)
    assert "6 people in the audience" in counts
    assert "1 has no e-mail address" in counts
    assert "1 opted out of calls for mini-grant proposals" in counts
    assert "1 address bounced before" in counts
    assert "3 people will receive it" in counts  # aziz, dilnoza, and who left only news
    html = page.get_data(as_text=True)
    assert "<strong>1 March</strong>" in html and "<strong>1 марта</strong>" in html
    assert _count(BulkMessage) == 0  # a preview queues nothing


def test_the_preview_of_a_group_counts_the_filtered_audience(login, users, office, people,
                                                             call):
    region = factories.make_region(office)
    people["aziz"].region_id = region.id
    db.session.commit()
    page = _preview(login(users["officer"]), call, scope="group", region=str(region.id))
    assert "1 person in the audience" in _text(page)
    assert f'name="region" value="{region.id}"' in page.get_data(as_text=True)


def test_sending_queues_one_message_delivered_in_each_language_with_unsubscribe(
        login, users, office, people, call, outbox, client):
    office.reply_to = "tj.office@example.org"
    db.session.commit()
    officer = login(users["officer"])
    response = _send(officer, call, _key(_preview(officer, call)))
    assert response.status_code == 302
    message = db.session.scalar(sa.select(BulkMessage))
    assert _count(BulkMessage) == 1 and message.kind == "grant_calls"
    assert response.headers["Location"].endswith(f"/staff/messages/{message.id}")
    assert sorted(m["To"] for m in outbox) == [
        "aziz@example.org", "dilnoza@example.org", "nonews@example.org"]
    by_address = {m["To"]: email.message_from_bytes(m.as_bytes(), policy=email.policy.default)
                  for m in outbox}
    english, russian = by_address["aziz@example.org"], by_address["dilnoza@example.org"]
    assert english["Subject"] == "Mini-grants 2027 are open"
    assert russian["Subject"] == "Мини-гранты 2027"
    assert english["Reply-To"].addresses[0].addr_spec == "tj.office@example.org"
    assert "<strong>1 March</strong>" in english.get_body(("html",)).get_content()
    assert "Apply by **1 March**." in english.get_body(("plain",)).get_content()
    assert "Подайте заявку" in russian.get_body(("plain",)).get_content()
    link = re.fullmatch(r"<http://localhost(/unsubscribe/[^>]+)>", english["List-Unsubscribe"])
    assert link

    assert client.post(link.group(1)).status_code == 200  # one click, no login
    aziz = people["aziz"].id
    assert set(db.session.scalars(sa.select(MailOptOut.kind).where(
        MailOptOut.record_id == aziz))) == {"grant_calls"}  # announcements still come


def test_the_calls_page_lists_its_emails_with_counts_and_the_log(login, users, people, call):
    officer = login(users["officer"])
    _send(officer, call, _key(_preview(officer, call)))
    message = db.session.scalar(sa.select(BulkMessage))
    page = officer.get(f"/staff/grants/calls/{call.id}")
    text = _text(page)
    assert "Mini-grants 2027 are open" in text
    assert "Sent (3)" in text and "Unsubscribed (1)" in text
    assert "No e-mail address (1)" in text and "Bounced (1)" in text
    assert f'href="/staff/messages/{message.id}"' in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "message.queued")) == 1


def test_posting_the_same_form_twice_queues_one_message(login, users, people, call, outbox):
    officer = login(users["officer"])
    key = _key(_preview(officer, call))
    first, second = _send(officer, call, key), _send(officer, call, key)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(BulkMessage) == 1 and len(outbox) == 3
    # A new preview is a new form: sending it again is a second, deliberate message.
    _send(officer, call, _key(_preview(officer, call)))
    assert _count(BulkMessage) == 2


@pytest.mark.parametrize("state", ["closed", "draft", "past"])
def test_a_call_not_open_is_refused_and_nothing_is_saved(login, users, office, people, state):
    call = make_call(office, users["manager"], publish=state != "draft")
    if state == "closed":
        calls.close_early(users["manager"], call)
    elif state == "past":
        call.opens_at, call.closes_at = utcnow() - timedelta(days=9), utcnow() - timedelta(days=1)
    db.session.commit()
    officer = login(users["officer"])
    assert officer.get(f"/staff/grants/calls/{call.id}/mail").status_code == 409
    assert _preview(officer, call).status_code == 409
    refused = _send(officer, call, "some-key")
    assert refused.status_code == 409
    assert "Only a published call that has not closed yet" in _text(refused)
    assert _count(BulkMessage) == 0 and _count(MessageRecipient) == 0
    assert "Send by e-mail" not in _text(officer.get(f"/staff/grants/calls/{call.id}"))


def test_a_call_closed_between_preview_and_sending_sends_nothing(login, users, people, call):
    officer = login(users["officer"])
    key = _key(_preview(officer, call))
    calls.close_early(users["manager"], call)
    db.session.commit()
    assert _send(officer, call, key).status_code == 409
    assert _count(BulkMessage) == 0


def test_filters_matching_nobody_are_refused(login, users, people, call):
    officer = login(users["officer"])
    page = _preview(officer, call, scope="group", region="999999")
    assert page.status_code == 400
    assert "These filters match nobody in the office" in _text(page)
    assert _send(officer, call, "k", scope="group", region="999999").status_code == 400
    assert _count(BulkMessage) == 0


def test_both_languages_empty_are_refused(login, users, people, call):
    officer = login(users["officer"])
    empty = {"subject_en": "", "body_en": "", "subject_ru": "", "body_ru": ""}
    page = _preview(officer, call, **empty)
    assert page.status_code == 400
    assert "both are empty" in _text(page)
    assert _send(officer, call, "k", **empty).status_code == 400
    half = _preview(officer, call, body_ru="")
    assert half.status_code == 400 and "has a subject but no text" in _text(half)
    assert _count(BulkMessage) == 0


def test_a_reader_of_a_missing_language_gets_the_other(login, users, people, call, outbox):
    officer = login(users["officer"])
    english_only = {"subject_ru": "", "body_ru": ""}
    page = _preview(officer, call, **english_only)
    assert "Not written in this language: they get the other version." in _text(page)
    _send(officer, call, _key(page), **english_only)
    subjects = {m["To"]: str(m["Subject"]) for m in outbox}
    assert subjects["dilnoza@example.org"] == "Mini-grants 2027 are open"


@pytest.mark.parametrize("who", ["officer", "manager"])
def test_staff_of_another_office_get_not_found(login, users, make_user, other_office, people,
                                               call, who):
    foreign = login(make_user(role=who, office=other_office, second_factor=who == "manager"))
    assert foreign.get(f"/staff/grants/calls/{call.id}/mail").status_code == 404
    assert _preview(foreign, call).status_code == 404
    assert _send(foreign, call, "k").status_code == 404
    assert _count(BulkMessage) == 0


def test_an_alumnus_is_refused(login, users, call):
    assert login(users["alumnus"]).get(f"/staff/grants/calls/{call.id}/mail").status_code == 403


def test_sending_without_a_preview_is_refused(login, users, people, call):
    response = _send(login(users["officer"]), call, "")
    assert response.status_code == 400
    assert "Preview the e-mail before sending it." in _text(response)
    assert _count(BulkMessage) == 0


def test_the_pages_read_in_russian(login, users, people, call):
    users["officer"].preferred_language = "ru"
    db.session.commit()
    officer = login(users["officer"])
    form = _text(officer.get(f"/staff/grants/calls/{call.id}/mail"))
    assert "Тема на русском" in form and "Заявки принимаются до" in form
    text = _text(_preview(officer, call))
    assert "1 человек отказался от объявлений о конкурсах мини-грантов" in text


def _send_at_once(app, call_id: int, actor_id: int, barrier, outcomes: list) -> None:
    from sqlalchemy.exc import DBAPIError

    from alumni_app.accounts.models import User
    from alumni_app.audiences import Audience
    from alumni_app.call_mail import sending
    from alumni_app.grants.models import GrantCall

    with app.test_request_context():
        try:
            actor, call = db.session.get(User, actor_id), db.session.get(GrantCall, call_id)
            texts = sending.Texts({"en": "Open", "ru": ""}, {"en": "Apply.", "ru": ""})
            db.session.commit()  # give the connection back while waiting for the others
            barrier.wait()
            sent = sending.send(actor, call, Audience(office_id=call.office_id), texts, "k1")
            db.session.commit()
            outcomes.append("new" if sent.new else "again")
        except DBAPIError as exc:  # a lost race the database refused: nothing written
            db.session.rollback()
            outcomes.append(type(exc.orig).__name__)
        finally:
            db.session.remove()


@pytest.mark.slow
def test_the_same_form_posted_at_once_many_times_queues_one_message(shared_database):  # noqa: F811
    import threading

    from alumni_app import create_app

    url, engine_options = shared_database
    app = create_app({**factories.TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": engine_options})
    with app.app_context():
        db.create_all()
        office = factories.make_office(code="TJ")
        manager = factories.make_user("manager", office, second_factor=True)
        for n in range(3):
            factories.make_record(office, email=f"person{n}@example.org")
        call_id, actor_id = make_call(office, manager).id, manager.id
        db.session.remove()
    outcomes: list[str] = []
    barrier = threading.Barrier(8, timeout=120)
    threads = [threading.Thread(target=_send_at_once,
                                args=(app, call_id, actor_id, barrier, outcomes))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    with app.app_context():
        messages = _count(BulkMessage)
        recipients = _count(MessageRecipient)
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    assert len(outcomes) == 8 and outcomes.count("new") == 1, outcomes
    assert messages == 1 and recipients == 3
