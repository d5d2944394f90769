"""Report reminders: daily for each office by the worker (grants/tasks.py), or now by
`flask send-grant-reminders`; safe to re-run.

Each open report of a running grant gets one reminder GRANT_REMINDER_DAYS_BEFORE days before its
due date and one once it is overdue. A reminder is a (report, kind) key in `grant_reminders`,
written in the same transaction as its outbox row and committed one at a time: a run that stops
half-way and is run again sends only what was not sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context
from sqlalchemy.exc import IntegrityError

from alumni_app import hooks, jobs
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.grants import notifications
from alumni_app.grants.models import AppState, GrantApplication, GrantCall
from alumni_app.grants.money_models import (
    OPEN_REPORT_STATES,
    GrantReminder,
    GrantReport,
    awaited_reports,
)
from alumni_app.mail import deliver_pending

BEFORE, AFTER = "before", "after"


@dataclass
class Summary:
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    emails: list[int] = field(default_factory=list)


def _due(today: date, days_before: int, office_id: int | None) -> list[tuple[int, str]]:
    """(report id, kind) of every reminder that should have gone out by `today` and has not."""
    sent = sa.select(GrantReminder.report_id, GrantReminder.kind)
    open_reports = (sa.select(GrantReport.id, GrantReport.due_on)
                    .join(GrantApplication, GrantApplication.id == GrantReport.application_id)
                    .where(GrantApplication.state == AppState.APPROVED.value, awaited_reports(),
                           GrantReport.state.in_(OPEN_REPORT_STATES)))
    if office_id is not None:
        open_reports = (open_reports.join(GrantCall, GrantCall.id == GrantApplication.call_id)
                        .where(GrantCall.office_id == office_id))
    already = {(report_id, kind) for report_id, kind in db.session.execute(sent)}
    wanted = []
    for report_id, due_on in db.session.execute(open_reports):
        if due_on < today:
            kind = AFTER
        elif due_on - timedelta(days=days_before) <= today:
            kind = BEFORE
        else:
            continue
        if (report_id, kind) not in already:
            wanted.append((report_id, kind))
    return wanted


def _send_one(report_id: int, kind: str, today: date) -> int | None:
    """Queue one reminder and record it, in one transaction; None when it was not sent."""
    report = db.session.get(GrantReport, report_id)
    application = db.session.get(GrantApplication, report.application_id)
    message = notifications.report_reminder(application, report, kind)
    if message is None:  # could not be written: not recorded, so the next run tries again
        db.session.rollback()
        return None
    hooks.also_elsewhere(application.applicant, f"grants:report:{report.id}:{kind}",
                         message.subject, message.body)
    db.session.add(GrantReminder(report_id=report.id, kind=kind, sent_on=today,
                                 email_id=message.id))
    try:
        db.session.commit()  # one reminder, one transaction: a re-run after a crash skips it
    except IntegrityError:  # another run sent it at the same moment
        db.session.rollback()
        return None
    return message.id


def send_reminders(today: date | None = None, office_id: int | None = None) -> Summary:
    """Remind grantees (of one office's calls, or all) of reports due soon or overdue, each
    reminder once."""
    if not has_request_context():  # links in the e-mails need a host: SERVER_NAME or localhost
        with current_app.test_request_context():
            return send_reminders(today, office_id)
    today = today or utcnow().date()
    days_before = int(current_app.config["GRANT_REMINDER_DAYS_BEFORE"])
    summary = Summary()
    due = _due(today, days_before, office_id)
    for done, (report_id, kind) in enumerate(due):
        jobs.progress(done, len(due))  # saved with each reminder's commit
        email_id = _send_one(report_id, kind, today)
        if email_id:
            summary.sent += 1
            summary.emails.append(email_id)
    for start in range(0, len(summary.emails), 100):
        sent, failed = deliver_pending(summary.emails[start:start + 100])
        summary.delivered, summary.failed = summary.delivered + sent, summary.failed + failed
    hooks.deliver_elsewhere()  # the same reminders on Telegram, for those who linked it
    return summary
