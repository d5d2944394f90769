"""Report reminders: once before and once after each due date, safe to run again."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.grants import money, notifications, reminders
from alumni_app.grants.money_models import GrantReminder
from alumni_app.mail import OutboundEmail
from tests.grants import factories as f


def _grant(office, users):
    applicant = f.eligible_alumnus(office)
    application = f.approved(f.reviewed_application(office, users, applicant=applicant),
                             users["manager"])
    money.release(users["manager"], money.tranches(application)[0], "PO-1")
    db.session.commit()
    return application, money.reports(application)


def _subjects(email: str) -> list[str]:
    return list(db.session.scalars(sa.select(OutboundEmail.subject).where(
        OutboundEmail.recipient == email).order_by(OutboundEmail.id)))


def test_a_report_is_reminded_once_before_and_once_after(app, office, users):
    application, (interim, _final) = _grant(office, users)
    email = application.applicant.email
    assert reminders.send_reminders(interim.due_on - timedelta(days=10)).sent == 0
    assert reminders.send_reminders(interim.due_on - timedelta(days=3)).sent == 1
    assert reminders.send_reminders(interim.due_on - timedelta(days=2)).sent == 0
    assert reminders.send_reminders(interim.due_on + timedelta(days=1)).sent == 1
    assert reminders.send_reminders(interim.due_on + timedelta(days=9)).sent == 0
    assert [s.split(" ")[3] for s in _subjects(email) if "report" in s] == ["is", "has"]


def test_a_submitted_report_is_not_reminded(app, office, users):
    application, (interim, _final) = _grant(office, users)
    f.spend(application, application.applicant, interim, amount="750.00")
    money.submit_report(application.applicant, interim, {"narrative": "Done."})
    db.session.commit()
    assert reminders.send_reminders(interim.due_on + timedelta(days=1)).sent == 0


def test_an_interrupted_run_sends_only_what_was_not_sent(app, office, users, monkeypatch):
    first, (report_a, _) = _grant(office, users)
    second, (report_b, _) = _grant(office, users)
    day = max(report_a.due_on, report_b.due_on) + timedelta(days=1)
    real = notifications.report_reminder
    calls = []

    def crash_on_second(application, report, kind):
        calls.append(report.id)
        if len(calls) == 2:
            raise RuntimeError("the mail server went away")
        return real(application, report, kind)

    monkeypatch.setattr(notifications, "report_reminder", crash_on_second)
    with pytest.raises(RuntimeError):
        reminders.send_reminders(day)
    db.session.rollback()
    monkeypatch.setattr(notifications, "report_reminder", real)
    assert reminders.send_reminders(day).sent == 1
    keys = db.session.execute(sa.select(GrantReminder.report_id, GrantReminder.kind)).all()
    assert sorted(keys) == sorted([(report_a.id, "after"), (report_b.id, "after")])
    assert len(_subjects(first.applicant.email)) == len(_subjects(second.applicant.email))


def test_a_report_on_a_tranche_not_yet_paid_is_neither_reminded_nor_overdue(app, office,
                                                                            users):
    from alumni_app.grants import eligibility

    application, (interim, final) = _grant(office, users)
    f.spend(application, application.applicant, interim, amount="750.00")
    money.submit_report(application.applicant, interim, {"narrative": "Done."})
    db.session.commit()
    late = final.due_on + timedelta(days=5)
    reminders.send_reminders(late)
    assert db.session.scalar(sa.select(GrantReminder.id).where(
        GrantReminder.report_id == final.id)) is None
    assert not eligibility.has_overdue_report(application.applicant_id, late)


def test_a_tranche_paid_late_moves_its_report_due_date(app, office, users):
    applicant = f.eligible_alumnus(office)
    application = f.approved(f.reviewed_application(office, users, applicant=applicant),
                             users["manager"])
    first = money.tranches(application)[0]
    first.planned_on -= timedelta(days=10)
    interim = money.reports(application)[0]
    due = interim.due_on
    money.release(users["manager"], first)
    db.session.commit()
    assert interim.due_on == due + timedelta(days=10)


def test_the_command_runs_from_cron(app, office, users):
    _application, (interim, _final) = _grant(office, users)
    result = app.test_cli_runner().invoke(
        args=["send-grant-reminders", "--today", (interim.due_on + timedelta(days=1)).isoformat()])
    assert result.exit_code == 0 and "grant report reminders sent 1" in result.output
    again = app.test_cli_runner().invoke(
        args=["send-grant-reminders", "--today", (interim.due_on + timedelta(days=2)).isoformat()])
    assert "grant report reminders sent 0" in again.output


def test_each_office_s_daily_job_reminds_only_its_own_grantees(app, office, other_office,
                                                               users, task_queue):
    from alumni_app.grants import tasks
    from alumni_app.jobs.models import Job

    application, (interim, _final) = _grant(office, users)
    day = (interim.due_on + timedelta(days=1)).isoformat()
    assert tasks.send_office_reminders.call_local(other_office.id, day) == {
        "sent": 0, "delivered": 0, "failed": 0}
    assert tasks.send_office_reminders.call_local(office.id, day) == {
        "sent": 1, "delivered": 1, "failed": 0}
    assert tasks.send_office_reminders.call_local(office.id, day) is None  # the day's job ran
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GrantReminder)) == 1
    done = db.session.execute(sa.select(Job.office_id, Job.key, Job.state)
                              .order_by(Job.id)).all()
    assert done == [(other_office.id, f"grants.reminders:{other_office.id}:{day}", "done"),
                    (office.id, f"grants.reminders:{office.id}:{day}", "done")]
