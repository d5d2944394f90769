"""What events hold about a person, for their data download: invitations, answers, attendance."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.events.models import Event, Invitation
from alumni_app.extensions import db


def events_of(user, record) -> list[dict]:
    if record is None:
        return []
    rows = db.session.execute(
        sa.select(Invitation, Event).join(Event, Event.id == Invitation.event_id)
        .where(Invitation.record_id == record.id).order_by(Event.starts_at)).all()
    return [{"title": event.title_en, "state": invitation.answer,
             "date": event.starts_at.isoformat(), "kind": event.kind,
             "event_state": event.state, "source": invitation.source,
             "answered_at": invitation.answered_at.isoformat() if invitation.answered_at else None,
             "checked_in_at": (invitation.checked_in_at.isoformat()
                               if invitation.checked_in_at else None)}
            for invitation, event in rows]
