"""Fixtures of the messages tests: the local fake of the Telegram Bot API."""

from __future__ import annotations

import pytest

from tests.messages.fake_telegram import TOKEN, FakeBotApi


@pytest.fixture
def bot_api(app):
    """Telegram on, its Bot API a local fake (what the bot sent is in `bot_api.sent`)."""
    api = FakeBotApi().start()
    app.config.update(TELEGRAM_ENABLED=True, TELEGRAM_BOT_TOKEN=TOKEN,
                      TELEGRAM_BOT_USERNAME="alumni_bot", TELEGRAM_API_URL=api.url)
    yield api
    api.stop()
