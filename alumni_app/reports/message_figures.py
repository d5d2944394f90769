"""Announcements published and bulk messages sent in the period, and what became of each
recipient (the delivery log): one grouped statement, read as the tables stand.

An announcement counts in the period its publication moment falls in, once that moment has
come (one withdrawn later still counts: it was published). A bulk message counts in the period
it was queued in; its recipients by channel (e-mail, Telegram) and by their state in the log.
An office's page counts the office's own; every office's page counts the messages to
everyone too. The sector, region and program type chosen do not narrow them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.messages.bulk_compose import KIND_LABELS, STATE_LABELS
from alumni_app.messages.models import (
    Announcement,
    BulkMessage,
    Kind,
    MessageRecipient,
    RecipientState,
)
from alumni_app.reports.people import Row
from alumni_app.reports.queries import within_period

STATES = tuple(s.value for s in RecipientState)
CHANNELS = ("email", "telegram")


@dataclass
class Messages:
    announcements: int = 0
    sent: int = 0  # bulk messages queued in the period
    recipients: int = 0  # recipient rows of those messages, every channel
    by_kind: list[Row] = field(default_factory=list)  # value: messages; more: recipients
    by_state: list[Row] = field(default_factory=list)  # value: e-mail; more: telegram


def _part(name: str, *columns):
    return [sa.literal(name).label("part"), *columns]


def _statement(scope, filters) -> sa.CompoundSelect:
    """(part, kind, channel, state, n): announcements, messages per kind, and their recipients
    per kind, channel and state."""
    def period(column):
        return within_period(column, filters, moment=True)

    blank = sa.literal("")
    published = scope.restrict(sa.select(*_part(
        "announcements", blank, blank, blank, sa.func.count(Announcement.id))).where(
        Announcement.publish_at <= utcnow(), *period(Announcement.publish_at)),
        Announcement.office_id)
    sent = scope.restrict(sa.select(*_part(
        "messages", BulkMessage.kind, blank, blank, sa.func.count(BulkMessage.id))).where(
        *period(BulkMessage.created_at)).group_by(BulkMessage.kind), BulkMessage.office_id)
    logged = scope.restrict(sa.select(*_part(
        "recipients", BulkMessage.kind, MessageRecipient.channel, MessageRecipient.state,
        sa.func.count(MessageRecipient.id))).join(
        MessageRecipient, MessageRecipient.message_id == BulkMessage.id).where(
        *period(BulkMessage.created_at)).group_by(
        BulkMessage.kind, MessageRecipient.channel, MessageRecipient.state),
        BulkMessage.office_id)
    return sa.union_all(published, sent, logged)


def messages(scope, filters) -> Messages:
    """Counts of the period, in one statement."""
    result = Messages()
    messages_per_kind: dict[str, int] = {}
    recipients_per_kind: dict[str, int] = {}
    states = {(s, c): 0 for s in STATES for c in CHANNELS}
    for part, kind, channel, state, n in db.session.execute(_statement(scope, filters)):
        if part == "announcements":
            result.announcements = n
        elif part == "messages":
            messages_per_kind[kind] = n
        else:
            recipients_per_kind[kind] = recipients_per_kind.get(kind, 0) + n
            states[(state, channel)] = states.get((state, channel), 0) + n
    result.by_kind = [Row(k.value, str(KIND_LABELS[k.value]), messages_per_kind.get(k.value, 0),
                          {"recipients": recipients_per_kind.get(k.value, 0)}) for k in Kind]
    result.sent = sum(r.value for r in result.by_kind)
    result.recipients = sum(r.more["recipients"] for r in result.by_kind)
    result.by_state = [Row(s, str(STATE_LABELS.get(s, s)), states[(s, "email")],
                           {"telegram": states[(s, "telegram")]}) for s in STATES]
    return result


@dataclass
class OfficeMessages:
    """One office's messages for the offices side by side (None: those to every office)."""

    announcements: int = 0
    sent: int = 0
    recipients: int = 0
    delivered: int = 0  # recipients in state "sent": handed to the mail server or Telegram
    unsubscribed: int = 0  # skipped: opted out of the message's kind

    def add(self, other: OfficeMessages) -> None:
        for name in ("announcements", "sent", "recipients", "delivered", "unsubscribed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def per_office(scope, filters) -> dict:
    """{office id (None: to every office): OfficeMessages}, in one statement.

    The same counts as `messages()`: an office's are its own, and those to every office
    count in no office's column, only in the total of all of them.
    """
    def period(column):
        return within_period(column, filters, moment=True)

    zero = sa.literal_column("0")  # inline: the union's column types stay whole numbers
    published = scope.restrict(sa.select(
        sa.literal("announcements").label("part"), Announcement.office_id,
        sa.func.count(Announcement.id), zero, zero).where(
        Announcement.publish_at <= utcnow(), *period(Announcement.publish_at)).group_by(
        Announcement.office_id), Announcement.office_id)
    sent = scope.restrict(sa.select(
        sa.literal("messages"), BulkMessage.office_id, sa.func.count(BulkMessage.id), zero,
        zero).where(*period(BulkMessage.created_at)).group_by(BulkMessage.office_id),
        BulkMessage.office_id)
    recipient = MessageRecipient.id
    logged = scope.restrict(sa.select(
        sa.literal("recipients"), BulkMessage.office_id, sa.func.count(recipient),
        sa.func.count(recipient).filter(MessageRecipient.state == RecipientState.SENT.value),
        sa.func.count(recipient).filter(
            MessageRecipient.state == RecipientState.UNSUBSCRIBED.value))
        .join(MessageRecipient, MessageRecipient.message_id == BulkMessage.id)
        .where(*period(BulkMessage.created_at)).group_by(BulkMessage.office_id),
        BulkMessage.office_id)
    result: dict = {}
    for part, office_id, n, delivered, unsubscribed in db.session.execute(
            sa.union_all(published, sent, logged)):
        counts = result.setdefault(office_id, OfficeMessages())
        if part == "announcements":
            counts.announcements = n
        elif part == "messages":
            counts.sent = n
        else:
            counts.recipients, counts.delivered = n, delivered
            counts.unsubscribed = unsubscribed
    return result
