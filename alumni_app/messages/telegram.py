"""Telegram, a second channel (python-telegram-bot), off unless TELEGRAM_ENABLED.

An alumnus links their Telegram account from the mail preferences page: a one-time code (15
minutes) in a deep link to the office's bot (https://t.me/<bot>?start=<code>). The bot's updates
are read every minute (getUpdates); "/start <code>" links the chat that sent it. Bulk messages
then reach linked people on Telegram too, in their language, with the same opt-outs (a
recipient row on the "telegram" channel, claimed like an e-mail's).

Settings: TELEGRAM_ENABLED, TELEGRAM_BOT_TOKEN, TELEGRAM_BOT_USERNAME, TELEGRAM_API_URL (the
Bot API's address; tests point it at a local fake).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from alumni_app import audit, jobs
from alumni_app.accounts.models import User
from alumni_app.db import utcnow
from alumni_app.errors import DomainError
from alumni_app.extensions import db
from alumni_app.messages.models import TelegramLink

log = logging.getLogger("alumni_app.messages")
CODE_MINUTES = 15
MAX_TEXT = 4000  # Telegram's limit is 4096 characters


class TelegramError(DomainError):
    MESSAGES = {"off": _l("Telegram is not available on this site.")}
    status = 404


def enabled() -> bool:
    return bool(current_app.config.get("TELEGRAM_ENABLED", False)
                and current_app.config.get("TELEGRAM_BOT_TOKEN"))


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _bot():
    from telegram import Bot
    from telegram.request import HTTPXRequest

    cfg = current_app.config
    return Bot(cfg["TELEGRAM_BOT_TOKEN"],
               base_url=cfg.get("TELEGRAM_API_URL") or "https://api.telegram.org/bot",
               request=HTTPXRequest(connect_timeout=5, read_timeout=10))


async def _call(method: str, **kwargs):
    async with _bot() as bot:
        return await getattr(bot, method)(**kwargs)


def call(method: str, **kwargs):
    """Call a Bot API method (python-telegram-bot is asynchronous; the app is not)."""
    return asyncio.run(_call(method, **kwargs))


def link_of(user) -> TelegramLink | None:
    return db.session.get(TelegramLink, user.id) if getattr(user, "id", None) else None


def state_for(user) -> dict | None:
    """What the preferences page shows about the user's Telegram link (None: channel off)."""
    if not enabled():
        return None
    link = link_of(user)
    return {"linked": bool(link and link.chat_id)}


def start_link(user) -> str:
    """A new one-time code for the user; return the deep link to the bot."""
    if not enabled():
        raise TelegramError("off")
    code = secrets.token_urlsafe(18)
    link = link_of(user) or TelegramLink(user_id=user.id)
    link.code_hash, link.code_expires_at = _hash(code), utcnow() + timedelta(
        minutes=CODE_MINUTES)
    db.session.add(link)
    db.session.flush()
    return f"https://t.me/{current_app.config.get('TELEGRAM_BOT_USERNAME', '')}?start={code}"


def unlink(user) -> None:
    link = link_of(user)
    if link is not None and link.chat_id is not None:
        link.chat_id, link.linked_at = None, None
        audit.record("telegram.unlinked", actor=user, subject=user)
        db.session.flush()


def _redeem(code: str, chat_id: int) -> User | None:
    link = db.session.scalar(sa.select(TelegramLink).where(
        TelegramLink.code_hash == _hash(code), TelegramLink.code_expires_at > utcnow()))
    if link is None:
        return None
    db.session.execute(sa.update(TelegramLink).where(TelegramLink.chat_id == chat_id,
                                                     TelegramLink.user_id != link.user_id)
                       .values(chat_id=None, linked_at=None))
    link.chat_id, link.linked_at = chat_id, utcnow()
    link.code_hash, link.code_expires_at = None, None  # used once
    user = db.session.get(User, link.user_id)
    audit.record("telegram.linked", actor=user, subject=user)
    db.session.flush()
    return user


def read_updates() -> int:
    """Link the chats that sent "/start <code>"; answer each; return how many were linked."""
    if not enabled():
        return 0
    updates = call("get_updates", timeout=0)
    linked = 0
    for update in updates:
        message = update.message
        text = (message.text or "") if message else ""
        if not text.startswith("/start"):
            continue
        code = text.partition(" ")[2].strip()
        user = _redeem(code, message.chat.id) if code else None
        db.session.commit()
        language = user.preferred_language if user else "ru"
        with force_locale(language):
            answer = (_("Your Telegram is linked to the alumni network: announcements will "
                        "reach you here too. Turn them off in your mail preferences.")
                      if user else _("This link has expired or was used already. Open the "
                                     "mail preferences page and link Telegram again."))
        call("send_message", chat_id=message.chat.id, text=answer)
        linked += user is not None
    if updates:  # confirm them, so they are not read again
        call("get_updates", offset=updates[-1].update_id + 1, timeout=0)
    return linked


@jobs.task("messages.telegram_updates", periodic=jobs.crontab(), tracked=False)
def read_updates_task() -> int:
    """Every minute: the bot's new messages (account links), then the reminders left to send
    on Telegram (notices.deliver)."""
    from telegram.error import TelegramError as BotError

    from alumni_app.messages import notices

    try:
        linked = read_updates()
    except BotError as exc:
        log.warning("telegram updates not read: %s", exc)
        linked = 0
    notices.deliver()
    return linked


def linked_chats(user_ids: set[int]) -> dict[int, int]:
    """{user id: chat id} of the linked accounts among `user_ids`."""
    if not user_ids or not enabled():
        return {}
    return dict(db.session.execute(sa.select(TelegramLink.user_id, TelegramLink.chat_id).where(
        TelegramLink.user_id.in_(user_ids), TelegramLink.chat_id.is_not(None))).all())


def send(chat_id: str, text: str) -> None:
    """Send a message; raise telegram.error.TelegramError when it was not delivered."""
    call("send_message", chat_id=int(chat_id), text=text[:MAX_TEXT],
         disable_web_page_preview=True)
