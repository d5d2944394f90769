"""Bulk e-mail: a message frozen when queued, one recipient row per person, delivered by the
queue in batches.

`queue_bulk_mail()` is the one entry point (announcements here; events and grant calls call it
too). Each recipient row is *claimed* by a conditional UPDATE (not sent, no live claim) before
it is handed to the mail server, and marked sent as soon as the server took it, so a worker
that dies, a retry, or two workers never send the same message twice to the same person; a
message claimed by a worker that died goes out once its lease (MAIL_CLAIM_SECONDS) ran out.
When the mail server is down the claims are released and the job is tried again: the rest goes
out when it is back. A periodic sweep picks up what is left after a restart.
"""

from __future__ import annotations

import base64
import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, formatdate, make_msgid

import sqlalchemy as sa
from flask import current_app, g, has_request_context, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from alumni_app import audit, jobs
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.audiences import Audience
from alumni_app.audiences import queries as audience_queries
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.mail import MAIL_ERRORS, Connection, server_trouble, transmit
from alumni_app.messages import telegram as _telegram  # noqa: F401 - its periodic task
from alumni_app.messages import text, tokens
from alumni_app.messages.models import (
    Announcement,
    AnnouncementMember,
    BouncedAddress,
    BulkMessage,
    Kind,
    MailOptOut,
    MessageAttachment,
    MessageRecipient,
    RecipientState,
    Scope,
)
from alumni_app.offices.models import Office

log = logging.getLogger("alumni_app.messages")
BATCH = 200
# Outcomes are committed every few messages: a worker killed in between sends at most these
# few again once their lease ran out (the price of not committing once per message).
COMMIT_EVERY = 10
UNFOLDED = compat32.clone(max_line_length=998)
LANGUAGES = ("en", "ru")
KIND_LABELS = {
    Kind.ANNOUNCEMENTS.value: _l("Announcements and news"),
    Kind.EVENTS.value: _l("Event invitations and reminders"),
    Kind.GRANT_CALLS.value: _l("Calls for mini-grant proposals"),
}
STATE_LABELS = {
    RecipientState.QUEUED.value: _l("Queued"),
    RecipientState.SENT.value: _l("Sent"),
    RecipientState.FAILED.value: _l("Failed"),
    RecipientState.BOUNCED.value: _l("Bounced"),
    RecipientState.UNSUBSCRIBED.value: _l("Unsubscribed"),
    RecipientState.NO_ADDRESS.value: _l("No e-mail address"),
}


# Who an announcement goes to ------------------------------------------------------------------

def recipients_of(announcement: Announcement) -> sa.Select | sa.CompoundSelect:
    """The audience's rows (record_id, user_id, names, email, language), one per person."""
    if announcement.scope == Scope.EVERYONE:
        offices = list(db.session.scalars(sa.select(Office.id).order_by(Office.id)))
        selects = [audience_queries.recipients(Audience(office_id=o)) for o in offices]
        if not selects:
            return audience_queries.recipients(Audience())
        return sa.union_all(*[s.order_by(None) for s in selects]) if len(selects) > 1 \
            else selects[0]
    query = audience_queries.recipients(Audience(office_id=announcement.office_id))
    if announcement.scope == Scope.GROUP:
        query = query.where(AlumnusRecord.id.in_(
            sa.select(AnnouncementMember.record_id)
            .where(AnnouncementMember.announcement_id == announcement.id)))
    return query


def audience_size(announcement: Announcement) -> int:
    sub = recipients_of(announcement).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(sub))


@dataclass
class Preview:
    total: int
    no_address: int
    opted_out: int
    bounced: int
    versions: dict = field(default_factory=dict)  # language -> (subject, html, fallback)

    @property
    def will_send(self) -> int:
        return self.total - self.no_address - self.opted_out - self.bounced


def _no_address(column):
    return sa.or_(column.is_(None), sa.func.trim(column) == "")


def counts(rows: sa.Select | sa.CompoundSelect, kind: str) -> Preview:
    """How many people, and how many of them get nothing: no address, opted out of `kind`,
    an address that bounced; one query."""
    sub = rows.subquery()
    missing = _no_address(sub.c.email)
    opted = sub.c.record_id.in_(sa.select(MailOptOut.record_id).where(MailOptOut.kind == kind))
    bounced = sa.func.lower(sub.c.email).in_(sa.select(BouncedAddress.address))

    def tally(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    total, none, out, gone = db.session.execute(sa.select(
        sa.func.count(), tally(missing), tally(sa.and_(~missing, opted)),
        tally(sa.and_(~missing, ~opted, bounced))).select_from(sub)).one()
    return Preview(int(total), int(none), int(out), int(gone))


def version_for(subjects: dict, bodies: dict, language: str) -> str:
    """The language a reader of `language` gets: theirs if written, else the other."""
    if subjects.get(language) and bodies.get(language):
        return language
    other = "ru" if language == "en" else "en"
    return other if subjects.get(other) else language


def preview(announcement: Announcement, kind: str = Kind.ANNOUNCEMENTS.value) -> Preview:
    found = counts(recipients_of(announcement), kind)
    subjects, bodies = _texts(announcement)
    for language in LANGUAGES:
        used = version_for(subjects, bodies, language)
        found.versions[language] = (subjects[used], text.to_html(bodies[used]), used)
    return found


def _texts(announcement: Announcement) -> tuple[dict, dict]:
    return ({"en": announcement.title_en, "ru": announcement.title_ru},
            {"en": announcement.body_en, "ru": announcement.body_ru})


# Queueing -------------------------------------------------------------------------------------

def _language(value) -> str:
    return value if value in LANGUAGES else ""


def queue_bulk_mail(kind: str, subjects: dict, bodies: dict, recipients: Iterable, *,
                    office_id: int | None = None, reply_to: str = "", actor=None,
                    announcement_id: int | None = None,
                    attachments: list[tuple[str, str, bytes]] | None = None) -> BulkMessage:
    """Freeze a message and queue it for everyone in `recipients`; deliver after commit.

    `subjects` and `bodies` map "en"/"ru" to text (bodies in Markdown; one language may be
    empty); `recipients` yields rows or dicts with record_id, user_id, email and language (as
    audiences.queries.recipients gives them); `attachments` are (filename, content type,
    bytes), e.g. an event's .ics. People without an address, who opted out of `kind` or whose
    address bounced are logged as such and skipped. The sending starts after the request
    commits (or call `start(message.id)` after committing, outside a request).
    """
    message = BulkMessage(
        kind=Kind(kind).value, office_id=office_id, announcement_id=announcement_id,
        subject_en=(subjects.get("en") or "")[:200], subject_ru=(subjects.get("ru") or "")[:200],
        body_en=bodies.get("en") or "", body_ru=bodies.get("ru") or "",
        reply_to=reply_to or "", created_by_id=getattr(actor, "id", None))
    db.session.add(message)
    db.session.flush()
    for filename, content_type, content in attachments or ():
        db.session.add(MessageAttachment(message_id=message.id, filename=filename[:200],
                                         content_type=content_type, content=content))
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
        if not address:
            state = RecipientState.NO_ADDRESS
        elif record_id in opted:
            state = RecipientState.UNSUBSCRIBED
        elif address.lower() in bounced:
            state = RecipientState.BOUNCED
        else:
            state = RecipientState.QUEUED
        rows.append({"message_id": message.id, "channel": "email", "record_id": record_id,
                     "user_id": person.get("user_id"), "address": address[:254],
                     "language": _language(person.get("language")), "state": state.value,
                     "attempts": 0})
    rows += _telegram_rows(rows)
    if rows:
        db.session.execute(sa.insert(MessageRecipient), rows)
    queued = sum(1 for r in rows if r["state"] == RecipientState.QUEUED.value)
    audit.record("message.queued", actor=actor, subject=message, office_id=office_id,
                 kind=message.kind, recipients=len(rows), queued=queued)
    if has_request_context():
        g.setdefault("queued_bulk_ids", []).append(message.id)
    return message


def _telegram_rows(rows: list[dict]) -> list[dict]:
    """The same people on Telegram, for those who linked it (the same opt-outs)."""
    from alumni_app.messages import telegram

    chats = telegram.linked_chats({r["user_id"] for r in rows if r["user_id"]})
    skipped = (RecipientState.UNSUBSCRIBED.value,)
    return [{**row, "channel": "telegram", "address": str(chats[row["user_id"]]),
             "state": row["state"] if row["state"] in skipped else RecipientState.QUEUED.value}
            for row in rows if row["user_id"] in chats]


def send_announcement(actor, announcement: Announcement, reply_to: str) -> BulkMessage:
    subjects, bodies = _texts(announcement)
    attachments = []
    from alumni_app.messages.announcements import stored

    file = stored(announcement.attachment_id)
    if file is not None:
        attachments.append((file.original_name, file.content_type, file.content))
    rows = db.session.execute(recipients_of(announcement))
    return queue_bulk_mail(Kind.ANNOUNCEMENTS.value, subjects, bodies, rows,
                           office_id=announcement.office_id, reply_to=reply_to, actor=actor,
                           announcement_id=announcement.id, attachments=attachments)


def start(message_id: int) -> bool:
    """Put the sending of a committed message on the queue."""
    return jobs.enqueue(send_message, message_id)


def queue_after_request(response):
    """After a request that queued bulk messages (and committed), start their sending."""
    for message_id in g.pop("queued_bulk_ids", None) or []:
        if response.status_code < 400:
            start(message_id)
    return response


def messages_of(announcement_id: int) -> list[tuple[BulkMessage, dict]]:
    """The e-mails sent with an announcement, newest first, with their counts by state."""
    found = list(db.session.scalars(sa.select(BulkMessage).where(
        BulkMessage.announcement_id == announcement_id).order_by(BulkMessage.id.desc())))
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


# Delivery -------------------------------------------------------------------------------------

def _claimable(message_id: int, now):
    lease = timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])
    return sa.and_(MessageRecipient.message_id == message_id,
                   MessageRecipient.state == RecipientState.QUEUED.value,
                   sa.or_(MessageRecipient.claimed_at.is_(None),
                          MessageRecipient.claimed_at < now - lease))


def claim_batch(message_id: int, size: int = BATCH) -> list:
    """Take up to `size` unsent recipients of the message for this sender, committed at once."""
    now = utcnow()
    ids = list(db.session.scalars(sa.select(MessageRecipient.id).where(
        _claimable(message_id, now)).order_by(MessageRecipient.id).limit(size)))
    if not ids:
        return []
    taken = list(db.session.scalars(
        sa.update(MessageRecipient).where(MessageRecipient.id.in_(ids),
                                          _claimable(message_id, now))
        .values(claimed_at=now, attempts=MessageRecipient.attempts + 1)
        .returning(MessageRecipient.id).execution_options(synchronize_session=False)))
    db.session.commit()
    if not taken:
        return []
    # Plain rows, not objects: nothing for each commit to expire.
    return list(db.session.execute(sa.select(
        MessageRecipient.id, MessageRecipient.record_id, MessageRecipient.address,
        MessageRecipient.language, MessageRecipient.channel).where(MessageRecipient.id.in_(taken))
        .order_by(MessageRecipient.id)).all())


def _set(recipient_ids: list[int], **values) -> None:
    db.session.execute(sa.update(MessageRecipient).where(MessageRecipient.id.in_(recipient_ids))
                       .values(**values).execution_options(synchronize_session=False))


def has_pending(message_id: int) -> bool:
    return db.session.scalar(sa.select(MessageRecipient.id).where(
        _claimable(message_id, utcnow())).limit(1)) is not None


class MailServerTrouble(Exception):
    """The mail server is down or busy: the rest of the message waits for a retry."""


class _Renderer:
    """The message as each language reads it, rendered once; only the unsubscribe link
    differs from one person to the next."""

    MARK = "__UNSUBSCRIBE_URL__"

    def __init__(self, message: BulkMessage):
        self.message = message
        self.subjects = {"en": message.subject_en, "ru": message.subject_ru}
        self.bodies = {"en": message.body_en, "ru": message.body_ru}
        self.attachments = list(db.session.scalars(sa.select(MessageAttachment).where(
            MessageAttachment.message_id == message.id).order_by(MessageAttachment.id)))
        self.cache: dict[str, tuple[str, str, str]] = {}
        self.sender = current_app.config["MAIL_DEFAULT_SENDER"]

    def parts(self, language: str) -> tuple[str, str, str]:
        wanted = language or ("ru" if self.subjects.get("ru") else "en")
        used = version_for(self.subjects, self.bodies, wanted)
        if used not in self.cache:
            office = self.message.office.name if self.message.office else ""
            with force_locale(used):
                context = {"subject": self.subjects[used], "office": office,
                           "kind": str(KIND_LABELS[self.message.kind]),
                           "unsubscribe_url": self.MARK}
                plain = render_template("messages/mail/bulk.txt",
                                        body=text.to_text(self.bodies[used]), **context)
                html = render_template("messages/mail/bulk.html",
                                       body=text.to_html(self.bodies[used]), **context)
            self.cache[used] = (self.subjects[used], plain, html)
        return self.cache[used]

    def telegram_text(self, recipient) -> str:
        """The Telegram version: the subject, the text as written, the way to turn it off."""
        wanted = recipient.language or ("ru" if self.subjects.get("ru") else "en")
        used = version_for(self.subjects, self.bodies, wanted)
        link = tokens.unsubscribe_url(recipient.record_id, self.message.kind)
        with force_locale(used):
            footer = _("To stop receiving “%(kind)s”: %(url)s",
                       kind=str(KIND_LABELS[self.message.kind]), url=link)
        return f"{self.subjects[used]}\n\n{text.to_text(self.bodies[used])}\n\n{footer}"

    def build(self, recipient: MessageRecipient) -> Message:
        """The person's e-mail. Built with the email package's fast legacy classes: the
        modern API parses every header again and made 5,000 messages take minutes."""
        subject, plain, html = self.parts(recipient.language)
        link = tokens.unsubscribe_url(recipient.record_id, self.message.kind)
        email = MIMEMultipart("alternative")
        email.attach(MIMEText(plain.replace(self.MARK, link), "plain", "utf-8"))
        email.attach(MIMEText(html.replace(self.MARK, link), "html", "utf-8"))
        if self.attachments:
            outer = MIMEMultipart("mixed")
            outer.attach(email)
            for attachment in self._attachment_parts():
                outer.attach(attachment)
            email = outer
        email["From"] = self.sender
        email["To"] = recipient.address
        email["Subject"] = Header(subject, "utf-8")
        email["Message-ID"] = make_msgid(domain="alumni.local")
        email["Date"] = formatdate(localtime=False)
        if self.message.reply_to:
            office = self.message.office.name if self.message.office else ""
            email["Reply-To"] = formataddr((office, self.message.reply_to), charset="utf-8")
        email["List-Unsubscribe"] = f"<{link}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email["Auto-Submitted"] = "auto-generated"
        email.policy = UNFOLDED  # the unsubscribe link stays on its header's line
        return email

    def _attachment_parts(self) -> list[MIMEBase]:
        if not hasattr(self, "_encoded"):  # each attachment encoded once for the message
            self._encoded = [(a, base64.encodebytes(a.content).decode("ascii"))
                             for a in self.attachments]
        parts = []
        for attachment, encoded in self._encoded:
            main, _slash, sub = attachment.content_type.partition("/")
            part = MIMEBase(main, sub or "octet-stream")
            part.set_payload(encoded)
            part["Content-Transfer-Encoding"] = "base64"
            part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
            parts.append(part)
        return parts


def _hard_bounce(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    return False


def _words(answer) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


def server_answer(exc: BaseException) -> str:
    """What the mail server said, in words (its code and text), for the delivery log."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, answer = next(iter(exc.recipients.values()))
        return f"{code} {_words(answer)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_words(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


def mark_bounced(address: str, reason: str) -> None:
    address = address.strip().lower()[:254]
    if not address or db.session.get(BouncedAddress, address) is not None:
        return
    db.session.add(BouncedAddress(address=address, reason=reason[:500]))


def _send_one(renderer: _Renderer, connection, message_id: int, recipient) -> str:
    """Hand one person's e-mail to the server; its state (sent, or refused: bounced, failed).
    Raise MailServerTrouble when the server is down or busy."""
    if recipient.channel == "telegram":
        return _send_telegram(renderer, message_id, recipient)
    try:
        transmit(renderer.build(recipient), connection,
                 f"m{message_id:06d}-{recipient.id:07d}")
    except MAIL_ERRORS as exc:
        answer = server_answer(exc)[:500]
        log.warning("message %s to %r not delivered: %s", message_id, recipient.address,
                    answer)
        if server_trouble(exc):
            raise MailServerTrouble(answer) from exc
        return _refused(recipient, exc, answer)
    return RecipientState.SENT.value


def _send_telegram(renderer: _Renderer, message_id: int, recipient) -> str:
    from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

    from alumni_app.messages import telegram

    try:
        telegram.send(recipient.address, renderer.telegram_text(recipient))
    except (BadRequest, Forbidden) as exc:  # blocked the bot, chat gone: this one fails
        answer = f"Telegram: {exc}"[:500]
    except (RetryAfter, NetworkError) as exc:  # Telegram unreachable or busy: later
        raise MailServerTrouble(f"Telegram: {exc}") from exc
    except TelegramError as exc:
        answer = f"Telegram: {exc}"[:500]
    else:
        return RecipientState.SENT.value
    log.warning("message %s to Telegram chat %s not delivered: %s", message_id,
                recipient.address, answer)
    _set([recipient.id], state=RecipientState.FAILED.value, last_error=answer)
    return RecipientState.FAILED.value


def _refused(recipient, exc: BaseException, answer: str) -> str:
    """The server refused this one message: bounced (the address is marked) or failed."""
    state = RecipientState.FAILED
    if _hard_bounce(exc):
        mark_bounced(recipient.address, answer)
        state = RecipientState.BOUNCED
    _set([recipient.id], state=state.value, last_error=answer)
    return state.value


def deliver(message_id: int) -> dict:
    """Send every queued recipient of the message that nobody else holds; return the counts.

    Raise MailServerTrouble when the mail server is down (what is left waits for a retry)."""
    if not has_request_context():  # links need a host: SERVER_NAME or localhost
        with current_app.test_request_context():
            return deliver(message_id)
    message = db.session.get(BulkMessage, message_id)
    if message is None:
        return {"sent": 0}
    renderer, connection = _Renderer(message), Connection()
    tally = {"sent": 0, "failed": 0, "bounced": 0}
    total = db.session.scalar(sa.select(sa.func.count()).where(
        MessageRecipient.message_id == message_id,
        MessageRecipient.state == RecipientState.QUEUED.value))
    jobs.progress(0, total)
    sent: list[int] = []

    def record_sent() -> None:
        """Mark what the server took as sent, in one UPDATE, and commit."""
        if sent:
            _set(sent, state=RecipientState.SENT.value, sent_at=utcnow(), last_error=None)
            sent.clear()
        jobs.progress(sum(tally.values()))
        db.session.commit()

    try:
        while batch := claim_batch(message_id):
            for index, recipient in enumerate(batch):
                try:
                    state = _send_one(renderer, connection, message_id, recipient)
                except MailServerTrouble as trouble:
                    _set([r.id for r in batch[index:]], claimed_at=None,
                         last_error=str(trouble))
                    record_sent()
                    raise
                if state == RecipientState.SENT.value:
                    sent.append(recipient.id)
                tally[state] += 1
                if len(sent) >= COMMIT_EVERY:
                    record_sent()
            record_sent()
    finally:
        connection.close()
    return tally


@jobs.task("messages.send", label=_l("Bulk e-mail"), when=has_pending,
           office=lambda message_id: db.session.scalar(
               sa.select(BulkMessage.office_id).where(BulkMessage.id == message_id)))
def send_message(message_id: int) -> dict:
    """Deliver one bulk message (tried again while the mail server is down)."""
    return deliver(message_id)


@jobs.task("messages.resume", periodic=jobs.crontab(), tracked=False)
def resume_all() -> int:
    """Every minute: queue the sending of messages with recipients left (after a restart, a
    lost queue, a lease run out)."""
    now = utcnow()
    lease = timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])
    ids = list(db.session.scalars(sa.select(MessageRecipient.message_id).where(
        MessageRecipient.state == RecipientState.QUEUED.value,
        sa.or_(MessageRecipient.claimed_at.is_(None),
               MessageRecipient.claimed_at < now - lease)).distinct()))
    for message_id in ids:
        start(message_id)
    return len(ids)


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


__all__ = ["queue_bulk_mail", "start", "send_message", "preview", "deliver", "_"]
