"""Bulk e-mail, queueing: the message frozen as written, one recipient row per person and
channel (with the state of those who get nothing), and the counts of what became of them.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import g, has_request_context

from alumni_app import audit
from alumni_app.extensions import db
from alumni_app.messages.bulk_audience import office_reply_to, recipients_of, texts_of
from alumni_app.messages.bulk_compose import LANGUAGES
from alumni_app.messages.models import (
    Announcement,
    BouncedAddress,
    BulkMessage,
    Kind,
    MailOptOut,
    MessageAttachment,
    MessageRecipient,
    RecipientState,
)


def _language(value) -> str:
    return value if value in LANGUAGES else ""


def queue_bulk_mail(kind: str, subjects: dict, bodies: dict, recipients: Iterable, *,
                    office_id: int | None = None, reply_to: str | None = None, actor=None,
                    announcement_id: int | None = None,
                    attachments: list[tuple[str, str, bytes]] | None = None,
                    event_id: int | None = None, event_mail: str = "") -> BulkMessage:
    """Freeze a message and queue it for everyone in `recipients`; deliver after commit.

    `subjects` and `bodies` map "en"/"ru" to text (bodies in Markdown; one language may be
    empty); `recipients` yields rows or dicts with record_id, user_id, email and language (as
    audiences.queries.recipients gives them); `attachments` are (filename, content type,
    bytes), e.g. an event's .ics. `reply_to` is the office's address unless given (empty: no
    Reply-To). People without an address, who opted out of `kind` or whose
    address bounced are logged as such and skipped. The sending starts after the request
    commits (or call `start(message.id)` after committing, outside a request). `event_id` and
    `event_mail` tie an event's invitations or reminders to it (each person's own parts are
    added when their e-mail is built: bulk_compose.PERSONAL).
    """
    message = _frozen_message(kind, subjects, bodies, office_id=office_id, reply_to=reply_to,
                              actor=actor, announcement_id=announcement_id,
                              event_id=event_id, event_mail=event_mail)
    for filename, content_type, content in attachments or ():
        db.session.add(MessageAttachment(message_id=message.id, filename=filename[:200],
                                         content_type=content_type, content=content))
    rows = _email_rows(message, recipients)
    rows += _telegram_rows(rows)
    if rows:
        db.session.execute(sa.insert(MessageRecipient), rows)
    queued = sum(1 for r in rows if r["state"] == RecipientState.QUEUED.value)
    audit.record("message.queued", actor=actor, subject=message, office_id=office_id,
                 kind=message.kind, recipients=len(rows), queued=queued)
    if has_request_context():
        g.setdefault("queued_bulk_ids", []).append(message.id)
    return message


def _frozen_message(kind: str, subjects: dict, bodies: dict, *, office_id, reply_to, actor,
                    announcement_id, event_id=None, event_mail="") -> BulkMessage:
    """The message as written, added and flushed (it has its id); its Reply-To is the
    office's address as it is now, unless `reply_to` says otherwise."""
    if reply_to is None:
        reply_to = office_reply_to(office_id)
    message = BulkMessage(
        kind=Kind(kind).value, office_id=office_id, announcement_id=announcement_id,
        subject_en=(subjects.get("en") or "")[:200], subject_ru=(subjects.get("ru") or "")[:200],
        body_en=bodies.get("en") or "", body_ru=bodies.get("ru") or "",
        reply_to=reply_to or "", created_by_id=getattr(actor, "id", None),
        event_id=event_id, event_mail=(event_mail or "")[:20])
    db.session.add(message)
    db.session.flush()
    return message


def _email_rows(message: BulkMessage, recipients: Iterable) -> list[dict]:
    """One e-mail row per person (the first of each), with the state they start in."""
    opted = set(db.session.scalars(sa.select(MailOptOut.record_id)
                                   .where(MailOptOut.kind == message.kind)))
    bounced = set(db.session.scalars(sa.select(BouncedAddress.address)))
    rows, seen = [], set()
    for person in recipients:
        person = person._mapping if hasattr(person, "_mapping") else person
        record_id = person["record_id"]
        if record_id in seen:
            continue
        seen.add(record_id)
        address = (person.get("email") or "").strip()
        state = _first_state(address, record_id, opted, bounced)
        rows.append({"message_id": message.id, "channel": "email", "record_id": record_id,
                     "user_id": person.get("user_id"), "address": address[:254],
                     "language": _language(person.get("language")), "state": state.value,
                     "attempts": 0})
    return rows


def _first_state(address: str, record_id: int, opted: set, bounced: set) -> RecipientState:
    """Queued, or why the person gets nothing: no address, opted out, a bounced address."""
    if not address:
        return RecipientState.NO_ADDRESS
    if record_id in opted:
        return RecipientState.UNSUBSCRIBED
    if address.lower() in bounced:
        return RecipientState.BOUNCED
    return RecipientState.QUEUED


def _telegram_rows(rows: list[dict]) -> list[dict]:
    """The same people on Telegram, for those who linked it (the same opt-outs)."""
    from alumni_app.messages import telegram

    chats = telegram.linked_chats({r["user_id"] for r in rows if r["user_id"]})
    skipped = (RecipientState.UNSUBSCRIBED.value,)
    return [{**row, "channel": "telegram", "address": str(chats[row["user_id"]]),
             "state": row["state"] if row["state"] in skipped else RecipientState.QUEUED.value}
            for row in rows if row["user_id"] in chats]


def send_announcement(actor, announcement: Announcement,
                      reply_to: str | None = None) -> BulkMessage:
    subjects, bodies = texts_of(announcement)
    attachments = []
    from alumni_app.messages.announcements import stored

    file = stored(announcement.attachment_id)
    if file is not None:
        attachments.append((file.original_name, file.content_type, file.content))
    rows = db.session.execute(recipients_of(announcement))
    return queue_bulk_mail(Kind.ANNOUNCEMENTS.value, subjects, bodies, rows,
                           office_id=announcement.office_id, reply_to=reply_to, actor=actor,
                           announcement_id=announcement.id, attachments=attachments)


def messages_of(announcement_id: int) -> list[tuple[BulkMessage, dict]]:
    """The e-mails sent with an announcement, newest first, with their counts by state."""
    found = list(db.session.scalars(sa.select(BulkMessage).where(
        BulkMessage.announcement_id == announcement_id).order_by(BulkMessage.id.desc())))
    tallies = state_counts([m.id for m in found])
    return [(m, tallies.get(m.id, {})) for m in found]


def messages_of_event(event_id: int) -> list[tuple[BulkMessage, dict]]:
    """An event's invitations and reminders sent as bulk mail, newest first, with their
    counts by state."""
    found = list(db.session.scalars(sa.select(BulkMessage).where(
        BulkMessage.event_id == event_id).order_by(BulkMessage.id.desc())))
    tallies = state_counts([m.id for m in found])
    return [(m, tallies.get(m.id, {})) for m in found]


def state_counts(ids: list[int]) -> dict[int, dict[str, int]]:
    if not ids:
        return {}
    found: dict[int, dict[str, int]] = {}
    for message_id, state, number in db.session.execute(
            sa.select(MessageRecipient.message_id, MessageRecipient.state, sa.func.count())
            .where(MessageRecipient.message_id.in_(ids))
            .group_by(MessageRecipient.message_id, MessageRecipient.state)):
        found.setdefault(message_id, {})[state] = number
    return found
