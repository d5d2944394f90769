"""The staff follow-up queue and the reminder e-mails."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask_babel import force_locale, ngettext

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.mail import OutboundEmail
from alumni_app.plans import reminders, services
from alumni_app.plans.models import ReminderLog
from alumni_app.plans.reminders import send_reminders
from alumni_app.plans.services import MilestoneRow, UpdateValues
from tests import factories
from tests.plans import factories as plan_factories


@pytest.fixture
def recent(participation, users, barriers):
    """A plan written during a course that ended seven months ago: the 6-month check-in fell
    due a month ago (over CHECKIN_GRACE_DAYS: it is overdue)."""
    course = participation.course
    course.set_dates(date.today() - timedelta(days=240), date.today() - timedelta(days=215))
    db.session.commit()
    plan = plan_factories.make_plan(participation, users["alumnus"], milestones=[
        MilestoneRow("Seminar", date.today() + timedelta(days=30))])
    plan.created_at = utcnow() - timedelta(days=230)
    db.session.commit()
    return plan


def queue_text(http, query: str = "") -> str:
    response = http.get(f"/plans/follow-up{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_plan_with_an_overdue_check_in_is_in_the_queue_until_answered(app, login, users,
                                                                        recent):
    officer = login(users["officer"])
    assert "6-month check-in overdue" in queue_text(officer)
    services.answer_check_in(users["alumnus"], recent, 6, UpdateValues("Going well"))
    db.session.commit()
    assert recent.title not in queue_text(officer)
    assert recent.title in queue_text(officer, "?show=all")


def test_overdue_milestones_and_support_requests_are_listed(app, login, users, plan):
    officer = login(users["officer"])
    page = queue_text(officer, "?show=milestones")
    assert "1 milestone late" in page
    services.post_update(users["alumnus"], plan, UpdateValues(
        "Stuck", support_needed="A letter to the ministry", barrier_ids=[1]))
    db.session.commit()
    page = queue_text(officer, "?show=support")
    assert "Asks for support" in page and "Most frequent barriers" in page and "Budget (1)" in page


@pytest.mark.parametrize("late", [1, 3, 5])
def test_late_milestones_are_counted_in_russian_with_the_right_plural(app, login, users,
                                                                      participation, barriers,
                                                                      late):
    plan_factories.make_plan(participation, users["alumnus"], milestones=[
        MilestoneRow(f"Step {n}", date(2024, 6, n)) for n in range(1, late + 1)])
    users["officer"].preferred_language = "ru"
    db.session.commit()
    with app.test_request_context(), force_locale("ru"):
        expected = ngettext("%(num)s milestone late", "%(num)s milestones late", late)
    assert "milestone" not in expected
    assert expected in queue_text(login(users["officer"]), "?show=milestones")


def test_the_queue_is_filtered_and_scoped_to_the_office(app, login, users, plan, make_user,
                                                        other_office):
    officer = login(users["officer"])
    course = plan.participation.course
    assert plan.title in queue_text(officer, f"?course={course.id}&year=2023&sort=-name")
    assert plan.title not in queue_text(officer, f"?course={course.id + 1}")
    assert plan.title not in queue_text(officer, "?year=1999")
    assert plan.title not in queue_text(login(make_user(role="officer", office=other_office)))
    assert login(users["alumnus"]).get("/plans/follow-up").status_code == 403


def test_the_queue_is_filtered_by_sector_and_region(app, login, users, office, record,
                                                   participation, barriers):
    roads, health = factories.make_sector(name_en="Roads"), factories.make_sector(
        name_en="Health")
    north, south = (factories.make_region(office, name_en=n) for n in ("North", "South"))
    participation.course.sector_id, record.region_id = roads.id, north.id
    elsewhere = factories.make_record(office, region_id=south.id)
    other = plan_factories.make_participation(elsewhere, sector_id=health.id)
    db.session.commit()
    mine = plan_factories.make_plan(participation, users["alumnus"], title="Roads in the north")
    plan_factories.make_plan(other, title="Clinics in the south")
    officer = login(users["officer"])
    both = queue_text(officer, "?show=all")
    assert mine.title in both and "Clinics in the south" in both
    for query, shown, hidden in [
            (f"?show=all&sector={roads.id}", mine.title, "Clinics in the south"),
            (f"?show=all&sector={health.id}", "Clinics in the south", mine.title),
            (f"?show=all&region={north.id}", mine.title, "Clinics in the south"),
            (f"?show=all&region={south.id}&sector={health.id}", "Clinics in the south",
             mine.title)]:
        page = queue_text(officer, query)
        assert shown in page and hidden not in page, query
    assert "Clinics" not in queue_text(officer, f"?show=all&region={south.id}&sector={roads.id}")


def test_frequent_barriers_follow_the_queue_s_filters(app, login, users, participation,
                                                      barriers):
    open_plan = plan_factories.make_plan(participation, users["alumnus"], title="Open")
    done = plan_factories.make_plan(participation, users["alumnus"], title="Done",
                                    status="completed")
    services.post_update(users["alumnus"], done, UpdateValues("Over", barrier_ids=[2]))
    services.post_update(users["alumnus"], open_plan, UpdateValues("Stuck", barrier_ids=[1]))
    db.session.commit()
    officer = login(users["officer"])
    page = queue_text(officer, "?show=all")
    assert "Budget (1)" in page and "Equipment" not in page  # a completed plan is not followed
    assert "Most frequent barriers" not in queue_text(officer, "?show=support")
    services.post_update(users["alumnus"], open_plan, UpdateValues(
        "Still stuck", support_needed="Money", barrier_ids=[1]))
    db.session.commit()
    assert "Budget (2)" in queue_text(officer, "?show=support")


def test_overlapping_reminder_runs_send_each_reminder_once(app, users, recent, outbox,
                                                           monkeypatch):
    assert send_reminders().sent == 1
    # A second run that looked before the first one committed would send it again.
    monkeypatch.setattr(reminders, "_held_back", lambda *args: False)
    summary = send_reminders()
    assert summary.sent == 0 and summary.already_sent == 1 and len(outbox) == 1
    assert db.session.scalar(sa.select(sa.func.count(ReminderLog.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(OutboundEmail.id))) == 1


@pytest.mark.parametrize("query", ["?sort=due", "?sort=-updated", "?sort=drop+table",
                                   "?page=abc&region=x&sector=99999999999", "?show=nonsense",
                                   "?sector=²&region=٣&course=¹&year=²²²²", "?page=²",
                                   "?course=1_000&year=-2024&region=%20"])
def test_odd_queue_arguments_never_fail(app, login, users, plan, query):
    assert queue_text(login(users["manager"]), query)


def test_reminders_are_sent_once_per_interval_and_not_to_those_who_opted_out(
        app, users, recent, outbox):
    today = date.today()
    first = send_reminders(today)
    assert first.sent == 1 and len(outbox) == 1
    assert "check-in 6 months after your course" in outbox[0].get_content()
    again = send_reminders(today)
    assert again.sent == 0 and again.already_sent == 1 and len(outbox) == 1
    assert send_reminders(today + timedelta(days=7)).sent == 0
    assert send_reminders(today + timedelta(days=15)).sent == 1
    reminders.set_enabled(users["alumnus"], False)
    db.session.commit()
    assert send_reminders(today + timedelta(days=40)).sent == 0


def test_an_interrupted_run_sends_only_what_was_not_sent(app, users, recent, outbox,
                                                         monkeypatch):
    other = plan_factories.make_plan(recent.participation, users["alumnus"], title="Second",
                                     milestones=[MilestoneRow("Later", date.today())])
    calls = []
    original = reminders._send_one

    def crash_after_first(*args, **kwargs):
        if calls:
            raise KeyboardInterrupt
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(reminders, "_send_one", crash_after_first)
    with pytest.raises(KeyboardInterrupt):
        send_reminders()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(ReminderLog.id))) == 1
    monkeypatch.setattr(reminders, "_send_one", original)
    summary = send_reminders()
    assert summary.sent == 1 and summary.already_sent == 1
    plans = db.session.scalars(sa.select(ReminderLog.plan_id)).all()
    assert sorted(plans) == sorted([recent.id, other.id])
    assert db.session.scalar(sa.select(sa.func.count(OutboundEmail.id))) == 2


def test_the_reminder_setting_is_on_the_plans_page(app, login, users, recent):
    http = login(users["alumnus"])
    assert "E-mail me when a check-in is due" in http.get("/plans").get_data(as_text=True)
    assert http.post("/plans/reminders", data={}).status_code == 302
    assert send_reminders().sent == 0
    assert http.post("/plans/reminders", data={"reminders_enabled": "y"}).status_code == 302
    assert send_reminders().sent == 1


def test_the_command_prints_a_summary(app, users, recent, outbox):
    result = CliRunner().invoke(app.cli, ["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "reminders sent 1" in result.output and len(outbox) == 1
    assert "/plans/" in outbox[0].get_content()
    result = CliRunner().invoke(app.cli, ["send-reminders"])
    assert "reminders sent 0, already sent within the interval 1" in result.output
