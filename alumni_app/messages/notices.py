"""Reminders on Telegram: a plan's check-in, a grant report due. The features that send them
call `hooks.also_elsewhere(user, key, subject, body)` with the e-mail they just wrote (already in
the person's language, sent only to those who did not turn that reminder off); `notify` queues
the same words for the person's linked chat in the reminder's own transaction, once per key;
`deliver` sends what is queued, each notice claimed by a conditional UPDATE first so that it
goes out once; its words are dropped once it is sent or refused (the key stays). The reminder
runs deliver right after their commit; the bot's minute (telegram.read_updates_task) sends
what is left (Telegram was down, a run stopped).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.messages import telegram
from alumni_app.messages.models import RecipientState, TelegramLink, TelegramNotice

log = logging.getLogger("alumni_app.messages")
BATCH = 200
QUEUED, SENT, FAILED = (RecipientState.QUEUED.value, RecipientState.SENT.value,
                        RecipientState.FAILED.value)


def notify(user, key: str, subject: str, body: str) -> bool:
    """Queue the reminder for the user's Telegram chat (not flushed: the caller's commit writes
    it with the reminder); False when Telegram is off, the user has no linked chat, or this
    key was queued already."""
    if user is None or getattr(user, "id", None) is None or not telegram.enabled():
        return False
    if not telegram.linked_chats({user.id}):
        return False
    if db.session.scalar(sa.select(TelegramNotice.id).where(TelegramNotice.key == key)):
        return False
    text = f"{subject}\n\n{body}".strip()[:telegram.MAX_TEXT]
    db.session.add(TelegramNotice(key=key[:120], user_id=user.id, text=text))
    return True


def _unsent(now):
    lease = timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])
    return sa.and_(TelegramNotice.state == QUEUED,
                   sa.or_(TelegramNotice.claimed_at.is_(None),
                          TelegramNotice.claimed_at < now - lease))


def claim(size: int = BATCH) -> list[int]:
    """Take up to `size` unsent notices for this sender, committed at once."""
    now = utcnow()
    ids = list(db.session.scalars(sa.select(TelegramNotice.id).where(_unsent(now))
                                  .order_by(TelegramNotice.id).limit(size)))
    if not ids:
        return []
    taken = list(db.session.scalars(
        sa.update(TelegramNotice).where(TelegramNotice.id.in_(ids), _unsent(now))
        .values(claimed_at=now, attempts=TelegramNotice.attempts + 1)
        .returning(TelegramNotice.id).execution_options(synchronize_session=False)))
    db.session.commit()
    return sorted(taken)


def _mark(ids: list[int], **values) -> None:
    db.session.execute(sa.update(TelegramNotice).where(TelegramNotice.id.in_(ids))
                       .values(**values).execution_options(synchronize_session=False))
    db.session.commit()


class _TelegramDown(Exception):
    pass


def _send_one(notice_id: int) -> bool:
    """Send one claimed notice and record its outcome (True: sent); raise _TelegramDown when
    Telegram is unreachable or busy (the notice waits)."""
    from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

    user_id, text = db.session.execute(sa.select(TelegramNotice.user_id, TelegramNotice.text)
                                       .where(TelegramNotice.id == notice_id)).one()
    chat_id = db.session.scalar(sa.select(TelegramLink.chat_id).where(
        TelegramLink.user_id == user_id))
    if chat_id is None:  # unlinked since it was queued
        _mark([notice_id], state=FAILED, text="", last_error="Telegram: not linked any more")
        return False
    try:
        telegram.send(str(chat_id), text)
    except (RetryAfter, NetworkError) as exc:
        raise _TelegramDown(f"Telegram: {exc}") from exc
    except (BadRequest, Forbidden, TelegramError) as exc:  # blocked the bot, chat gone
        log.warning("reminder %s to Telegram chat %s not delivered: %s", notice_id, chat_id,
                    exc)
        _mark([notice_id], state=FAILED, text="", last_error=f"Telegram: {exc}"[:500])
        return False
    _mark([notice_id], state=SENT, text="", sent_at=utcnow(), last_error=None)
    return True


def deliver() -> int:
    """Send every queued notice nobody else holds; return how many were sent. When Telegram
    is down the claims are released and the rest waits for the next run."""
    if not telegram.enabled():
        return 0
    sent = 0
    while batch := claim():
        for index, notice_id in enumerate(batch):
            try:
                sent += _send_one(notice_id)
            except _TelegramDown as down:
                _mark(batch[index:], claimed_at=None, last_error=str(down)[:500])
                log.warning("reminders on Telegram wait: %s", down)
                return sent
    return sent


def register(app) -> None:
    from alumni_app import hooks

    hooks.register(app, hooks.OTHER_CHANNELS, "telegram", notify)
    hooks.register(app, hooks.OTHER_CHANNELS_DELIVERY, "telegram", deliver)
