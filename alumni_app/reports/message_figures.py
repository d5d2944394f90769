"""Announcements published and bulk messages sent in the period, and what became of each
recipient (the delivery log): one grouped statement, read as the tables stand, the delivery
log as the last recount tallied it per message (reports.refresh; a message queued since is
counted from its log).

An announcement counts in the period its publication moment falls in, once that moment has
come (one withdrawn later still counts: it was published). A bulk message counts in the period
it was queued in; its recipients by channel (e-mail, Telegram) and by their state in the log.
An office's page counts the office's own; every office's page counts the messages to
everyone too. The sector, region and program type chosen do not narrow them.

Disclosure (rules.py, the outcomes page's rule): nothing here is withheld. No count is broken
down by an attribute of a person (only by kind of message, channel and state in the log), the
person filters do not apply, and a state of one recipient ("1 unsubscribed") says something
about someone only to whoever holds the recipient list: the office's staff who read this page,
who see the delivery log itself, name by name. docs/reports.md gives the reasons per figure.
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
from alumni_app.reports.models import MessageTally
from alumni_app.reports.people import Row
from alumni_app.reports.queries import within_period

STATES = tuple(s.value for s in RecipientState)
CHANNELS = ("email", "telegram")


@dataclass
class OfficeMessages:
    """One office's messages for the offices side by side (None: those to every office)."""

    announcements: int = 0
    sent: int = 0
    recipients: int = 0
    delivered: int = 0  # recipients in state "sent": handed to the mail server or Telegram
    unsubscribed: int = 0  # skipped: opted out of the message's kind


@dataclass
class Messages:
    announcements: int = 0
    sent: int = 0  # bulk messages queued in the period
    recipients: int = 0  # recipient rows of those messages, every channel
    by_kind: list[Row] = field(default_factory=list)  # value: messages; more: recipients
    by_state: list[Row] = field(default_factory=list)  # value: e-mail; more: telegram
    # Per office for the offices side by side (None: the messages to every office).
    per_office: dict = field(default_factory=dict)


def _part(name: str, *columns):
    return [sa.literal(name).label("part"), *columns]


def _statement(scope, filters) -> sa.CompoundSelect:
    """(part, office, kind, channel, state, n): announcements, messages per kind, and their
    recipients per kind, channel and state, each per office."""
    def period(column):
        return within_period(column, filters, moment=True)

    blank = sa.literal("")
    published = scope.restrict(sa.select(*_part(
        "announcements", Announcement.office_id, blank, blank, blank,
        sa.func.count(Announcement.id))).where(
        Announcement.publish_at <= utcnow(), *period(Announcement.publish_at)).group_by(
        Announcement.office_id), Announcement.office_id)
    sent = scope.restrict(sa.select(*_part(
        "messages", BulkMessage.office_id, BulkMessage.kind, blank, blank,
        sa.func.count(BulkMessage.id))).where(*period(BulkMessage.created_at)).group_by(
        BulkMessage.office_id, BulkMessage.kind), BulkMessage.office_id)
    return sa.union_all(published, sent, *(
        scope.restrict(part.where(*period(BulkMessage.created_at)), BulkMessage.office_id)
        for part in _recipients()))


def _recipients() -> tuple[sa.Select, sa.Select]:
    """The recipients per office, kind, channel and state: from the tallies the last recount
    kept (MessageTally), and from the delivery log itself for the messages queued since
    (none tallied); each part driven by the period's messages, never by the whole log."""
    def counted(channel, state, n, source, joined):
        keys = [BulkMessage.office_id, BulkMessage.kind, channel, state]
        return (sa.select(*_part("recipients", *keys, n))
                .join(source, joined).group_by(*keys))

    tallied = counted(MessageTally.channel, MessageTally.state,
                      sa.func.sum(MessageTally.recipients), MessageTally,
                      MessageTally.message_id == BulkMessage.id)
    untallied = counted(MessageRecipient.channel, MessageRecipient.state,
                        sa.func.count(MessageRecipient.id), MessageRecipient,
                        MessageRecipient.message_id == BulkMessage.id).where(
        ~sa.exists().where(MessageTally.message_id == BulkMessage.id))
    return tallied, untallied


def count(scope, filters) -> list[list]:
    """The raw counts of `messages()`, plain values a recount can keep (needs_cache)."""
    return [list(row) for row in db.session.execute(_statement(scope, filters))]


def messages(scope, filters, kept: list | None = None) -> Messages:
    """Counts of the period, in one statement (per office too), or those a recount kept."""
    return assemble(kept if kept is not None else count(scope, filters))


def assemble(raw: list[list]) -> Messages:
    """The section's figures from the raw counts, labelled in the reader's language."""
    result = Messages()
    messages_per_kind: dict[str, int] = {}
    recipients_per_kind: dict[str, int] = {}
    states = {(s, c): 0 for s in STATES for c in CHANNELS}
    for part, office_id, kind, channel, state, n in raw:
        office = result.per_office.setdefault(office_id, OfficeMessages())
        if part == "announcements":
            result.announcements += n
            office.announcements += n
        elif part == "messages":
            messages_per_kind[kind] = messages_per_kind.get(kind, 0) + n
            office.sent += n
        else:
            recipients_per_kind[kind] = recipients_per_kind.get(kind, 0) + n
            states[(state, channel)] = states.get((state, channel), 0) + n
            office.recipients += n
            office.delivered += n if state == RecipientState.SENT.value else 0
            office.unsubscribed += n if state == RecipientState.UNSUBSCRIBED.value else 0
    result.by_kind = [Row(k.value, str(KIND_LABELS[k.value]), messages_per_kind.get(k.value, 0),
                          {"recipients": recipients_per_kind.get(k.value, 0)}) for k in Kind]
    result.sent = sum(r.value for r in result.by_kind)
    result.recipients = sum(r.more["recipients"] for r in result.by_kind)
    result.by_state = [Row(s, str(STATE_LABELS.get(s, s)), states[(s, "email")],
                           {"telegram": states[(s, "telegram")]}) for s in STATES]
    return result

