"""Bulk e-mail, building the message: the words for kinds and states, which language a reader
gets, and each person's e-mail (or Telegram text) rendered from the frozen message.

The lowest of the bulk modules: it imports none of the others.
"""

from __future__ import annotations

import base64
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, formatdate, make_msgid

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from alumni_app.extensions import db
from alumni_app.messages import text, tokens
from alumni_app.messages.models import (
    BulkMessage,
    Kind,
    MessageAttachment,
    MessageRecipient,
    RecipientState,
)

UNFOLDED = compat32.clone(max_line_length=998)
LANGUAGES = ("en", "ru")
KIND_LABELS = {
    Kind.ANNOUNCEMENTS.value: _l("Announcements and news"),
    Kind.EVENTS.value: _l("Event invitations and reminders"),
    Kind.GRANT_CALLS.value: _l("Calls for mini-grant proposals"),
}
STATE_LABELS = {
    RecipientState.QUEUED.value: _l("Queued"),
    RecipientState.SENT.value: _l("Sent"),
    RecipientState.FAILED.value: _l("Failed"),
    RecipientState.BOUNCED.value: _l("Bounced"),
    RecipientState.UNSUBSCRIBED.value: _l("Unsubscribed"),
    RecipientState.NO_ADDRESS.value: _l("No e-mail address"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


def version_for(subjects: dict, bodies: dict, language: str) -> str:
    """The language a reader of `language` gets: theirs if written, else the other."""
    if subjects.get(language) and bodies.get(language):
        return language
    other = "ru" if language == "en" else "en"
    return other if subjects.get(other) else language


class Renderer:
    """The message as each language reads it, rendered once; only the unsubscribe link
    differs from one person to the next."""

    MARK = "__UNSUBSCRIBE_URL__"

    def __init__(self, message: BulkMessage):
        self.message = message
        self.subjects = {"en": message.subject_en, "ru": message.subject_ru}
        self.bodies = {"en": message.body_en, "ru": message.body_ru}
        self.attachments = list(db.session.scalars(sa.select(MessageAttachment).where(
            MessageAttachment.message_id == message.id).order_by(MessageAttachment.id)))
        self.cache: dict[str, tuple[str, str, str]] = {}
        self.sender = current_app.config["MAIL_DEFAULT_SENDER"]

    def parts(self, language: str) -> tuple[str, str, str]:
        wanted = language or ("ru" if self.subjects.get("ru") else "en")
        used = version_for(self.subjects, self.bodies, wanted)
        if used not in self.cache:
            office = self.message.office.name if self.message.office else ""
            with force_locale(used):
                context = {"subject": self.subjects[used], "office": office,
                           "kind": str(KIND_LABELS[self.message.kind]),
                           "unsubscribe_url": self.MARK}
                plain = render_template("messages/mail/bulk.txt",
                                        body=text.to_text(self.bodies[used]), **context)
                html = render_template("messages/mail/bulk.html",
                                       body=text.to_html(self.bodies[used]), **context)
            self.cache[used] = (self.subjects[used], plain, html)
        return self.cache[used]

    def telegram_text(self, recipient) -> str:
        """The Telegram version: the subject, the text as written, the way to turn it off."""
        wanted = recipient.language or ("ru" if self.subjects.get("ru") else "en")
        used = version_for(self.subjects, self.bodies, wanted)
        link = tokens.unsubscribe_url(recipient.record_id, self.message.kind)
        with force_locale(used):
            footer = _("To stop receiving “%(kind)s”: %(url)s",
                       kind=str(KIND_LABELS[self.message.kind]), url=link)
        return f"{self.subjects[used]}\n\n{text.to_text(self.bodies[used])}\n\n{footer}"

    def build(self, recipient: MessageRecipient) -> Message:
        """The person's e-mail. Built with the email package's fast legacy classes: the
        modern API parses every header again and made 5,000 messages take minutes."""
        subject, plain, html = self.parts(recipient.language)
        link = tokens.unsubscribe_url(recipient.record_id, self.message.kind)
        email = MIMEMultipart("alternative")
        email.attach(MIMEText(plain.replace(self.MARK, link), "plain", "utf-8"))
        email.attach(MIMEText(html.replace(self.MARK, link), "html", "utf-8"))
        if self.attachments:
            outer = MIMEMultipart("mixed")
            outer.attach(email)
            for attachment in self._attachment_parts():
                outer.attach(attachment)
            email = outer
        email["From"] = self.sender
        email["To"] = recipient.address
        email["Subject"] = Header(subject, "utf-8")
        email["Message-ID"] = make_msgid(domain="alumni.local")
        email["Date"] = formatdate(localtime=False)
        if self.message.reply_to:
            office = self.message.office.name if self.message.office else ""
            email["Reply-To"] = formataddr((office, self.message.reply_to), charset="utf-8")
        email["List-Unsubscribe"] = f"<{link}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email["Auto-Submitted"] = "auto-generated"
        email.policy = UNFOLDED  # the unsubscribe link stays on its header's line
        return email

    def _attachment_parts(self) -> list[MIMEBase]:
        if not hasattr(self, "_encoded"):  # each attachment encoded once for the message
            self._encoded = [(a, base64.encodebytes(a.content).decode("ascii"))
                             for a in self.attachments]
        parts = []
        for attachment, encoded in self._encoded:
            main, _slash, sub = attachment.content_type.partition("/")
            part = MIMEBase(main, sub or "octet-stream")
            part.set_payload(encoded)
            part["Content-Transfer-Encoding"] = "base64"
            part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
            parts.append(part)
        return parts
