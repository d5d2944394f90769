"""Background work of events: the e-mails of a list of invitations, and the reminders of the
day before (every hour, for events starting within the next 24 hours)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from alumni_app import jobs
from alumni_app.db import utcnow
from alumni_app.events import notifications
from alumni_app.events.models import LIVE_STATES, Answer, Event, Invitation
from alumni_app.extensions import db
from alumni_app.messages import bulk

BATCH = 200


def _office(kind, event_id, _ids):
    return db.session.scalar(sa.select(Event.office_id).where(Event.id == event_id))


@jobs.task("events.mail", label=_l("Event e-mails"), office=_office)
def send_event_mail(kind: str, event_id: int, invitation_ids: list[int]) -> dict:
    """Write the e-mails of `kind` to these invitations of one event (delivered after): a
    bulk message to the alumni among them for an invitation, the personal outbox otherwise
    (notifications.py says which and why)."""
    sent = notifications.send_many(kind, invitation_ids)
    db.session.commit()
    _deliver(sent)
    return {"sent": sent.queued}


def _deliver(sent: notifications.Sent) -> None:
    """Queue the delivery of the e-mails just written and committed (as a request does)."""
    from flask import g

    from alumni_app.mail import BATCH as MAIL_BATCH
    from alumni_app.mail import deliver_mail

    queued = set(sent.outbox)
    g.queued_mail_ids = [i for i in g.get("queued_mail_ids", []) if i not in queued]
    for start in range(0, len(sent.outbox), MAIL_BATCH):
        jobs.enqueue(deliver_mail, sent.outbox[start:start + MAIL_BATCH])
    started = set(sent.bulk)  # started here, not again after the request that ran this inline
    g.queued_bulk_ids = [i for i in g.get("queued_bulk_ids", []) if i not in started]
    for message_id in sent.bulk:
        bulk.start(message_id)


def queue_mail(kind: str, event_id: int, invitation_ids: list[int]) -> None:
    """Put the e-mails on the queue, a task per BATCH people."""
    for start in range(0, len(invitation_ids), BATCH):
        jobs.enqueue(send_event_mail, kind, event_id, invitation_ids[start:start + BATCH])


def send_reminders(now=None) -> int:
    """Remind those coming to events that start within 24 hours, once each; the number of
    e-mails queued. Each invitation is taken by a conditional UPDATE of `reminded_at` in the
    transaction that queues its reminder, so two runs never remind a person twice; the
    alumni's reminders are bulk messages (one per event), so they also reach the Telegram
    chat the person linked, once, unless they turned event mail off; guests' go to the
    personal outbox."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(Invitation).join(Event, Event.id == Invitation.event_id)
        .where(Event.state.in_(LIVE_STATES), Event.starts_at > now,
               Event.starts_at <= now + timedelta(hours=24),
               Invitation.answer == Answer.YES.value, Invitation.reminded_at.is_(None))
        .order_by(Invitation.id).limit(5_000)).all()
    taken = []
    for invitation in due:
        result = db.session.execute(
            sa.update(Invitation).where(Invitation.id == invitation.id,
                                        Invitation.reminded_at.is_(None))
            .values(reminded_at=now).execution_options(synchronize_session=False))
        if result.rowcount == 1:  # another run did not take it meanwhile
            set_committed_value(invitation, "reminded_at", now)
            taken.append(invitation)
    sent = notifications.send_to("reminder", taken)
    db.session.commit()
    _deliver(sent)
    return sent.queued


@jobs.task("events.reminders", periodic=jobs.crontab(minute="7"), tracked=False)
def event_reminders() -> int:
    """Every hour: the reminders of the day before."""
    return send_reminders()
