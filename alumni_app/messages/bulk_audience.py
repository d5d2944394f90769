"""Bulk e-mail, who an announcement goes to: its audience's rows, how many of them get
nothing (no address, opted out, bounced), and the preview of each language's version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.audiences import Audience
from alumni_app.audiences import queries as audience_queries
from alumni_app.extensions import db
from alumni_app.messages import text
from alumni_app.messages.bulk_compose import LANGUAGES, version_for
from alumni_app.messages.models import (
    Announcement,
    AnnouncementMember,
    BouncedAddress,
    Kind,
    MailOptOut,
    Scope,
    TelegramLink,
)
from alumni_app.offices.models import Office


def recipients_of(announcement: Announcement) -> sa.Select | sa.CompoundSelect:
    """The audience's rows (record_id, user_id, names, email, language), one per person."""
    if announcement.scope == Scope.EVERYONE:
        offices = list(db.session.scalars(sa.select(Office.id).order_by(Office.id)))
        selects = [audience_queries.recipients(Audience(office_id=o)) for o in offices]
        if not selects:
            return audience_queries.recipients(Audience())
        return sa.union_all(*[s.order_by(None) for s in selects]) if len(selects) > 1 \
            else selects[0]
    query = audience_queries.recipients(Audience(office_id=announcement.office_id))
    if announcement.scope == Scope.GROUP:
        query = query.where(AlumnusRecord.id.in_(
            sa.select(AnnouncementMember.record_id)
            .where(AnnouncementMember.announcement_id == announcement.id)))
    return query


def audience_size(announcement: Announcement) -> int:
    sub = recipients_of(announcement).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(sub))


@dataclass
class Preview:
    total: int
    no_address: int
    opted_out: int
    bounced: int
    versions: dict = field(default_factory=dict)  # language -> (subject, html, fallback)
    reply_to: str = ""  # the office's address the e-mails carry as Reply-To ("": none)
    telegram: int | None = None  # linked and not opted out (None: Telegram is off)

    @property
    def will_send(self) -> int:
        return self.total - self.no_address - self.opted_out - self.bounced

    @property
    def reaches_anyone(self) -> bool:
        return self.will_send > 0 or bool(self.telegram)


def _no_address(column):
    return sa.or_(column.is_(None), sa.func.trim(column) == "")


def counts(rows: sa.Select | sa.CompoundSelect, kind: str) -> Preview:
    """How many people, and how many of them get nothing: no address, opted out of `kind`,
    an address that bounced; and, when Telegram is on, how many get it there (linked, not
    opted out); one query."""
    from alumni_app.messages import telegram

    sub = rows.subquery()
    missing = _no_address(sub.c.email)
    opted = sub.c.record_id.in_(sa.select(MailOptOut.record_id).where(MailOptOut.kind == kind))
    bounced = sa.func.lower(sub.c.email).in_(sa.select(BouncedAddress.address))

    def tally(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    linked = sub.c.user_id.in_(sa.select(TelegramLink.user_id)
                               .where(TelegramLink.chat_id.is_not(None)))
    total, none, out, gone, chats = db.session.execute(sa.select(
        sa.func.count(), tally(missing), tally(sa.and_(~missing, opted)),
        tally(sa.and_(~missing, ~opted, bounced)), tally(sa.and_(linked, ~opted)))
        .select_from(sub)).one()
    return Preview(int(total), int(none), int(out), int(gone),
                   telegram=int(chats) if telegram.enabled() else None)


def office_reply_to(office_id: int | None) -> str:
    """The office's reply-to address ("" when it has none, and for messages to everyone)."""
    if office_id is None:
        return ""
    return db.session.scalar(sa.select(Office.reply_to).where(Office.id == office_id)) or ""


def preview(announcement: Announcement, kind: str = Kind.ANNOUNCEMENTS.value) -> Preview:
    found = counts(recipients_of(announcement), kind)
    found.reply_to = office_reply_to(announcement.office_id)
    subjects, bodies = texts_of(announcement)
    for language in LANGUAGES:
        used = version_for(subjects, bodies, language)
        found.versions[language] = (subjects[used], text.to_html(bodies[used]), used)
    return found


def texts_of(announcement: Announcement) -> tuple[dict, dict]:
    """The announcement's subjects and bodies by language."""
    return ({"en": announcement.title_en, "ru": announcement.title_ru},
            {"en": announcement.body_en, "ru": announcement.body_ru})
