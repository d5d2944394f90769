"""Telegram, a second channel (off unless TELEGRAM_ENABLED): filled in by the Telegram slice."""

from __future__ import annotations

from flask import current_app


def enabled() -> bool:
    return bool(current_app.config.get("TELEGRAM_ENABLED", False))


def state_for(user) -> dict | None:
    """What the preferences page shows about the user's Telegram link (None: channel off)."""
    if not enabled():
        return None
    return {"linked": False}
