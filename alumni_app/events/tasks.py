"""Background work of events: the e-mails of a list of invitations, and the reminders of the
day before (every hour, for events starting within the next 24 hours)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from alumni_app import hooks, jobs
from alumni_app.accounts.models import User
from alumni_app.db import utcnow
from alumni_app.events import notifications
from alumni_app.events.models import LIVE_STATES, Answer, Event, Invitation
from alumni_app.extensions import db
from alumni_app.mail import OutboundEmail

BATCH = 200


def _office(kind, event_id, _ids):
    return db.session.scalar(sa.select(Event.office_id).where(Event.id == event_id))


@jobs.task("events.mail", label=_l("Event e-mails"), office=_office)
def send_event_mail(kind: str, event_id: int, invitation_ids: list[int]) -> dict:
    """Write the e-mails of `kind` to these invitations of one event (delivered after)."""
    messages = notifications.send_many(kind, invitation_ids)
    db.session.commit()
    _deliver(messages)
    return {"sent": len(messages)}


def _deliver(message_ids: list[int]) -> None:
    """Queue the delivery of the e-mails just written and committed (as a request does)."""
    from flask import g

    from alumni_app.mail import BATCH as MAIL_BATCH
    from alumni_app.mail import deliver_mail

    queued = set(message_ids)
    g.queued_mail_ids = [i for i in g.get("queued_mail_ids", []) if i not in queued]
    for start in range(0, len(message_ids), MAIL_BATCH):
        jobs.enqueue(deliver_mail, message_ids[start:start + MAIL_BATCH])


def queue_mail(kind: str, event_id: int, invitation_ids: list[int]) -> None:
    """Put the e-mails on the queue, a task per BATCH people."""
    for start in range(0, len(invitation_ids), BATCH):
        jobs.enqueue(send_event_mail, kind, event_id, invitation_ids[start:start + BATCH])


def send_reminders(now=None) -> int:
    """Remind those coming to events that start within 24 hours, once each."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(Invitation).join(Event, Event.id == Invitation.event_id)
        .where(Event.state.in_(LIVE_STATES), Event.starts_at > now,
               Event.starts_at <= now + timedelta(hours=24),
               Invitation.answer == Answer.YES.value, Invitation.reminded_at.is_(None))
        .order_by(Invitation.id).limit(5_000)).all()
    messages = []
    for invitation in due:
        result = db.session.execute(
            sa.update(Invitation).where(Invitation.id == invitation.id,
                                        Invitation.reminded_at.is_(None))
            .values(reminded_at=now).execution_options(synchronize_session=False))
        if result.rowcount == 1:  # another run did not take it meanwhile
            set_committed_value(invitation, "reminded_at", now)
            message = notifications.send("reminder", invitation)
            if message is not None:
                messages.append(message)
                _also_elsewhere(invitation, message)
    db.session.commit()
    hooks.deliver_elsewhere()
    _deliver(messages)
    return len(messages)


def _also_elsewhere(invitation: Invitation, message_id: int) -> None:
    """The reminder's words, on the channels the person linked too (Telegram), once."""
    record = invitation.record
    user = db.session.get(User, record.user_id) if record is not None and record.user_id else None
    if user is None or not user.is_active:
        return  # a guest, or a record without an account: e-mail only
    email = db.session.get(OutboundEmail, message_id)
    hooks.also_elsewhere(user, f"events:reminder:{invitation.id}", email.subject, email.body)


@jobs.task("events.reminders", periodic=jobs.crontab(minute="7"), tracked=False)
def event_reminders() -> int:
    """Every hour: the reminders of the day before."""
    return send_reminders()
