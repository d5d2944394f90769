"""Bulk e-mail, claiming and delivering: recipient rows claimed in batches by a conditional
UPDATE (not sent, no live claim), handed to the mail server or Telegram one by one, marked
sent every few messages; when the server is down the claims are released and
MailServerTrouble is raised, so the job is tried again.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context

from alumni_app import jobs
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.mail import MAIL_ERRORS, Connection, server_trouble, transmit
from alumni_app.messages import bounces
from alumni_app.messages.bulk_compose import Renderer
from alumni_app.messages.bulk_outcomes import (
    MailServerTrouble,
    refused,
    server_answer,
    update_recipients,
)
from alumni_app.messages.models import BulkMessage, MessageRecipient, RecipientState

log = logging.getLogger("alumni_app.messages")
BATCH = 200
# Outcomes are committed every few messages: a worker killed in between sends at most these
# few again once their lease ran out (the price of not committing once per message).
COMMIT_EVERY = 10


def unsent(now):
    """Recipient rows still to send: queued, and claimed by nobody or by a lease run out."""
    lease = timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])
    return sa.and_(MessageRecipient.state == RecipientState.QUEUED.value,
                   sa.or_(MessageRecipient.claimed_at.is_(None),
                          MessageRecipient.claimed_at < now - lease))


def _claimable(message_id: int, now):
    return sa.and_(MessageRecipient.message_id == message_id, unsent(now))


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


def has_pending(message_id: int) -> bool:
    return db.session.scalar(sa.select(MessageRecipient.id).where(
        _claimable(message_id, utcnow())).limit(1)) is not None


def _send_one(renderer: Renderer, connection, message_id: int, recipient) -> str:
    """Hand one person's e-mail to the server; its state (sent, or refused: bounced, failed).
    Raise MailServerTrouble when the server is down or busy."""
    if recipient.channel == "telegram":
        return _send_telegram(renderer, message_id, recipient)
    try:
        email = renderer.build(recipient)
        signed = bounces.tag(message_id, recipient.id)  # a later bounce report names the row
        email[bounces.HEADER] = signed
        transmit(email, connection, f"m{message_id:06d}-{recipient.id:07d}",
                 bounces.return_path(signed))
    except MAIL_ERRORS as exc:
        answer = server_answer(exc)[:500]
        log.warning("message %s to %r not delivered: %s", message_id, recipient.address,
                    answer)
        if server_trouble(exc):
            raise MailServerTrouble(answer) from exc
        return refused(recipient, exc, answer)
    return RecipientState.SENT.value


def _send_telegram(renderer: Renderer, message_id: int, recipient) -> str:
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
    update_recipients([recipient.id], state=RecipientState.FAILED.value, last_error=answer)
    return RecipientState.FAILED.value


def deliver(message_id: int) -> dict:
    """Send every queued recipient of the message that nobody else holds; return the counts.

    Raise MailServerTrouble when the mail server is down (what is left waits for a retry)."""
    if not has_request_context():  # links need a host: SERVER_NAME or localhost
        with current_app.test_request_context():
            return deliver(message_id)
    message = db.session.get(BulkMessage, message_id)
    if message is None:
        return {"sent": 0}
    delivery = _Delivery(message_id, message)
    try:
        while batch := claim_batch(message_id):
            delivery.send_batch(batch)
    finally:
        delivery.connection.close()
    return delivery.tally


class _Delivery:
    """One run of `deliver`: its renderer, its connection, its counts, and the people the
    server took that are not yet marked sent."""

    def __init__(self, message_id: int, message: BulkMessage):
        self.message_id = message_id
        self.renderer, self.connection = Renderer(message), Connection()
        self.tally = {"sent": 0, "failed": 0, "bounced": 0}
        total = db.session.scalar(sa.select(sa.func.count()).where(
            MessageRecipient.message_id == message_id,
            MessageRecipient.state == RecipientState.QUEUED.value))
        jobs.progress(0, total)
        self.sent: list[int] = []

    def record_sent(self) -> None:
        """Mark what the server took as sent, in one UPDATE, and commit."""
        if self.sent:
            update_recipients(self.sent, state=RecipientState.SENT.value, sent_at=utcnow(),
                              last_error=None)
            self.sent.clear()
        jobs.progress(sum(self.tally.values()))
        db.session.commit()

    def send_batch(self, batch: list) -> None:
        """Send a claimed batch; when the server is down, release the claims not yet sent,
        record what was sent and raise MailServerTrouble."""
        for index, recipient in enumerate(batch):
            try:
                state = _send_one(self.renderer, self.connection, self.message_id, recipient)
            except MailServerTrouble as trouble:
                update_recipients([r.id for r in batch[index:]], claimed_at=None,
                                  last_error=str(trouble))
                self.record_sent()
                raise
            if state == RecipientState.SENT.value:
                self.sent.append(recipient.id)
            self.tally[state] += 1
            if len(self.sent) >= COMMIT_EVERY:
                self.record_sent()
        self.record_sent()
