"""E-mail through an outbox table written in the request's transaction, delivered after commit
by a background thread, never by the request.

Every message is *claimed* before it is handed to the mail server: a conditional UPDATE that
only one sender wins (`claimed_at` empty or its lease run out, and not sent yet), committed at
once. Its outcome is committed as soon as the server took it (or refused it). So the
background sender and `flask send-mail` never send the same row twice, a sender that dies
half-way through a batch keeps the messages it sent marked as sent, and a message claimed by
a sender that died is taken again once its lease (MAIL_CLAIM_SECONDS) has run out.
"""

from __future__ import annotations

import logging
import os
import queue
import smtplib
import ssl
import threading
import time
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, g, render_template
from flask_babel import force_locale
from sqlalchemy.orm import Mapped, mapped_column

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


def send_email(recipient: str, template: str, *, locale: str = "en", **context) -> OutboundEmail:
    """Queue an e-mail rendered from templates/mail/<template>.txt in the recipient's language.

    The first line of the rendered template is the subject; times are written in the zone of
    the recipient (`user` in the context). The message is delivered after the request commits,
    so a rolled-back transaction sends nothing.
    """
    with force_locale(locale), times_for(context.get("user")):
        text = render_template(f"mail/{template}.txt", **context)
    subject, _, body = text.strip().partition("\n")
    message = OutboundEmail(recipient=recipient, subject=subject.strip()[:255], body=body.strip())
    db.session.add(message)
    db.session.flush()
    g.setdefault("queued_mail_ids", []).append(message.id)
    return message


def _build(message: OutboundEmail) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="alumni.local")
    email.set_content(message.body)
    return email


class _Smtp:
    """One connection to the mail server for a batch, opened at the first message."""

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = _connect()
        try:
            self.smtp.send_message(email)
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


def _deliver_smtp(email: EmailMessage, connection: _Smtp) -> None:
    connection.send(email)


def _deliver_file(email: EmailMessage, message: OutboundEmail) -> None:
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S")
    (outbox / f"{stamp}-{message.id:06d}.eml").write_bytes(bytes(email))


def sent_messages() -> list[EmailMessage]:
    """Messages delivered by the in-memory backend (tests read these)."""
    return current_app.extensions.setdefault("sent_mail", [])


def _hand_over(message: OutboundEmail, connection: _Smtp) -> None:
    email = _build(message)
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "smtp":
        _deliver_smtp(email, connection)
    elif backend == "file":
        _deliver_file(email, message)
    else:
        sent_messages().append(email)


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
    refusal releases the claim, so `flask send-mail` tries again.
    """
    if not claim(message_id):
        return None
    message = db.session.get(OutboundEmail, message_id)
    try:
        _hand_over(message, connection or _Smtp())
    except MAIL_ERRORS as exc:
        log.warning("mail %s to %r not delivered: %s", message_id, message.recipient, exc)
        _finish(message_id, claimed_at=None, last_error=f"{type(exc).__name__}: {exc}"[:500])
        return False
    _finish(message_id, sent_at=utcnow(), last_error=None)
    return True


def deliver_pending(ids: list[int] | None = None, limit: int = 100) -> tuple[int, int]:
    """Deliver queued messages (the given ids, or the oldest unsent that no sender holds);
    return (sent, failed). Messages another sender holds are left to it."""
    db.session.commit()  # what the caller queued must be visible before it is claimed
    query = sa.select(OutboundEmail.id).where(_claimable(utcnow()))
    if ids is not None:
        query = query.where(OutboundEmail.id.in_(ids))
    candidates = db.session.scalars(query.order_by(OutboundEmail.id).limit(limit)).all()
    outcomes, connection = [], _Smtp()
    try:
        for message_id in candidates:
            outcomes.append(deliver(message_id, connection))
    finally:
        connection.close()
    return outcomes.count(True), outcomes.count(False)


def deliver_after_request(response):
    """After a request that queued mail, hand its messages to this process's mail sender.

    The request has committed by now (views commit once, before they return). The sender is a
    background thread with its own app context, so no request ever waits for the mail server,
    however slow; what fails stays in the outbox for `flask send-mail`. With
    MAIL_DELIVER_IN_REQUEST (the tests' setting) it is delivered before the response returns,
    so tests read it at once.
    """
    ids = g.pop("queued_mail_ids", None)
    if not ids:
        return response
    app = current_app._get_current_object()
    if app.config["MAIL_DELIVER_IN_REQUEST"]:
        _deliver_queued(ids)
    else:
        sender(app).put(ids)
    return response


def _deliver_queued(ids: list[int]) -> None:
    try:
        deliver_pending(ids)
    except Exception:  # noqa: BLE001 - mail must never break the response
        db.session.rollback()
        log.exception("delivering queued mail failed; it stays in the outbox")


class Sender:
    """One daemon thread per process delivering the messages of requests, one batch at a time.

    Its queue is bounded: when the mail server is so slow that batches pile up, the newest
    wait in the outbox for `flask send-mail` instead of in memory.
    """

    WAITING = 200

    def __init__(self, app) -> None:
        self.app = app
        self.pid = os.getpid()
        self.queue: queue.Queue[list[int]] = queue.Queue(maxsize=self.WAITING)
        self.thread = threading.Thread(target=self._run, name="mail-sender", daemon=True)
        self.thread.start()

    def put(self, ids: list[int]) -> None:
        try:
            self.queue.put_nowait(list(ids))
        except queue.Full:
            log.warning("mail sender busy: %s message(s) left for send-mail", len(ids))

    def wait(self, timeout: float = 30.0) -> bool:
        """Wait until every batch handed over so far was dealt with (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def _run(self) -> None:
        while True:
            ids = self.queue.get()
            try:
                with self.app.app_context():
                    try:
                        _deliver_queued(ids)
                    finally:
                        db.session.remove()
            except Exception:  # noqa: BLE001 - the thread must live on for the next batch
                log.exception("the mail sender failed; the mail stays in the outbox")
            finally:
                self.queue.task_done()


_senders_lock = threading.Lock()


def sender(app) -> Sender:
    """This process's mail sender for `app`, started at first use (and again after a fork)."""
    with _senders_lock:
        current = app.extensions.get("mail_sender")
        if current is None or current.pid != os.getpid() or not current.thread.is_alive():
            current = app.extensions["mail_sender"] = Sender(app)
        return current
