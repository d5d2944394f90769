"""Reminders on Telegram: an action plan's check-in and a grant report reach alumni who linked
Telegram, in their language, once per reminder, not when they turned the reminder off; when
Telegram is down they wait for the bot's next minute."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.grants import money
from alumni_app.grants import reminders as grant_reminders
from alumni_app.messages import telegram
from alumni_app.messages.models import TelegramLink, TelegramNotice
from alumni_app.plans import reminders as plan_reminders
from alumni_app.plans.services import MilestoneRow
from tests import factories
from tests.grants import factories as grant_factories
from tests.plans import factories as plan_factories


def _linked(user, chat_id: int) -> None:
    db.session.add(TelegramLink(user_id=user.id, chat_id=chat_id, linked_at=utcnow()))
    db.session.commit()


def _plan_due_for_check_in(office, user, record=None):
    """A plan of a course that ended seven months ago: its 6-month check-in is due."""
    record = record or plan_factories.claimed_record(office, user)
    participation = plan_factories.make_participation(
        record, start_on=date.today() - timedelta(days=240),
        end_on=date.today() - timedelta(days=215))
    plan = plan_factories.make_plan(participation, user, milestones=[
        MilestoneRow("Seminar", date.today() + timedelta(days=30))])
    plan.created_at = utcnow() - timedelta(days=230)
    db.session.commit()
    return plan


def test_a_check_in_reminder_reaches_a_linked_alumnus_once_in_their_language(
        app, office, bot_api, outbox):
    russian = factories.make_user(role="alumnus", preferred_language="ru")
    unlinked = factories.make_user(role="alumnus")
    _plan_due_for_check_in(office, russian)
    _plan_due_for_check_in(office, unlinked)
    _linked(russian, 501)
    today = date.today()
    assert plan_reminders.send_reminders(today).sent == 2
    assert len(outbox) == 2  # e-mail to both
    assert [m["chat_id"] for m in bot_api.sent] == [501]
    text = bot_api.sent[0]["text"]
    assert text.startswith("Требуется отчёт по вашему плану действий: Road maintenance plan")
    assert "/plans/" in text  # the link to the plan, as in the e-mail
    plan_reminders.send_reminders(today)
    telegram.read_updates_task()  # the bot's minute sends nothing more
    assert len(bot_api.sent) == 1


def test_no_telegram_reminder_for_an_alumnus_who_turned_reminders_off(app, office, bot_api):
    user = factories.make_user(role="alumnus")
    _plan_due_for_check_in(office, user)
    _linked(user, 502)
    plan_reminders.set_enabled(user, False)
    db.session.commit()
    assert plan_reminders.send_reminders(date.today()).sent == 0
    assert bot_api.sent == []


def test_reminders_wait_while_telegram_is_down_and_go_out_once(app, office, bot_api):
    user = factories.make_user(role="alumnus")
    _plan_due_for_check_in(office, user)
    _linked(user, 503)
    bot_api.down = True
    assert plan_reminders.send_reminders(date.today()).sent == 1
    notice = db.session.scalar(sa.select(TelegramNotice))
    assert notice.state == "queued" and notice.claimed_at is None
    bot_api.down = False
    telegram.read_updates_task()
    telegram.read_updates_task()
    assert [m["chat_id"] for m in bot_api.sent] == [503]
    db.session.expire_all()
    notice = db.session.scalar(sa.select(TelegramNotice))
    assert notice.state == "sent" and notice.text == ""  # the words are not kept


def test_nothing_goes_to_telegram_while_it_is_off(app, office, outbox):
    user = factories.make_user(role="alumnus")
    _plan_due_for_check_in(office, user)
    _linked(user, 504)
    assert plan_reminders.send_reminders(date.today()).sent == 1
    assert len(outbox) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TelegramNotice)) == 0


def test_a_grant_report_reminder_reaches_the_linked_grantee_once(app, office, users,
                                                                 bot_api):
    applicant = grant_factories.eligible_alumnus(office)
    application = grant_factories.approved(
        grant_factories.reviewed_application(office, users, applicant=applicant),
        users["manager"])
    money.release(users["manager"], money.tranches(application)[0], "PO-1")
    db.session.commit()
    interim = money.reports(application)[0]
    _linked(applicant, 601)
    day = interim.due_on - timedelta(days=3)
    assert grant_reminders.send_reminders(day).sent == 1
    assert [m["chat_id"] for m in bot_api.sent] == [601]
    assert bot_api.sent[0]["text"].startswith("Your grant report is due on")
    assert grant_reminders.send_reminders(day).sent == 0
    assert grant_reminders.send_reminders(interim.due_on + timedelta(days=1)).sent == 1
    assert [m["text"].split(" ")[3] for m in bot_api.sent] == ["is", "has"]


def test_erasing_a_person_removes_their_telegram_link_reminders_and_addresses(
        app, office, users, bot_api):
    from alumni_app.alumni import privacy
    from alumni_app.messages import bulk
    from alumni_app.messages.models import MessageRecipient
    from tests.messages.factories import alumnus_with_record, make_announcement

    user, record = alumnus_with_record(office, email="aziz@example.org")
    _plan_due_for_check_in(office, user, record)
    _linked(user, 701)
    bot_api.down = True  # the reminder stays queued, with its words
    plan_reminders.send_reminders(date.today())
    with app.test_request_context():
        bulk.queue_bulk_mail("announcements", {"en": "News"}, {"en": "Text"},
                             db.session.execute(bulk.recipients_of(
                                 make_announcement(office, users["officer"]))),
                             office_id=office.id)
        db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TelegramNotice)) == 1
    erasure = privacy.request_erasure(user)
    privacy.anonymise(users["officer"], erasure)
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TelegramNotice)) == 0
    assert db.session.get(TelegramLink, user.id) is None
    addresses = set(db.session.scalars(sa.select(MessageRecipient.address).where(
        MessageRecipient.record_id == record.id)))
    assert addresses == {""}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MessageRecipient).where(
        MessageRecipient.record_id == record.id)) == 2  # e-mail and Telegram rows: counted


def test_an_event_reminder_reaches_a_linked_alumnus_once_in_their_language(
        app, office, bot_api, outbox, login):
    from alumni_app.events import tasks as event_tasks
    from tests.events.factories import invite, make_event

    russian = factories.make_user(role="alumnus", preferred_language="ru")
    unlinked = factories.make_user(role="alumnus")
    records = [plan_factories.claimed_record(office, user) for user in (russian, unlinked)]
    event = make_event(office, days=2, title_ru="Ежегодная встреча выпускников")
    invite(event, *records)
    for user in (russian, unlinked):
        login(user).post(f"/events/{event.id}/answer", data={"answer": "yes"})
    _linked(russian, 601)
    outbox.clear()
    tomorrow = event.starts_at - timedelta(hours=20)
    assert event_tasks.send_reminders(now=tomorrow) == 2  # e-mail to both
    assert [m["chat_id"] for m in bot_api.sent] == [601]
    mail = next(m for m in outbox if russian.email in m["To"])
    assert bot_api.sent[0]["text"].startswith(str(mail["Subject"]))  # the e-mail's words
    assert "Ежегодная встреча выпускников" in bot_api.sent[0]["text"]
    event_tasks.send_reminders(now=tomorrow + timedelta(hours=1))
    telegram.read_updates_task()
    assert len(bot_api.sent) == 1


def test_an_event_reminder_comes_by_one_road_on_telegram_and_not_when_event_mail_is_off(
        app, office, bot_api, outbox, login):
    """The reminder is a bulk message (its Telegram row): not a notice of the reminders'
    hook besides, so a linked alumnus gets it once; one who turned event mail off gets it on
    neither channel."""
    from alumni_app.events import tasks as event_tasks
    from alumni_app.messages.models import MailOptOut
    from tests.events.factories import invite, make_event

    wants, refuses = (factories.make_user(role="alumnus") for _ in range(2))
    records = [plan_factories.claimed_record(office, user) for user in (wants, refuses)]
    db.session.add(MailOptOut(record_id=records[1].id, kind="events"))
    db.session.commit()
    event = make_event(office, days=2, title_en="Alumni forum 2027")
    invite(event, *records)
    for user in (wants, refuses):
        login(user).post(f"/events/{event.id}/answer", data={"answer": "yes"})
    _linked(wants, 701)
    _linked(refuses, 702)
    outbox.clear()
    tomorrow = event.starts_at - timedelta(hours=20)
    assert event_tasks.send_reminders(now=tomorrow) == 1
    event_tasks.send_reminders(now=tomorrow + timedelta(hours=1))
    telegram.read_updates_task()
    assert [m["chat_id"] for m in bot_api.sent] == [701]
    assert bot_api.sent[0]["text"].startswith("Tomorrow: Alumni forum 2027")
    assert "@@" not in bot_api.sent[0]["text"]  # the person's own words filled in
    assert [m["To"] for m in outbox] == [wants.email]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TelegramNotice)) == 0
