"""One-click unsubscribe per kind of message, without logging in; one preferences page;
transactional mail unaffected."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.mail import send_email
from alumni_app.messages import bulk
from alumni_app.messages.models import MailOptOut, MessageRecipient
from tests.messages.factories import alumnus_with_record, make_announcement


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


@pytest.fixture
def aziz(office):
    return alumnus_with_record(office, email="aziz@example.org")


def _send(app, users, office, outbox, **values):
    announcement = make_announcement(office, users["officer"], **values)
    outbox.clear()
    with app.test_request_context():
        message = bulk.send_announcement(users["officer"], announcement)
        db.session.commit()
        bulk.start(message.id)
    return message


def _link(email) -> str:
    return re.fullmatch(r"<http://localhost(/unsubscribe/[^>]+)>",
                        email["List-Unsubscribe"]).group(1)


def test_the_link_asks_then_unsubscribes_without_login_and_only_that_kind(
        app, client, users, office, aziz, outbox):
    _send(app, users, office, outbox)
    link = _link(outbox[0])
    page = client.get(link)
    assert page.status_code == 200 and "Stop receiving “Announcements and news”" in _text(page)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailOptOut)) == 0
    done = client.post(link)  # no CSRF token: the signed link is the proof
    assert done.status_code == 200 and "you will no longer receive" in _text(done)
    assert [(o.record_id, o.kind) for o in db.session.scalars(sa.select(MailOptOut))] == [
        (aziz[1].id, "announcements")]

    _send(app, users, office, outbox, title_en="Second news")
    assert outbox == []
    log = db.session.scalar(sa.select(MessageRecipient.state).order_by(
        MessageRecipient.id.desc()).limit(1))
    assert log == "unsubscribed"


def test_the_rfc_8058_one_click_post_works_with_csrf_on(app, client, users, office, aziz,
                                                        outbox):
    _send(app, users, office, outbox)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(_link(outbox[0]), data={"List-Unsubscribe": "One-Click"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailOptOut)) == 1


def test_a_reused_link_says_so_and_changes_nothing(app, client, users, office, aziz, outbox):
    _send(app, users, office, outbox)
    link = _link(outbox[0])
    client.post(link)
    again = client.get(link)
    assert "already unsubscribed" in _text(again)
    assert client.post(link).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailOptOut)) == 1


@pytest.mark.parametrize("tamper", [
    lambda link: link[:-3] + ("abc" if not link.endswith("abc") else "xyz"),
    lambda link: "/unsubscribe/WzEsICJldmVudHMiXQ.forged",
    lambda link: "/unsubscribe/nonsense",
])
def test_a_forged_or_damaged_link_changes_nothing(app, client, users, office, aziz, outbox,
                                                  tamper):
    _send(app, users, office, outbox)
    forged = tamper(_link(outbox[0]))
    for method in ("get", "post"):
        response = getattr(client, method)(forged)
        assert response.status_code == 404
        assert "This link does not work" in _text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailOptOut)) == 0


def test_transactional_mail_still_comes_after_unsubscribing(app, client, users, office, aziz,
                                                           outbox):
    _send(app, users, office, outbox)
    client.post(_link(outbox[0]))
    outbox.clear()
    with app.test_request_context():
        send_email("aziz@example.org", "reset_password", user=aziz[0], url="http://x/reset")
        db.session.commit()
        from alumni_app.mail import deliver_pending

        deliver_pending()
    assert [m["To"] for m in outbox] == ["aziz@example.org"]


def test_alumni_manage_every_kind_on_one_page(login, aziz, office):
    user, record = aziz
    reader = login(user)
    page = reader.get("/account/mail")
    assert page.status_code == 200
    for label in ("Announcements and news from the office", "Event invitations and reminders",
                  "Calls for mini-grant proposals"):
        assert label in _text(page)
    reader.post("/account/mail", data={"announcements": "y", "grant_calls": "y"})
    kinds = set(db.session.scalars(sa.select(MailOptOut.kind).where(
        MailOptOut.record_id == record.id)))
    assert kinds == {"events"}
    reader.post("/account/mail", data={"announcements": "y", "events": "y", "grant_calls": "y"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailOptOut)) == 0


def test_someone_without_a_record_sees_why_there_is_nothing_to_choose(login, users):
    page = login(users["alumnus"]).get("/account/mail")
    assert page.status_code == 200 and "Once your office links yours" in _text(page)
    assert login(users["alumnus"]).post("/account/mail", data={}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailOptOut)) == 0
