"""The dashboards: unread news for alumni; messages that failed to reach people for staff."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from alumni_app.extensions import db
from alumni_app.messages import announcements
from alumni_app.messages.models import BulkMessage, MessageRecipient, RecipientState
from alumni_app.permissions import is_staff, scope_to_office


def next_steps_for(user) -> list[dict]:
    """Unread news, for an alumnus with a record."""
    if is_staff(user):
        return []
    unread = announcements.news_summary(user)[1]
    if not unread:
        return []
    return [{"label": ngettext("%(num)s unread announcement", "%(num)s unread announcements",
                               unread), "url": url_for("news.index"), "kind": "news"}]


def work_items_for(user) -> list[dict]:
    """Messages of the office with deliveries that failed (the server refused them)."""
    if not is_staff(user):
        return []
    failed = scope_to_office(
        sa.select(sa.func.count(sa.distinct(MessageRecipient.message_id)))
        .join(BulkMessage, BulkMessage.id == MessageRecipient.message_id)
        .where(MessageRecipient.state == RecipientState.FAILED.value),
        BulkMessage.office_id, user)
    return [{"label": _("E-mails to alumni with failed deliveries"),
             "count": db.session.scalar(failed) or 0, "url": url_for("announcements.index")}]


def latest_news(user, limit: int = 3) -> list:
    """The newest items for the alumnus's dashboard: (announcement, unread)."""
    return announcements.news_summary(user, limit)[0]
