"""The audit log's words for announcements and bulk messages."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from alumni_app.audit_words import Subject, Wording
from alumni_app.audit_words import register as register_words
from alumni_app.messages.models import Announcement, BulkMessage
from alumni_app.messages.policy import can_manage, can_see_message

ACTIONS = {
    "announcement.created": Wording(_l("Announcement written"),
                                    _l("%(actor)s wrote the announcement %(subject)s")),
    "announcement.edited": Wording(_l("Announcement changed"),
                                   _l("%(actor)s changed the announcement %(subject)s")),
    "announcement.withdrawn": Wording(_l("Announcement withdrawn"),
                                      _l("%(actor)s withdrew the announcement %(subject)s")),
    "announcement.deleted": Wording(_l("Announcement deleted"),
                                    _l("%(actor)s deleted an announcement")),
    "message.queued": Wording(_l("E-mail to alumni sent"),
                              _l("%(actor)s sent the e-mail %(subject)s to alumni")),
    "message.unsubscribed": Wording(_l("Unsubscribed from messages"),
                                    _l("%(subject)s unsubscribed from a kind of messages")),
    "message.resubscribed": Wording(
        _l("Subscribed to messages again"),
        _l("%(actor)s subscribed %(subject)s to a kind of messages again")),
    "message.bounce_cleared": Wording(_l("Bouncing address cleared"),
                                      _l("%(actor)s cleared a bouncing e-mail address")),
    "telegram.linked": Wording(_l("Telegram linked"),
                               _l("%(actor)s linked a Telegram account")),
    "telegram.unlinked": Wording(_l("Telegram unlinked"),
                                 _l("%(actor)s unlinked their Telegram account")),
}


def _announcement_url(announcement: Announcement, reader) -> str | None:
    if can_manage(reader, announcement):
        return url_for("announcements.detail", announcement_id=announcement.id)
    return None


def _message_url(message: BulkMessage, reader) -> str | None:
    return url_for("bulk_mail.log", message_id=message.id) if can_see_message(
        reader, message) else None


def register(app) -> None:
    register_words(app, ACTIONS, {
        "Announcement": Subject(Announcement, lambda a: a.title_en or a.title_ru,
                                _announcement_url),
        "BulkMessage": Subject(BulkMessage, lambda m: m.subject_en or m.subject_ru,
                               _message_url),
    })
