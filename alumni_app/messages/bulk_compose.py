"""Bulk e-mail, building the message: the words for kinds and states, which language a reader
gets, and each person's e-mail (or Telegram text) rendered from the frozen message.

The lowest of the bulk modules: it imports none of the others.
"""

from __future__ import annotations

import base64
import re
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
from markupsafe import escape

from alumni_app import hooks
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
# hooks kind: a message kind -> parts(message): the personal parts of each person's e-mail
# (None: none). What it returns has `words(recipient, language)`, {mark in the frozen text:
# the person's plain text}, and `attachments(recipient, language)`, [(filename, content type,
# bytes)]. Events register theirs: each alumnus's name, check-in link and QR code, and the
# calendar file in their language (alumni_app/events/notifications.py).
PERSONAL = "bulk_personal"
_LINK = re.compile(r"https?://[^\s<>\"']+")
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
        parts = hooks.registered(PERSONAL).get(message.kind)
        self.personal = parts(message) if parts is not None else None

    def language_of(self, language: str) -> str:
        """The version a reader of `language` ("" when unknown) gets."""
        wanted = language or ("ru" if self.subjects.get("ru") else "en")
        return version_for(self.subjects, self.bodies, wanted)

    def _words(self, recipient, language: str) -> dict[str, str]:
        if self.personal is None:
            return {}
        return self.personal.words(recipient, language)

    def parts(self, language: str) -> tuple[str, str, str]:
        used = self.language_of(language)
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
        used = self.language_of(recipient.language)
        link = tokens.unsubscribe_url(recipient.record_id, self.message.kind)
        with force_locale(used):
            footer = _("To stop receiving “%(kind)s”: %(url)s",
                       kind=str(KIND_LABELS[self.message.kind]), url=link)
        body = _fill(text.to_text(self.bodies[used]), self._words(recipient, used))
        return f"{self.subjects[used]}\n\n{body}\n\n{footer}"

    def build(self, recipient: MessageRecipient) -> Message:
        """The person's e-mail. Built with the email package's fast legacy classes: the
        modern API parses every header again and made 5,000 messages take minutes."""
        subject, plain, html = self.parts(recipient.language)
        link = tokens.unsubscribe_url(recipient.record_id, self.message.kind)
        used = self.language_of(recipient.language)
        words = self._words(recipient, used)
        email = MIMEMultipart("alternative")
        email.attach(MIMEText(_fill(plain.replace(self.MARK, link), words), "plain", "utf-8"))
        email.attach(MIMEText(_fill(html.replace(self.MARK, link), words, as_html=True),
                              "html", "utf-8"))
        own = self.personal.attachments(recipient, used) if self.personal is not None else []
        if self.attachments or own:
            outer = MIMEMultipart("mixed")
            outer.attach(email)
            for attachment in self._attachment_parts():
                outer.attach(attachment)
            for filename, content_type, content in own:
                outer.attach(_attachment_part(filename, content_type,
                                              base64.encodebytes(content).decode("ascii")))
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
        return [_attachment_part(attachment.filename, attachment.content_type, encoded)
                for attachment, encoded in self._encoded]


def _attachment_part(filename: str, content_type: str, encoded: str) -> MIMEBase:
    main, _slash, sub = content_type.partition("/")
    # A text file (the calendar's) says it is UTF-8, so readers decode its letters right.
    params = {"charset": "utf-8"} if main == "text" else {}
    part = MIMEBase(main, sub or "octet-stream", **params)
    part.set_payload(encoded)
    part["Content-Transfer-Encoding"] = "base64"
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def _fill(rendered: str, words: dict[str, str], as_html: bool = False) -> str:
    """The frozen text with the person's own words in place of their marks (escaped, and
    their links made links, in the HTML version)."""
    for mark, value in words.items():
        if as_html:
            value = _linked(value)
        rendered = rendered.replace(mark, value)
    return rendered


def _linked(value: str) -> str:
    """Plain text as HTML: escaped, its web addresses made links."""
    out, start = [], 0
    for found in _LINK.finditer(value):
        link = escape(found.group(0))
        out += [str(escape(value[start:found.start()])), f'<a href="{link}">{link}</a>']
        start = found.end()
    return "".join([*out, str(escape(value[start:]))])
