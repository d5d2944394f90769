"""The worker sends the day's plan reminders at REMINDER_HOUR of each office's own day, once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from alumni_app import jobs
from alumni_app.extensions import db
from alumni_app.jobs.models import Job
from alumni_app.offices import schedule
from alumni_app.plans import tasks
from alumni_app.plans.services import MilestoneRow
from tests import factories
from tests.plans import factories as plan_factories
from tests.plans.test_followup import recent  # noqa: F401 - a fixture


def _due_plan_in(office):
    alumnus = factories.make_user("alumnus")
    record = plan_factories.claimed_record(office, alumnus, family_name="Asanova")
    participation = plan_factories.make_participation(
        record, start_on=date.today() - timedelta(days=240),
        end_on=date.today() - timedelta(days=215))
    plan_factories.make_plan(participation, alumnus, milestones=[
        MilestoneRow("Seminar", date.today() + timedelta(days=30))])  # only the check-in is due
    return alumnus


def _at(hour: int, minute: int = 30) -> datetime:
    return datetime.combine(date.today(), datetime.min.time(), UTC).replace(hour=hour,
                                                                             minute=minute)


def test_the_days_reminders_go_at_nine_of_each_offices_day_and_once(
        app, users, office, other_office, recent, outbox, task_queue):  # noqa: F811
    kyrgyz = _due_plan_in(other_office)  # Bishkek is UTC+6, Dushanbe (office) UTC+5
    today = date.today().isoformat()
    hour = app.config["REMINDER_HOUR"]
    assert hour == 9

    assert schedule.queue_daily(tasks.send_office_reminders, tasks.reminder_key, 9,
                                now=_at(2)) == []  # 07:30 and 08:30 there
    assert task_queue.pending() == []
    assert schedule.queue_daily(tasks.send_office_reminders, tasks.reminder_key, 9,
                                now=_at(3)) == [other_office.id]  # 09:30 in Bishkek
    assert task_queue.pending() == [("send_office_reminders", (other_office.id, today))]
    task_queue.run_all()
    assert [m["To"] for m in outbox] == [kyrgyz.email]

    queued = schedule.queue_daily(tasks.send_office_reminders, tasks.reminder_key, 9,
                                  now=_at(4))  # 09:30 in Dushanbe; Bishkek's day is done
    assert queued == [office.id]
    task_queue.run_all()
    assert [m["To"] for m in outbox] == [kyrgyz.email, users["alumnus"].email]
    assert schedule.queue_daily(tasks.send_office_reminders, tasks.reminder_key, 9,
                                now=_at(5)) == []

    # The same day's task queued again (a second scheduler, an operator) sends nothing twice.
    jobs.enqueue(tasks.send_office_reminders, other_office.id, today)
    task_queue.run_all()
    assert len(outbox) == 2
    rows = db.session.execute(sa.select(Job.kind, Job.office_id, Job.key, Job.state)
                              .order_by(Job.id)).all()
    assert rows == [
        ("plans.reminders", other_office.id, f"plans.reminders:{other_office.id}:{today}", "done"),
        ("plans.reminders", office.id, f"plans.reminders:{office.id}:{today}", "done"),
    ]


def test_the_command_runs_the_same_task_for_every_office_now(app, users, office,
                                                            other_office, recent, outbox):  # noqa: F811
    _due_plan_in(other_office)
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "reminders sent 2," in result.output and len(outbox) == 2
    jobs_run = db.session.execute(sa.select(Job.kind, Job.office_id, Job.state, Job.key)
                                  .order_by(Job.office_id)).all()
    assert jobs_run == [("plans.reminders", office.id, "done", None),
                        ("plans.reminders", other_office.id, "done", None)]
