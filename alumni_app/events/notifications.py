"""E-mails about events, each in its reader's language and with times in the office's zone:
invitations (with the .ics and the person's check-in QR code), moved up from the waiting
list, cancelled, postponed, and the reminder the day before.

They are written by tasks of the queue (tasks.py) from invitation ids, never by a request:
inviting 5,000 people returns at once and the e-mails follow.

Two roads. Invitations and the day-before reminders to alumni (records) are bulk messages of
kind "events" (messages.bulk): one message per event and batch, frozen in English and Russian,
so that an alumnus who turned "Event invitations and reminders" off, or whose address bounced,
is skipped (and the delivery log says so), each e-mail carries the one-click unsubscribe link
and headers, and nobody gets one twice. What is the person's own is added as their e-mail is
built (`Personal`): their name, their check-in link and QR code, the calendar file in their
language. Moved up, cancelled and postponed concern a registration the person made: they are
transactional, written to the personal outbox (alumni_app/mail.py) and reach them whatever
they turned off, like a grant's decision. Guests (not alumni: no record, so nothing to opt out
of) get every e-mail through the personal outbox.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from alumni_app import hooks
from alumni_app.accounts.models import User
from alumni_app.events import calendar
from alumni_app.events.models import Event, Invitation
from alumni_app.extensions import db
from alumni_app.mail import send_email
from alumni_app.messages import bulk
from alumni_app.messages.bulk_compose import PERSONAL
from alumni_app.messages.models import BulkMessage, Kind, MessageRecipient, RecipientState
from alumni_app.times import times_for

log = logging.getLogger("alumni_app.events")
KINDS = ("invitation", "moved_up", "cancelled", "postponed", "reminder")
# Sent to alumni as bulk mail of kind "events" (they can turn it off); the others are
# transactional and always sent, to the personal outbox.
BULK_KINDS = ("invitation", "reminder")
# Where each person's own words go in the frozen text of a bulk message.
NAME, ANSWER, CHECK_IN = "@@NAME@@", "@@ANSWER@@", "@@CHECKIN@@"


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
                             user=reader, event=event, invitation=invitation,
                             locale_code=locale, url=link, name=name, check_in=check_in)
    except SQLAlchemyError:
        raise
    except Exception:  # noqa: BLE001 - one message that cannot be written must not stop others
        log.exception("event mail %s for invitation %s not queued", kind, invitation.id)
        return None
    return message.id


@dataclass
class Sent:
    """What a task wrote: personal outbox messages, bulk messages, e-mails queued in all."""

    outbox: list[int]
    bulk: list[int]
    queued: int = 0


def send_many(kind: str, invitation_ids: list[int]) -> Sent:
    """Write the e-mails of `kind` to these invitations (bulk mail to alumni for invitations
    and reminders, the personal outbox otherwise and for guests)."""
    invitations = db.session.scalars(
        sa.select(Invitation).where(Invitation.id.in_(invitation_ids))
        .options(selectinload(Invitation.event).joinedload(Event.office))
        .order_by(Invitation.id)).all()
    return send_to(kind, invitations)


def send_to(kind: str, invitations: list[Invitation]) -> Sent:
    alumni = [i for i in invitations if i.record_id is not None] if kind in BULK_KINDS else []
    taken = {i.id for i in alumni}
    outbox = [n for n in (send(kind, i) for i in invitations if i.id not in taken)
              if n is not None]
    sent = Sent(outbox=outbox, bulk=[], queued=len(outbox))
    by_event: dict[int, list[Invitation]] = {}
    for invitation in alumni:
        by_event.setdefault(invitation.event_id, []).append(invitation)
    for group in by_event.values():
        message = queue_bulk(kind, group[0].event, group)
        if message is not None:
            sent.bulk.append(message.id)
            sent.queued += _queued_emails(message.id)
    return sent


def _queued_emails(message_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(MessageRecipient).where(
        MessageRecipient.message_id == message_id, MessageRecipient.channel == "email",
        MessageRecipient.state == RecipientState.QUEUED.value))


def queue_bulk(kind: str, event: Event, invitations: list[Invitation]) -> BulkMessage | None:
    """One bulk message of kind "events" about `event` to these alumni; None when each of
    them had this e-mail of this event queued already (a task tried again)."""
    already = set(db.session.scalars(
        sa.select(MessageRecipient.record_id).join(BulkMessage,
                                                   BulkMessage.id == MessageRecipient.message_id)
        .where(BulkMessage.event_id == event.id, BulkMessage.event_mail == kind,
               MessageRecipient.channel == "email",
               MessageRecipient.record_id.in_([i.record_id for i in invitations]))))
    people = []
    for invitation in invitations:
        if invitation.record_id in already:
            continue
        email, language, _name, _account = address_of(invitation)
        people.append({"record_id": invitation.record_id, "email": email or "",
                       "user_id": invitation.record.user_id, "language": language})
    if not people:
        return None
    subjects, bodies = frozen_texts(kind, event)
    return bulk.queue_bulk_mail(Kind.EVENTS.value, subjects, bodies, people,
                                office_id=event.office_id, event_id=event.id,
                                event_mail=kind)


def frozen_texts(kind: str, event: Event) -> tuple[dict, dict]:
    """The e-mail of `kind` in each language from its template, the person's own words left
    as marks; its lines kept as lines in the HTML version (Markdown hard breaks)."""
    subjects, bodies = {}, {}
    reader = Reader(id=0, office=event.office, display_name="")
    for language in bulk.LANGUAGES:
        with force_locale(language), times_for(reader):
            text = render_template(f"mail/events/{kind}.txt", event=event, invitation=None,
                                   locale_code=language, url="", name=NAME, answer=ANSWER,
                                   check_in=CHECK_IN, user=reader)
        subject, _newline, body = text.strip().partition("\n")
        subjects[language] = subject.strip()
        bodies[language] = re.sub(r"(?<=\S)\n(?!\n)", "  \n", body.strip())
    return subjects, bodies


class Personal:
    """Each alumnus's own parts of an event's bulk e-mail: name, answer line, check-in link
    and QR code, and (for an invitation) the calendar file in their language. Loaded once for
    the message's people (constant queries per delivery run)."""

    def __init__(self, message: BulkMessage, event: Event):
        self.event, self.mail = event, message.event_mail
        invitations = db.session.scalars(sa.select(Invitation).where(
            Invitation.event_id == event.id,
            Invitation.record_id.in_(sa.select(MessageRecipient.record_id).where(
                MessageRecipient.message_id == message.id)))).all()
        users = {i.record.user_id for i in invitations if i.record.user_id}
        active = set(db.session.scalars(sa.select(User.id).where(
            User.id.in_(users), User.is_active))) if users else set()
        self.people = {i.record_id: (i.token, i.record.display_name,
                                     i.record.user_id in active) for i in invitations}
        self.link = _url("events.detail", event_id=event.id)
        self.cache: dict = {}

    def _check_in(self, token: str) -> str:
        return _url("event_staff.check_in_code", event_id=self.event.id, token=token)

    def _answer(self, language: str, account: bool) -> str:
        key = ("answer", language, account)
        if key not in self.cache:
            with force_locale(language):
                if self.mail == "invitation":
                    words = (_("Please answer whether you will come: %(url)s", url=self.link)
                             if account else
                             _("Please answer this e-mail to say whether you will come."))
                else:
                    words = (_("If you cannot come, please say so here: %(url)s",
                               url=self.link) if account else "")
            self.cache[key] = words
        return self.cache[key]

    def words(self, recipient, language: str) -> dict[str, str]:
        person = self.people.get(recipient.record_id)
        if person is None:  # no longer invited (erased, merged): no code to give
            return {NAME: "", ANSWER: "", CHECK_IN: ""}
        token, name, account = person
        return {NAME: name, ANSWER: self._answer(language, account),
                CHECK_IN: self._check_in(token)}

    def attachments(self, recipient, language: str) -> list[tuple[str, str, bytes]]:
        person = self.people.get(recipient.record_id)
        if person is None:
            return []
        token, _name, account = person
        found = []
        if self.mail == "invitation":
            key = ("ics", language, account)
            if key not in self.cache:
                self.cache[key] = calendar.ics(self.event, language,
                                               url=self.link if account else "")
            found.append((f"event-{self.event.id}.ics", "text/calendar", self.cache[key]))
        found.append(("check-in.png", "image/png", calendar.qr_png(self._check_in(token))))
        return found


def personal_parts(message: BulkMessage) -> Personal | None:
    """The hook bulk_compose calls for a message of kind "events" (PERSONAL)."""
    event = db.session.get(Event, message.event_id) if message.event_id else None
    return Personal(message, event) if event is not None else None


def register(app) -> None:
    hooks.register(app, PERSONAL, Kind.EVENTS.value, personal_parts)
