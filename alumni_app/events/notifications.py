"""E-mails about events, each in its reader's language and with times in the office's zone:
invitations (with the .ics and the person's check-in QR code), moved up from the waiting
list, cancelled, postponed, and the reminder the day before.

They are written by tasks of the queue (tasks.py) from invitation ids, never by a request:
inviting 5,000 people returns at once and the e-mails follow.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from alumni_app.accounts.models import User
from alumni_app.events import calendar
from alumni_app.events.models import Event, Invitation
from alumni_app.extensions import db
from alumni_app.mail import send_email

log = logging.getLogger("alumni_app.events")
KINDS = ("invitation", "moved_up", "cancelled", "postponed", "reminder")


@dataclass
class Reader:
    """Who reads an e-mail: for the mail's times, the office's zone (times.times_for)."""

    id: int
    office: object
    display_name: str


def _url(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context():
        return url_for(endpoint, _external=True, **values)


def address_of(invitation: Invitation) -> tuple[str, str, str, bool]:
    """(e-mail, language, name, has an account) of the person invited."""
    if invitation.guest is not None:
        guest = invitation.guest
        return guest.email, guest.language, guest.name, False
    record = invitation.record
    user = db.session.get(User, record.user_id) if record.user_id else None
    if user is not None and user.is_active:
        return user.email, user.preferred_language or "en", record.display_name, True
    return record.email or record.email_alt, "en", record.display_name, False


def send(kind: str, invitation: Invitation) -> int | None:
    """Write one e-mail of `kind` to the person invited into the outbox; its id, or None when
    they have no address."""
    event = invitation.event
    email, locale, name, has_account = address_of(invitation)
    if not email:
        return None
    link = _url("events.detail", event_id=event.id) if has_account else ""
    attachments = []
    if kind in ("invitation", "postponed", "moved_up", "cancelled"):
        attachments.append((f"event-{event.id}.ics", "text/calendar",
                            calendar.ics(event, locale, cancelled=kind == "cancelled",
                                         url=link)))
    check_in = ""
    if kind in ("invitation", "moved_up", "reminder"):
        check_in = _url("event_staff.check_in_code", event_id=event.id, token=invitation.token)
        attachments.append(("check-in.png", "image/png", calendar.qr_png(check_in)))
    reader = Reader(id=0, office=event.office, display_name=name)
    try:
        message = send_email(email, f"events/{kind}", locale=locale, attachments=attachments,
                   user=reader, event=event, invitation=invitation, locale_code=locale,
                   url=link, name=name)
    except SQLAlchemyError:
        raise
    except Exception:  # noqa: BLE001 - one message that cannot be written must not stop others
        log.exception("event mail %s for invitation %s not queued", kind, invitation.id)
        return None
    return message.id


def send_many(kind: str, invitation_ids: list[int]) -> list[int]:
    """Write the e-mails of `kind` to these invitations; return the messages' ids."""
    invitations = db.session.scalars(
        sa.select(Invitation).where(Invitation.id.in_(invitation_ids))
        .options(selectinload(Invitation.event).joinedload(Event.office))
        .order_by(Invitation.id)).all()
    return [i for i in (send(kind, invitation) for invitation in invitations) if i is not None]
