"""Telegram as a second channel, against a local fake of the Bot API: off by default; linked
with a one-time deep link; announcements reach linked people in their language with the same
opt-outs; a blocked bot is logged, Telegram down waits."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.messages import bulk, telegram
from alumni_app.messages.models import (
    BouncedAddress,
    MailOptOut,
    MessageRecipient,
    TelegramLink,
)
from tests.messages.factories import alumnus_with_record, make_announcement


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_telegram_is_off_by_default(app, login, office):
    user, _record = alumnus_with_record(office)
    reader = login(user)
    assert "Link Telegram" not in _text(reader.get("/account/mail"))
    assert reader.post("/account/mail/telegram/link").status_code == 404


def _link(login, user, api, chat_id: int) -> None:
    page = login(user).post("/account/mail/telegram/link").get_data(as_text=True)
    code = re.search(r"https://t\.me/alumni_bot\?start=([A-Za-z0-9_-]+)", page).group(1)
    api.user_sends(chat_id, f"/start {code}")
    assert telegram.read_updates() == 1


def test_a_deep_link_links_once_and_the_bot_answers_in_the_persons_language(
        app, login, office, bot_api):
    user, _record = alumnus_with_record(office, language="ru")
    page = login(user).post("/account/mail/telegram/link").get_data(as_text=True)
    code = re.search(r"start=([A-Za-z0-9_-]+)", page).group(1)
    bot_api.user_sends(777, f"/start {code}")
    assert telegram.read_updates() == 1
    assert db.session.get(TelegramLink, user.id).chat_id == 777
    assert "привязан" in bot_api.sent[-1]["text"]
    bot_api.user_sends(888, f"/start {code}")  # the same code again, from someone else
    assert telegram.read_updates() == 0
    assert "уже использована" in bot_api.sent[-1]["text"]  # a stranger: Russian
    db.session.expire_all()
    assert db.session.get(TelegramLink, user.id).chat_id == 777
    assert "Отвязать Telegram" in _text(login(user).get("/account/mail"))


def test_announcements_reach_linked_people_on_telegram_too(app, login, users, office,
                                                           bot_api, outbox):
    aziz, _r = alumnus_with_record(office, email="aziz@example.org")
    dilnoza, _r2 = alumnus_with_record(office, language="ru", email="dilnoza@example.org")
    optout, record = alumnus_with_record(office, email="optout@example.org")
    _link(login, aziz, bot_api, 101)
    _link(login, dilnoza, bot_api, 102)
    _link(login, optout, bot_api, 103)
    db.session.add(MailOptOut(record_id=record.id, kind="announcements"))
    db.session.commit()
    bot_api.sent.clear()
    announcement = make_announcement(office, users["officer"], title_ru="Молодые лидеры",
                                     body_ru="Подайте заявку")
    with app.test_request_context():
        message = bulk.send_announcement(users["officer"], announcement)
        db.session.commit()
        bulk.start(message.id)
    by_chat = {m["chat_id"]: m["text"] for m in bot_api.sent}
    assert sorted(by_chat) == [101, 102]
    assert by_chat[101].startswith("Call for young leaders")
    assert by_chat[102].startswith("Молодые лидеры") and "/unsubscribe/" in by_chat[102]
    assert len(outbox) == 2  # e-mail as well
    states = dict(db.session.execute(sa.select(MessageRecipient.state, sa.func.count()).where(
        MessageRecipient.channel == "telegram").group_by(MessageRecipient.state)).all())
    assert states == {"sent": 2, "unsubscribed": 1}
    bulk.deliver(message.id)
    assert len(bot_api.sent) == 2  # never twice


def test_a_blocked_bot_is_logged_and_telegram_down_waits(app, login, users, office, bot_api):
    aziz, _r = alumnus_with_record(office, email="")
    other, _r2 = alumnus_with_record(office, email="")
    _link(login, aziz, bot_api, 201)
    _link(login, other, bot_api, 202)
    bot_api.blocked.add(201)
    bot_api.down = True
    announcement = make_announcement(office, users["officer"])
    with app.test_request_context():
        message = bulk.queue_bulk_mail(
            "announcements", {"en": "News", "ru": ""}, {"en": "Text", "ru": ""},
            db.session.execute(bulk.recipients_of(announcement)), office_id=office.id)
        db.session.commit()
    with pytest.raises(bulk.MailServerTrouble):
        bulk.deliver(message.id)
    bot_api.down = False
    bot_api.sent.clear()
    bulk.deliver(message.id)
    assert [m["chat_id"] for m in bot_api.sent] == [202]
    failed = db.session.scalar(sa.select(MessageRecipient).where(
        MessageRecipient.address == "201"))
    assert failed.state == "failed" and "blocked" in failed.last_error


def test_the_preview_counts_who_gets_it_on_telegram(app, login, users, office, bot_api):
    with_mail, _r = alumnus_with_record(office, email="aziz@example.org")
    bounced, _r2 = alumnus_with_record(office, email="gone@example.org")
    optout, record = alumnus_with_record(office, email="optout@example.org")
    alumnus_with_record(office, email="unlinked@example.org")
    _link(login, with_mail, bot_api, 301)
    _link(login, bounced, bot_api, 302)
    _link(login, optout, bot_api, 303)
    db.session.add(MailOptOut(record_id=record.id, kind="announcements"))
    db.session.add(BouncedAddress(address="gone@example.org", reason="550 no such user"))
    db.session.commit()
    announcement = make_announcement(office, users["officer"])
    officer = login(users["officer"])
    page = _text(officer.get(f"/staff/messages/announcement/{announcement.id}"))
    assert "4 people in the audience" in page and "2 people will receive it" in page
    assert "2 people will get it on Telegram (linked, not opted out)" in page
    app.config["TELEGRAM_ENABLED"] = False
    page = _text(officer.get(f"/staff/messages/announcement/{announcement.id}"))
    assert "Telegram" not in page


def test_people_reached_only_on_telegram_may_be_sent_to(app, login, users, office, bot_api):
    bounced, _r = alumnus_with_record(office, email="gone@example.org")
    _link(login, bounced, bot_api, 401)
    db.session.add(BouncedAddress(address="gone@example.org", reason="550 no such user"))
    db.session.commit()
    bot_api.sent.clear()
    announcement = make_announcement(office, users["officer"])
    officer = login(users["officer"])
    page = _text(officer.get(f"/staff/messages/announcement/{announcement.id}"))
    assert "0 people will receive it" in page
    assert "1 person will get it on Telegram" in page
    assert officer.post(f"/staff/messages/announcement/{announcement.id}").status_code == 302
    assert [m["chat_id"] for m in bot_api.sent] == [401]
