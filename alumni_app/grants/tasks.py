"""Background tasks of the Mini-Grant Scheme: the daily report reminders, at REMINDER_HOUR of
each office's day."""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l

from alumni_app import jobs
from alumni_app.grants import reminders
from alumni_app.offices import schedule


def reminder_key(office_id: int, day: str) -> str:
    return f"grants.reminders:{office_id}:{day}"


@jobs.task("grants.reminders", label=_l("Grant report reminders"), key=reminder_key,
           office=lambda office_id, _day: office_id)
def send_office_reminders(office_id: int, day: str) -> dict:
    """Remind the grantees of one office's calls of reports due soon or overdue."""
    summary = reminders.send_reminders(date.fromisoformat(day), office_id=office_id)
    return {"sent": summary.sent, "delivered": summary.delivered, "failed": summary.failed}


@jobs.task("grants.reminders_schedule", periodic=jobs.crontab(minute="1"), tracked=False)
def queue_reminders() -> list[int]:
    """Every hour: queue the day's reminders of each office past REMINDER_HOUR of its day."""
    return schedule.queue_daily(send_office_reminders, reminder_key,
                                current_app.config["REMINDER_HOUR"])


@click.command("send-grant-reminders")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Pretend it is this day (YYYY-MM-DD), e.g. to catch up.")
@with_appcontext
def send_grant_reminders_command(today):
    """E-mail grantees whose reports are due soon or overdue now (the worker does it daily)."""
    totals = schedule.run_now_for_every_office(send_office_reminders,
                                               today.date() if today else None)
    click.echo(f"grant report reminders sent {totals.get('sent', 0)}; e-mails delivered "
               f"{totals.get('delivered', 0)}, failed {totals.get('failed', 0)} (failed ones "
               "stay in the outbox and go with the next delivery)")
