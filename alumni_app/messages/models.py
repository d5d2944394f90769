"""Announcements, bulk messages with one row per recipient, opt-outs, bounces, Telegram links."""

from __future__ import annotations

import enum
import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alumni_app.db import TimestampMixin, UTCDateTime, utcnow
from alumni_app.extensions import db
from alumni_app.offices.models import Office


class Scope(enum.StrEnum):
    OFFICE = "office"  # every alumnus of the office
    GROUP = "group"  # the alumni of the office an audience filter picks
    EVERYONE = "everyone"  # every office's alumni (administrators)


class Kind(enum.StrEnum):
    """Kinds of bulk message, each with its own opt-out."""

    ANNOUNCEMENTS = "announcements"
    EVENTS = "events"
    GRANT_CALLS = "grant_calls"


class RecipientState(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # the server refused it for good; last_error says why
    BOUNCED = "bounced"  # the address bounced hard (now, or before: skipped)
    UNSUBSCRIBED = "unsubscribed"  # opted out of this kind (skipped)
    NO_ADDRESS = "no_address"  # nothing to send it to (skipped)


class Announcement(TimestampMixin, db.Model):
    """News for alumni: an office's, a group's, or everyone's; in English and/or Russian."""

    __tablename__ = "announcements"
    __table_args__ = (
        sa.CheckConstraint("scope IN ('office', 'group', 'everyone')", name="scope_known"),
        sa.Index("ix_announcements_office_publish", "office_id", "publish_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int | None] = mapped_column(sa.ForeignKey("offices.id"))
    scope: Mapped[str] = mapped_column(sa.String(10), default=Scope.OFFICE.value)
    audience: Mapped[str] = mapped_column(sa.Text, default="{}")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    title_ru: Mapped[str] = mapped_column(sa.String(200), default="")
    body_en: Mapped[str] = mapped_column(sa.Text, default="")
    body_ru: Mapped[str] = mapped_column(sa.Text, default="")
    attachment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))
    picture_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))
    is_pinned: Mapped[bool] = mapped_column(default=False)
    is_public: Mapped[bool] = mapped_column(default=False)
    # Who confirmed, when it was last saved as public, that the people it names or shows agreed
    # to be on the public page; a public item without it is not shown there.
    public_consent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    public_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    publish_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Lower-case words of both titles, for the staff list's search.
    search_text: Mapped[str] = mapped_column(sa.String(420), default="")

    office: Mapped[Office | None] = relationship(lazy="joined")

    @property
    def audience_dict(self) -> dict:
        return json.loads(self.audience or "{}")

    def title(self, locale: str = "en") -> str:
        first, other = (self.title_ru, self.title_en) if locale == "ru" else (
            self.title_en, self.title_ru)
        return first or other

    def body(self, locale: str = "en") -> str:
        if locale == "ru":
            return self.body_ru if self.title_ru or self.body_ru else self.body_en
        return self.body_en if self.title_en or self.body_en else self.body_ru

    def shown_state(self, now: datetime | None = None) -> str:
        now = now or utcnow()
        if self.withdrawn_at is not None:
            return "withdrawn"
        if self.publish_at > now:
            return "scheduled"
        return "expired" if self.expires_at is not None and self.expires_at <= now else "shown"

    def is_shown_publicly(self, now: datetime | None = None) -> bool:
        """On the public news page: public, with the people's consent confirmed, live."""
        return self.is_public and self.public_consent_at is not None and self.is_live(now)

    def is_live(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return (self.withdrawn_at is None and self.publish_at <= now
                and (self.expires_at is None or self.expires_at > now))


class AnnouncementMember(db.Model):
    """The records a group announcement was published to (its audience, as it was)."""

    __tablename__ = "announcement_members"

    announcement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True)
    record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("alumni_records.id", ondelete="CASCADE"), primary_key=True, index=True)


class AnnouncementRead(db.Model):
    __tablename__ = "announcement_reads"

    announcement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BulkMessage(db.Model):
    """One message to many people, frozen when queued: editing its announcement later changes
    nothing that is being sent."""

    __tablename__ = "bulk_messages"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('announcements', 'events', 'grant_calls')",
                           name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    office_id: Mapped[int | None] = mapped_column(sa.ForeignKey("offices.id"), index=True)
    announcement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("announcements.id", ondelete="SET NULL"), index=True)
    subject_en: Mapped[str] = mapped_column(sa.String(200), default="")
    subject_ru: Mapped[str] = mapped_column(sa.String(200), default="")
    body_en: Mapped[str] = mapped_column(sa.Text, default="")
    body_ru: Mapped[str] = mapped_column(sa.Text, default="")
    reply_to: Mapped[str] = mapped_column(sa.String(254), default="")
    # An event's invitations or reminders (kind "events"): the event, and which of the two
    # ("invitation", "reminder"); each person's check-in code and calendar file are added
    # when their e-mail is built (bulk_compose.PERSONAL).
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("events.id", ondelete="SET NULL"), index=True)
    event_mail: Mapped[str] = mapped_column(sa.String(20), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    office: Mapped[Office | None] = relationship(lazy="joined")

    def subject(self, locale: str) -> str:
        first, other = (self.subject_ru, self.subject_en) if locale == "ru" else (
            self.subject_en, self.subject_ru)
        return first or other


class MessageAttachment(db.Model):
    __tablename__ = "message_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("bulk_messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary())


class MessageRecipient(db.Model):
    """One person of one message on one channel: claimed by a conditional UPDATE before it is
    handed to the server, so nobody gets the same message twice."""

    __tablename__ = "message_recipients"
    __table_args__ = (
        sa.UniqueConstraint("message_id", "channel", "record_id",
                            name="uq_message_recipients_person"),
        sa.Index("ix_message_recipients_pending", "message_id", "state", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("bulk_messages.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(sa.String(10), default="email")
    record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("alumni_records.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    address: Mapped[str] = mapped_column(sa.String(254), default="")
    language: Mapped[str] = mapped_column(sa.String(5), default="en")
    state: Mapped[str] = mapped_column(sa.String(14), default=RecipientState.QUEUED.value)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))

    message: Mapped[BulkMessage] = relationship()


class MailOptOut(db.Model):
    """A person who turned off one kind of bulk message (every channel)."""

    __tablename__ = "mail_opt_outs"

    record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("alumni_records.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BouncedAddress(db.Model):
    """An address the mail server refused for good: skipped until it is changed or cleared."""

    __tablename__ = "bounced_addresses"

    address: Mapped[str] = mapped_column(sa.String(254), primary_key=True)
    bounced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")


class TelegramLink(db.Model):
    """An account's Telegram chat, linked through the office bot's deep link."""

    __tablename__ = "telegram_links"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    chat_id: Mapped[int | None] = mapped_column(sa.BigInteger(), unique=True)
    code_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TelegramNotice(db.Model):
    """A personal reminder (a plan's check-in, a grant report) for a linked Telegram chat, the
    text of its e-mail. Its key (the reminder's own) is unique, so it is queued once; it is
    claimed by a conditional UPDATE before it is sent, so it is sent once."""

    __tablename__ = "telegram_notices"
    __table_args__ = (sa.Index("ix_telegram_notices_pending", "state", "claimed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(14), default=RecipientState.QUEUED.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
