"""What the staff's event pages share: their blueprint and how they load an event."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user

from alumni_app.events import policy, tasks
from alumni_app.events.models import Event, Invitation
from alumni_app.extensions import db
from alumni_app.forms import positive_int
from alumni_app.offices.models import Office
from alumni_app.permissions import require

bp = Blueprint("event_staff", __name__, url_prefix="/staff/events")


@bp.record_once
def _register_helpers(state) -> None:
    from alumni_app.events.labels import template_helpers

    state.app.jinja_env.globals.update(template_helpers())


def event_for_staff(event_id: int) -> Event:
    """The event, if it is the current staff member's office's (else 404)."""
    event = db.session.get(Event, event_id) or abort(404)
    require(policy.is_office_staff(current_user, event), event)
    return event


def invitation_of(event: Event, invitation_id: int) -> Invitation:
    """The event's invitation `invitation_id` (else 404)."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.event_id != event.id:
        abort(404)
    return invitation


def tell(kind: str, event: Event, invitations) -> None:
    """Queue the e-mail of `kind` about `event` to these invitations' people."""
    ids = [i if isinstance(i, int) else i.id for i in invitations]
    if ids:
        tasks.queue_mail(kind, event.id, ids)


def office_for_new() -> Office:
    """The office a new event or guest belongs to: the staff member's, or the one asked for."""
    office_id = current_user.office_id or positive_int(request.args.get("office"))
    return db.session.get(Office, office_id) if office_id else None

