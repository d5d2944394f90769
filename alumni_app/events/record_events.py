"""A person's events on their page in the directory, for staff: the events of the offices the
reader runs that the person was invited to or registered for, their answer, whether they came,
and their certificate once the event is over. One query, however many events."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.db import utcnow
from alumni_app.events.certificates import staff_scripts
from alumni_app.events.models import Event, EventState, Invitation
from alumni_app.extensions import db
from alumni_app.permissions import is_staff, scope_to_office

LIMIT = 200  # a person's events over the years: far fewer in practice


@dataclass(frozen=True)
class Row:
    event: Event
    invitation: Invitation
    over: bool  # finished, or ended: whether they came is known
    scripts: tuple[str, ...]  # the scripts their name can be printed in on the certificate

    @property
    def attended(self) -> bool:
        return self.invitation.checked_in_at is not None

    @property
    def certificate(self) -> bool:
        return self.over and self.attended


def rows_for(user, record: AlumnusRecord) -> list[Row]:
    query = scope_to_office(
        sa.select(Invitation, Event).join(Event, Event.id == Invitation.event_id)
        .where(Invitation.record_id == record.id), Event.office_id, user)
    now = utcnow()
    rows = []
    for invitation, event in db.session.execute(
            query.order_by(Event.starts_at.desc(), Event.id.desc()).limit(LIMIT)).unique():
        over = event.state == EventState.FINISHED.value or (
            event.state != EventState.CANCELLED.value and event.ends_at <= now)
        rows.append(Row(event, invitation, over, staff_scripts(invitation)))
    return rows


def section(user, record: AlumnusRecord) -> dict | None:
    """The "Events" part of the person's page: staff only (an alumnus's own events are on
    their Events page)."""
    if not is_staff(user):
        return None
    return {"template": "events/_record_events.html", "rows": rows_for(user, record)}
