"""E-mail through an outbox table written in the request's transaction, delivered after commit
and after the response was sent."""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, g, render_template
from flask_babel import force_locale
from sqlalchemy.orm import Mapped, mapped_column

from alumni_app.db import UTCDateTime, utcnow
from alumni_app.extensions import db

log = logging.getLogger("alumni_app.mail")


class OutboundEmail(db.Model):
    __tablename__ = "outbound_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))


def send_email(recipient: str, template: str, *, locale: str = "en", **context) -> OutboundEmail:
    """Queue an e-mail rendered from templates/mail/<template>.txt in the recipient's language.

    The first line of the rendered template is the subject. The message is delivered after the
    request commits, so a rolled-back transaction sends nothing.
    """
    with force_locale(locale):
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


def _deliver_smtp(email: EmailMessage) -> None:
    cfg = current_app.config
    timeout = cfg["MAIL_TIMEOUT"]
    if cfg["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=timeout)
    else:
        smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=timeout)
    with smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        smtp.send_message(email)


def _deliver_file(email: EmailMessage, message: OutboundEmail) -> None:
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S")
    (outbox / f"{stamp}-{message.id:06d}.eml").write_bytes(bytes(email))


def sent_messages() -> list[EmailMessage]:
    """Messages delivered by the in-memory backend (tests read these)."""
    return current_app.extensions.setdefault("sent_mail", [])


def deliver(message: OutboundEmail) -> bool:
    """Try to deliver one queued message; record the outcome on the row."""
    email = _build(message)
    backend = current_app.config["MAIL_BACKEND"]
    message.attempts += 1
    try:
        if backend == "smtp":
            _deliver_smtp(email)
        elif backend == "file":
            _deliver_file(email, message)
        else:
            sent_messages().append(email)
    except (OSError, smtplib.SMTPException) as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:500]
        log.warning("mail %s to %r not delivered: %s", message.id, message.recipient, exc)
        return False
    message.sent_at = utcnow()
    message.last_error = None
    return True


def deliver_pending(ids: list[int] | None = None, limit: int = 100) -> tuple[int, int]:
    """Deliver queued messages (the given ids, or the oldest unsent); return (sent, failed)."""
    query = sa.select(OutboundEmail).where(OutboundEmail.sent_at.is_(None))
    if ids is not None:
        query = query.where(OutboundEmail.id.in_(ids))
    rows = db.session.scalars(query.order_by(OutboundEmail.id).limit(limit)).all()
    results = [deliver(row) for row in rows]
    db.session.commit()
    return results.count(True), results.count(False)


def deliver_after_request(response):
    """After a request that queued mail, deliver it once the response has gone out.

    The SMTP exchange runs when the server closes the response (werkzeug's call_on_close),
    with an app context of its own, so the person never waits for the mail server; a failure
    stays in the outbox for `flask send-mail`. Under TESTING (or MAIL_DELIVER_IN_REQUEST) the
    mail is delivered before the response returns, so tests read it at once.
    """
    ids = g.pop("queued_mail_ids", None)
    if not ids:
        return response
    app = current_app._get_current_object()
    if app.config.get("MAIL_DELIVER_IN_REQUEST", app.testing):
        _deliver_queued(ids)
    else:
        response.call_on_close(lambda: _deliver_in_own_context(app, ids))
    return response


def _deliver_queued(ids: list[int]) -> None:
    try:
        deliver_pending(ids)
    except Exception:  # noqa: BLE001 - mail must never break the response
        db.session.rollback()
        log.exception("delivering queued mail failed; it stays in the outbox")


def _deliver_in_own_context(app, ids: list[int]) -> None:
    with app.app_context():
        try:
            _deliver_queued(ids)
        finally:
            db.session.remove()
