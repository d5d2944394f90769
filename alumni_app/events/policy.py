"""Who may see and run events: the office's staff run them; an alumnus sees an event of their
record's office once it is out of draft, if invited to it or if it is open for registration."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.events.models import Event, EventState, Guest, Invitation
from alumni_app.extensions import db
from alumni_app.permissions import Role, reaches, same_office, user_role


def is_office_staff(user, obj) -> bool:
    return same_office(user, obj.office_id)


def own_record(user) -> AlumnusRecord | None:
    """The alumnus's active record (the one events invite), if any."""
    if user_role(user) is not Role.ALUMNUS:
        return None
    return db.session.scalar(sa.select(AlumnusRecord).where(
        AlumnusRecord.user_id == user.id, AlumnusRecord.is_active,
        AlumnusRecord.erased_at.is_(None)))


def own_invitation(user, event: Event) -> Invitation | None:
    record = own_record(user)
    if record is None:
        return None
    return db.session.scalar(sa.select(Invitation).where(
        Invitation.event_id == event.id, Invitation.record_id == record.id))


@reaches(Event)
def can_view_event(user, event: Event) -> bool:
    if same_office(user, event.office_id):
        return True
    if user_role(user) is not Role.ALUMNUS or event.state == EventState.DRAFT.value:
        return False
    record = own_record(user)
    if record is None or record.office_id != event.office_id:
        return False
    return event.open_registration or own_invitation(user, event) is not None


@reaches(Guest)
def can_view_guest(user, guest: Guest) -> bool:
    return same_office(user, guest.office_id)


@reaches(Invitation)
def can_view_invitation(user, invitation: Invitation) -> bool:
    return same_office(user, invitation.event.office_id)
