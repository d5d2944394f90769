"""E-mail through an outbox table written in the request's transaction, delivered after commit
by a task on the queue (`flask worker`), never by the request or a thread of the web server.

Every message is *claimed* before it is handed to the mail server: a conditional UPDATE that
only one sender wins (`claimed_at` empty or its lease run out, and not sent yet), committed at
once. Its outcome is committed as soon as the server took it (or refused it). So two workers,
the schedule's delivery every minute and `flask send-mail` never send the same row twice, a
worker that dies half-way through a batch keeps the messages it sent marked as sent, and a
message claimed by a worker that died is taken again once its lease (MAIL_CLAIM_SECONDS) ran out.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, g, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from alumni_app import jobs
from alumni_app.db import UTCDateTime, utcnow
from alumni_app.extensions import db
from alumni_app.times import times_for

log = logging.getLogger("alumni_app.mail")
MAIL_ERRORS = (OSError, smtplib.SMTPException)


class OutboundEmail(db.Model):
    __tablename__ = "outbound_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When a sender took the message (its lease); empty while nobody is sending it.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))


class EmailAttachment(db.Model):
    """A file sent with a queued message (a calendar invitation, a QR code): kept with it in
    the outbox until it is delivered."""

    __tablename__ = "outbound_email_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_id: Mapped[int] = mapped_column(sa.ForeignKey("outbound_emails.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(120))
    content_type: Mapped[str] = mapped_column(sa.String(100))  # "text/calendar", "image/png"
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


def send_email(recipient: str, template: str, *, locale: str = "en",
               attachments: list[tuple[str, str, bytes]] = (), **context) -> OutboundEmail:
    """Queue an e-mail rendered from templates/mail/<template>.txt in the recipient's language.

    The first line of the rendered template is the subject; times are written in the zone of
    the recipient (`user` in the context). The message is delivered after the request commits,
    so a rolled-back transaction sends nothing. `attachments` are (filename, content type,
    bytes) sent with it.
    """
    with force_locale(locale), times_for(context.get("user")):
        text = render_template(f"mail/{template}.txt", **context)
    subject, _, body = text.strip().partition("\n")
    message = OutboundEmail(recipient=recipient, subject=subject.strip()[:255], body=body.strip())
    db.session.add(message)
    db.session.flush()
    for filename, content_type, data in attachments:
        db.session.add(EmailAttachment(email_id=message.id, filename=filename,
                                       content_type=content_type, data=data))
    g.setdefault("queued_mail_ids", []).append(message.id)
    return message


def _build(message: OutboundEmail) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="alumni.local")
    email.set_content(message.body)
    for part in db.session.scalars(sa.select(EmailAttachment).where(
            EmailAttachment.email_id == message.id).order_by(EmailAttachment.id)):
        maintype, _, subtype = part.content_type.partition("/")
        if maintype == "text":  # sent as UTF-8 text, so readers decode it right
            email.add_attachment(part.data.decode("utf-8"), subtype=subtype or "plain",
                                 filename=part.filename)
        else:
            email.add_attachment(part.data, maintype=maintype,
                                 subtype=subtype or "octet-stream", filename=part.filename)
    return email


def server_trouble(exc: BaseException) -> bool:
    """True when the mail server is down or busy (try later), not when it refused one message."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return any(code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code < 500
    return isinstance(exc, (OSError, smtplib.SMTPServerDisconnected))


class _Smtp:
    """One connection to the mail server for a batch, opened at the first message.

    After the server failed (down, busy, connection lost) `trouble` holds the error: the rest
    of the batch waits for the next delivery rather than each message waiting for a timeout.
    """

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None
        self.trouble: BaseException | None = None

    def send(self, email: EmailMessage, sender: str | None = None) -> None:
        if self.smtp is None:
            self.smtp = _connect()
        try:
            self.smtp.send_message(email, from_addr=sender)
        except MAIL_ERRORS:
            self.close()  # the next message starts afresh
            raise

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except MAIL_ERRORS:
                smtp.close()


def _connect() -> smtplib.SMTP:
    cfg = current_app.config
    timeout = cfg["MAIL_TIMEOUT"]
    if cfg["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=timeout)
    else:
        smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=timeout)
    try:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _deliver_smtp(email: EmailMessage, connection: _Smtp, sender: str | None = None) -> None:
    connection.send(email, sender)


def _deliver_file(email: EmailMessage, message: OutboundEmail | str) -> None:
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S")
    name = message if isinstance(message, str) else f"{message.id:06d}"
    (outbox / f"{stamp}-{name}.eml").write_bytes(bytes(email))


def sent_messages() -> list[EmailMessage]:
    """Messages delivered by the in-memory backend (tests read these)."""
    return current_app.extensions.setdefault("sent_mail", [])


def _hand_over(message: OutboundEmail, connection: _Smtp) -> None:
    transmit(_build(message), connection, message)


def transmit(email: EmailMessage, connection: _Smtp, name: OutboundEmail | str,
             sender: str | None = None) -> None:
    """Hand a built message (any parts, attachments and headers) to the configured backend;
    `name` names its file in the file backend, `sender` is the SMTP envelope sender (where
    bounce reports go; the From address when None). Raises MAIL_ERRORS when the server
    refuses."""
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "smtp":
        _deliver_smtp(email, connection, sender)
    elif backend == "file":
        _deliver_file(email, name)
    else:
        sent_messages().append(email)


Connection = _Smtp  # one connection to the mail server for a batch (bulk messages use it too)


def _claimable(now: datetime):
    lease = timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])
    return sa.and_(OutboundEmail.sent_at.is_(None),
                   sa.or_(OutboundEmail.claimed_at.is_(None),
                          OutboundEmail.claimed_at < now - lease))


def claim(message_id: int) -> bool:
    """Take one unsent message for this sender, committed at once; False if another has it."""
    now = utcnow()
    result = db.session.execute(
        sa.update(OutboundEmail).where(OutboundEmail.id == message_id, _claimable(now))
        .values(claimed_at=now, attempts=OutboundEmail.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def _finish(message_id: int, **values) -> None:
    db.session.execute(sa.update(OutboundEmail).where(OutboundEmail.id == message_id)
                       .values(**values).execution_options(synchronize_session=False))
    db.session.commit()


def deliver(message_id: int, connection: _Smtp | None = None) -> bool | None:
    """Claim one message and hand it to the mail server; None if another sender has it.

    Its outcome is committed at once: a sender killed after this message keeps it sent. A
    refusal releases the claim, so the next delivery tries again.
    """
    if not claim(message_id):
        return None
    message = db.session.get(OutboundEmail, message_id)
    connection = connection or _Smtp()
    try:
        _hand_over(message, connection)
    except MAIL_ERRORS as exc:
        log.warning("mail %s to %r not delivered: %s", message_id, message.recipient, exc)
        _finish(message_id, claimed_at=None, last_error=f"{type(exc).__name__}: {exc}"[:500])
        if server_trouble(exc):
            connection.trouble = exc
        return False
    _finish(message_id, sent_at=utcnow(), last_error=None)
    return True


def _pending(ids: list[int] | None, limit: int) -> list[int]:
    query = sa.select(OutboundEmail.id).where(_claimable(utcnow()))
    if ids is not None:
        query = query.where(OutboundEmail.id.in_(ids))
    # Messages never tried first: a few the server keeps refusing do not hold the others back.
    order = (OutboundEmail.attempts, OutboundEmail.id)
    return list(db.session.scalars(query.order_by(*order).limit(limit)))


def deliver_pending(ids: list[int] | None = None, limit: int = 100) -> tuple[int, int]:
    """Deliver queued messages (the given ids, or the oldest unsent that no sender holds);
    return (sent, failed). Messages another sender holds are left to it; when the mail server
    is down or busy, the rest of the batch stays queued for the next delivery."""
    db.session.commit()  # what the caller queued must be visible before it is claimed
    outcomes, connection = [], _Smtp()
    try:
        for message_id in _pending(ids, limit):
            outcomes.append(deliver(message_id, connection))
            jobs.progress(len(outcomes))
            if connection.trouble is not None:
                break
    finally:
        connection.close()
    return outcomes.count(True), outcomes.count(False)


class MailNotDelivered(Exception):
    """Some messages of a delivery stayed in the outbox (the job is tried again later)."""


def _undelivered(ids: list[int]) -> list[OutboundEmail]:
    return list(db.session.scalars(sa.select(OutboundEmail).where(
        OutboundEmail.id.in_(ids), OutboundEmail.sent_at.is_(None),
        OutboundEmail.claimed_at.is_(None)).order_by(OutboundEmail.id)))


def _has_pending(ids: list[int]) -> bool:
    return bool(_pending(ids, 1))


@jobs.task("mail.deliver", label=_l("E-mail delivery"), when=_has_pending)
def deliver_mail(ids: list[int]) -> dict:
    """Deliver these queued messages; raise (to be retried) while some stay undelivered."""
    sent, failed = deliver_pending(ids, limit=len(ids))
    left = _undelivered(ids)
    if left:
        raise MailNotDelivered(
            f"{len(left)} of {len(ids)} message(s) not delivered yet ({sent} sent now); "
            f"the mail server said: {left[0].last_error or 'nothing (not tried)'}")
    return {"sent": sent}


BATCH = 100


@jobs.task("mail.deliver_pending", periodic=jobs.crontab(), tracked=False)
def deliver_all_pending(limit: int = 10_000) -> int:
    """Deliver what is left in the outbox (every minute): batch after batch until the outbox
    is empty, a batch sends nothing, or the mail server is in trouble. Return how many went."""
    total = 0
    for start in range(0, limit, BATCH):
        ids = _pending(None, min(BATCH, limit - start))
        if not ids:
            break
        try:
            counts = deliver_mail.call_local(ids) or {}
        except MailNotDelivered:
            break  # recorded as a failed job; the next minute tries again
        total += counts.get("sent", 0)
        if not counts.get("sent"):
            break
    return total


def queue_delivery(response):
    """After a request that queued mail, put its delivery on the queue.

    The request has committed by now (views commit once, before they return), so the task
    finds the messages; a request that rolled back left none, and its task finds nothing to
    do. No request waits for the mail server. When the queue cannot be reached the mail waits
    in the outbox for the schedule's delivery (every minute).
    """
    ids = g.pop("queued_mail_ids", None) or []
    for start in range(0, len(ids), BATCH):  # a task per 100: workers share a big send
        jobs.enqueue(deliver_mail, ids[start:start + BATCH])
    return response
