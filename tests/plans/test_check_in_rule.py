"""One rule for check-ins: the plan's page, the office's queue and the reminders agree.

A check-in is due from its date; it is overdue 30 days (CHECKIN_GRACE_DAYS) after it fell
due, or after the plan was written if later. And a plan's status follows what happened: a
draft with a progress update is in progress.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.plans import followup, pages, reminders, services
from alumni_app.plans.checkins import CheckInState, add_months
from alumni_app.plans.models import ActionPlan, PlanEvent
from alumni_app.plans.services import MilestoneRow, UpdateValues
from tests.plans import factories as plan_factories

TODAY = date(2026, 6, 15)


def _plan(record, users, end_on: date, written_on: date, answered=(), status="in_progress"):
    participation = plan_factories.make_participation(
        record, start_on=end_on - timedelta(days=20), end_on=end_on)
    plan = plan_factories.make_plan(participation, users["alumnus"], status=status,
                                    milestones=[MilestoneRow("Seminar", date(2030, 1, 1))])
    plan.created_at = datetime(written_on.year, written_on.month, written_on.day, 9, tzinfo=UTC)
    for month in answered:
        services.post_update(users["alumnus"], plan, UpdateValues("Done"), check_in_month=month)
    db.session.commit()
    return plan


# (course ended, plan written, check-in answered) -> (the check-in to answer now, its state)
CASES = [
    (date(2025, 6, 5), TODAY, (), (12, "due")),  # due 10 days ago, plan written today
    (date(2025, 6, 5), date(2024, 1, 10), (), (12, "due")),  # due 10 days ago
    (date(2025, 5, 17), date(2024, 1, 10), (), (12, "due")),  # due 29 days ago
    (date(2025, 5, 16), date(2024, 1, 10), (), (12, "overdue")),  # due 30 days ago
    (date(2025, 5, 16), date(2026, 5, 16), (), (12, "overdue")),  # written 30 days ago
    (date(2025, 5, 16), date(2026, 5, 17), (), (12, "due")),  # written 29 days ago
    (date(2025, 1, 10), TODAY - timedelta(days=1), (), (12, "due")),  # the plan
    (date(2025, 1, 10), date(2024, 3, 1), (), (12, "overdue")),
    (date(2025, 1, 10), date(2024, 3, 1), (12,), (None, None)),  # answered
    (date(2025, 1, 10), date(2024, 3, 1), (6,), (12, "overdue")),  # an earlier one answered
    (date(2026, 5, 1), date(2026, 4, 1), (), (None, None)),  # the first one is upcoming
    (date(2024, 6, 1), date(2023, 11, 1), (), (24, "due")),
    (date(2024, 5, 1), date(2023, 11, 1), (), (24, "overdue")),
]


def test_the_page_the_queue_and_the_reminders_apply_one_rule(app, users, record, barriers):
    plans = [(_plan(record, users, end, written, answered), expected)
             for end, written, answered, expected in CASES]
    queue = {row.id: row for row in db.session.execute(followup.queue(
        users["officer"], followup.Filters(show="all"), TODAY))}
    attention = set(db.session.scalars(followup.queue(
        users["officer"], followup.Filters(show="check_ins"), TODAY).with_only_columns(
        ActionPlan.id)))
    reminded = {plan_id: month for plan_id, _user, month in db.session.execute(
        reminders.due_check_ins(TODAY))}
    for plan, (month, state) in plans:
        shown = [(c.month, {CheckInState.OPEN: "due", CheckInState.OVERDUE: "overdue"}[c.state])
                 for c in pages.plan_check_ins(plan, pages.plan_updates(plan), TODAY)
                 if c.state in (CheckInState.OPEN, CheckInState.OVERDUE)]
        row = queue[plan.id]
        case = (plan.participation.course.end_on, plan.created_at.date())
        assert shown == ([(month, state)] if month else []), case
        assert (row.due_month, row.overdue_month) == (
            month, month if state == "overdue" else None), case
        assert (plan.id in attention) is (state == "overdue"), case
        assert reminded.get(plan.id) == month, case  # the alumnus is told once it is due


def _check_in_line(page: str, month: int) -> str:
    return re.search(rf"After {month} months ·.*?</li>", page, re.S).group(0)


def test_a_plan_written_minutes_ago_is_due_on_both_pages_not_overdue(app, login, users, record,
                                                                     barriers):
    today = date.today()
    end = add_months(today, -12) - timedelta(days=40)  # the 12-month check-in, 40 days ago
    plan = _plan(record, users, end, today)
    plan.created_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    alumnus, officer = login(users["alumnus"]), login(users["officer"])
    line = _check_in_line(alumnus.get(f"/plans/{plan.id}").get_data(as_text=True), 12)
    assert ">Due<" in line and "answer by" in line
    everything = officer.get("/plans/follow-up?show=all").get_data(as_text=True)
    assert "12-month check-in due" in everything and "overdue</span>" not in everything
    assert plan.title not in officer.get("/plans/follow-up").get_data(as_text=True)
    # A month later, unanswered: overdue on both pages, and in the office's queue.
    plan.created_at = utcnow() - timedelta(days=31)
    db.session.commit()
    line = _check_in_line(alumnus.get(f"/plans/{plan.id}").get_data(as_text=True), 12)
    assert ">Overdue<" in line
    queue = officer.get("/plans/follow-up").get_data(as_text=True)
    assert plan.title in queue and "12-month check-in overdue" in queue


@pytest.mark.parametrize("answer", ["update", "check-in"])
def test_a_draft_plan_with_progress_is_in_progress(app, login, users, record, barriers, answer):
    plan = _plan(record, users, add_months(date.today(), -7), date(2024, 1, 1), status="draft")
    http = login(users["alumnus"])
    stale_edit = http.get(f"/plans/{plan.id}/edit").get_data(as_text=True)
    url = f"/plans/{plan.id}/updates/new" if answer == "update" else (
        f"/plans/{plan.id}/check-ins/6")
    assert http.post(url, data={"done_text": "Held the seminar"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ActionPlan, plan.id).status == "in_progress"
    page = http.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "In progress" in page
    changes = db.session.execute(sa.select(PlanEvent.old_status, PlanEvent.new_status).where(
        PlanEvent.plan_id == plan.id, PlanEvent.kind == "status_changed")).all()
    assert changes == [("draft", "in_progress")]
    # An edit page opened before the update (it shows "Draft") cannot put the plan back.
    version = re.search(r'name="edit_version" type="hidden" value="(\d+)"', stale_edit).group(1)
    milestone = plan.milestones[0]
    stale = http.post(f"/plans/{plan.id}/edit", data={
        "title": plan.title, "status": "draft", "edit_version": version,
        "milestones-0-id": str(milestone.id), "milestones-0-description": "Seminar",
        "milestones-0-target_on": "2030-01-01"})
    assert stale.status_code == 409
    db.session.expire_all()
    assert db.session.get(ActionPlan, plan.id).status == "in_progress"


@pytest.mark.parametrize("status", ["stalled", "completed", "abandoned"])
def test_an_update_leaves_a_status_the_person_chose(app, users, record, barriers, status):
    plan = _plan(record, users, date(2025, 1, 10), date(2024, 1, 1), status=status)
    services.post_update(users["alumnus"], plan, UpdateValues("Some news"))
    db.session.commit()
    assert db.session.get(ActionPlan, plan.id).status == status
