"""Reminder e-mails to alumni whose plans need an update: daily for each office by the worker
(plans/tasks.py), or now by `flask send-reminders`; safe to re-run.

A reminder is a (plan, kind, period) key in `plan_reminders`, written in the same transaction
as its outbox row and committed one reminder at a time: a run that is interrupted and re-run
sends only what was not sent, and running daily sends a plan's reminder of one kind at most once
per REMINDER_INTERVAL_DAYS (the period is the interval-long window the day falls in, and a
reminder sent late in the previous window also holds the next one back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from sqlalchemy.exc import IntegrityError

from alumni_app import audit, hooks, jobs
from alumni_app.accounts.models import User
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.mail import deliver_pending, send_email
from alumni_app.plans import checkins
from alumni_app.plans.models import (
    FINISHED_MILESTONE_STATES,
    OPEN_STATUSES,
    ActionPlan,
    Milestone,
    ReminderLog,
    ReminderSetting,
)
from alumni_app.training.models import Course, Participation

CHECK_IN, MILESTONES = "check_in", "milestones"


@dataclass
class Summary:
    sent: int = 0
    already_sent: int = 0
    turned_off: int = 0
    delivered: int = 0
    failed: int = 0
    emails: list[int] = field(default_factory=list)


def set_enabled(user, enabled: bool) -> None:
    """Record an alumnus's choice to receive reminder e-mails or not."""
    setting = db.session.get(ReminderSetting, user.id) or ReminderSetting(user_id=user.id)
    setting.reminders_enabled = enabled
    db.session.add(setting)
    db.session.flush()
    audit.record("plan.reminders_set", actor=user, subject=user, enabled=enabled)


def _followed_plans() -> sa.Select:
    """Open plans of claimed records whose alumnus has an active account and wants reminders."""
    opted_out = sa.select(ReminderSetting.user_id).where(
        ReminderSetting.reminders_enabled.is_(False))
    return (
        sa.select(ActionPlan.id, User.id, Course.end_on)
        .join(Participation, Participation.id == ActionPlan.participation_id)
        .join(Course, Course.id == Participation.course_id)
        .join(AlumnusRecord, AlumnusRecord.id == Participation.record_id)
        .join(User, User.id == AlumnusRecord.user_id)
        .where(ActionPlan.status.in_(OPEN_STATUSES), User.is_active,
               AlumnusRecord.is_active, AlumnusRecord.erased_at.is_(None),
               User.id.not_in(opted_out))
    )


def due_check_ins(today: date) -> sa.Select:
    """Plans with a check-in due and unanswered (checkins' rule): (plan id, user id, month)."""
    month = checkins.due_month_sql(today)
    return _followed_plans().with_only_columns(ActionPlan.id, User.id, month).where(
        month.is_not(None))


def overdue_milestones(today: date):
    """The SQL condition: a plan has a milestone past its date and neither done nor dropped."""
    return sa.exists().where(Milestone.plan_id == ActionPlan.id, Milestone.target_on < today,
                             Milestone.state.not_in(FINISHED_MILESTONE_STATES))


def opted_out_count() -> int:
    query = (sa.select(sa.func.count(sa.distinct(User.id))).select_from(ReminderSetting)
             .join(User, User.id == ReminderSetting.user_id)
             .where(ReminderSetting.reminders_enabled.is_(False)))
    return db.session.scalar(query) or 0


def _held_back(plan_id: int, kind: str, period: str, today: date, interval: int) -> bool:
    since = today - timedelta(days=interval)
    return db.session.scalar(sa.select(sa.func.count(ReminderLog.id)).where(
        ReminderLog.plan_id == plan_id, ReminderLog.kind == kind,
        sa.or_(ReminderLog.period == period, ReminderLog.sent_on > since))) > 0


def _send_one(plan_id: int, user_id: int, kind: str, period: str, today: date, month=None):
    plan, user = db.session.get(ActionPlan, plan_id), db.session.get(User, user_id)
    overdue = [m for m in plan.milestones if m.target_on < today and not m.is_finished]
    url = url_for("plans.detail", plan_id=plan.id, _external=True)
    message = send_email(user.email, "plan_reminder", locale=user.preferred_language,
                         user=user, plan=plan, kind=kind, month=month, overdue=overdue, url=url,
                         settings_url=url_for("plans.mine", _external=True))
    hooks.also_elsewhere(user, f"plans:{plan.id}:{kind}:{period}", message.subject, message.body)
    db.session.add(ReminderLog(plan_id=plan.id, kind=kind, period=period, user_id=user.id,
                               email_id=message.id, sent_on=today))
    try:
        db.session.commit()  # one reminder, one transaction: a re-run after a crash skips it
    except IntegrityError:  # an overlapping run sent it a moment ago: its e-mail is the one
        db.session.rollback()
        return None
    return message.id


def _candidates(today: date, office_id: int | None):
    def of_office(query: sa.Select) -> sa.Select:
        return query if office_id is None else query.where(AlumnusRecord.office_id == office_id)

    for plan_id, user_id, month in db.session.execute(of_office(due_check_ins(today))).all():
        yield plan_id, user_id, CHECK_IN, month
    late = of_office(_followed_plans().where(overdue_milestones(today)))
    for plan_id, user_id, _end in db.session.execute(late).all():
        yield plan_id, user_id, MILESTONES, None


def send_reminders(today: date | None = None, office_id: int | None = None) -> Summary:
    """E-mail every alumnus (of one office, or all) whose plan has a check-in due or a
    milestone overdue (once)."""
    if not has_request_context():  # links in the e-mails need a host: SERVER_NAME or localhost
        with current_app.test_request_context():
            return send_reminders(today, office_id)
    today = today or date.today()
    interval = max(1, int(current_app.config["REMINDER_INTERVAL_DAYS"]))
    period = str(today.toordinal() // interval)
    summary = Summary(turned_off=opted_out_count())
    candidates = list(_candidates(today, office_id))
    for done, (plan_id, user_id, kind, month) in enumerate(candidates):
        jobs.progress(done, len(candidates))  # saved with each reminder's commit
        if _held_back(plan_id, kind, period, today, interval):
            summary.already_sent += 1
            continue
        email_id = _send_one(plan_id, user_id, kind, period, today, month)
        if email_id is None:
            summary.already_sent += 1
            continue
        summary.emails.append(email_id)
        summary.sent += 1
    for start in range(0, len(summary.emails), 100):
        sent, failed = deliver_pending(summary.emails[start:start + 100])
        summary.delivered, summary.failed = summary.delivered + sent, summary.failed + failed
    hooks.deliver_elsewhere()  # the same reminders on Telegram, for those who linked it
    return summary
