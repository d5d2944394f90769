"""Bulk e-mail: a message frozen when queued, one recipient row per person, delivered by the
queue in batches.

`queue_bulk_mail()` is the one entry point (announcements here; events and grant calls call it
too). Each recipient row is *claimed* by a conditional UPDATE (not sent, no live claim) before
it is handed to the mail server, and marked sent as soon as the server took it, so a worker
that dies, a retry, or two workers never send the same message twice to the same person; a
message claimed by a worker that died goes out once its lease (MAIL_CLAIM_SECONDS) ran out.
When the mail server is down the claims are released and the job is tried again: the rest goes
out when it is back. A periodic sweep picks up what is left after a restart.

This module is the public face and holds the queue's tasks (their names on the queue follow
this module); the work is done by stage, each module importing only those above it:
bulk_compose (the message per language, labels) <- bulk_audience (who, preview) <- bulk_queue
(freezing and queueing); bulk_compose, bulk_outcomes (server answers, bounces) <- bulk_delivery
(claiming and delivering).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from alumni_app import jobs
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.messages import telegram as _telegram  # noqa: F401 - its periodic task
from alumni_app.messages.bulk_audience import (
    Preview,
    audience_size,
    counts,
    preview,
    recipients_of,
)
from alumni_app.messages.bulk_compose import (
    KIND_LABELS,
    LANGUAGES,
    STATE_LABELS,
    kind_label,
    state_label,
    version_for,
)
from alumni_app.messages.bulk_delivery import (
    BATCH,
    COMMIT_EVERY,
    claim_batch,
    deliver,
    has_pending,
    unsent,
)
from alumni_app.messages.bulk_outcomes import MailServerTrouble, mark_bounced, server_answer
from alumni_app.messages.bulk_queue import (
    messages_of,
    messages_of_event,
    queue_bulk_mail,
    send_announcement,
    state_counts,
)
from alumni_app.messages.models import BulkMessage, MessageRecipient


def start(message_id: int) -> bool:
    """Put the sending of a committed message on the queue."""
    return jobs.enqueue(send_message, message_id)


def queue_after_request(response):
    """After a request that queued bulk messages (and committed), start their sending."""
    for message_id in g.pop("queued_bulk_ids", None) or []:
        if response.status_code < 400:
            start(message_id)
    return response


@jobs.task("messages.send", label=_l("Bulk e-mail"), when=has_pending,
           office=lambda message_id: db.session.scalar(
               sa.select(BulkMessage.office_id).where(BulkMessage.id == message_id)))
def send_message(message_id: int) -> dict:
    """Deliver one bulk message (tried again while the mail server is down)."""
    return deliver(message_id)


@jobs.task("messages.resume", periodic=jobs.crontab(), tracked=False)
def resume_all() -> int:
    """Every minute: queue the sending of messages with recipients left (after a restart, a
    lost queue, a lease run out)."""
    ids = list(db.session.scalars(sa.select(MessageRecipient.message_id).where(
        unsent(utcnow())).distinct()))
    for message_id in ids:
        start(message_id)
    return len(ids)


__all__ = [
    "BATCH", "COMMIT_EVERY", "KIND_LABELS", "LANGUAGES", "STATE_LABELS", "MailServerTrouble",
    "Preview", "_", "audience_size", "claim_batch", "counts", "deliver", "has_pending",
    "kind_label", "mark_bounced", "messages_of", "messages_of_event", "preview",
    "queue_after_request", "queue_bulk_mail", "recipients_of", "resume_all",
    "send_announcement", "send_message", "server_answer", "start", "state_counts",
    "state_label", "version_for",
]
