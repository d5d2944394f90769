"""A call by e-mail: its text prefilled from the call, the preview of who gets it and how each
language reads it, and the queueing (once per form, however often it is posted).

Each sending is tied to its call by an audit entry, "grant.call.mailed" (subject: the call;
details: the bulk message's id and the form's send key), so bulk_messages needs no column of
the call's: the call's page lists its e-mails from those entries, and a second POST of the same
form finds the first one's entry and queues nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa
from babel.dates import format_datetime
from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from alumni_app import audit
from alumni_app.audiences import Audience
from alumni_app.audiences import queries as audience_queries
from alumni_app.audit import AuditEvent
from alumni_app.db import utcnow
from alumni_app.errors import DomainError
from alumni_app.extensions import db
from alumni_app.grants import policy
from alumni_app.grants.calls import office_zone
from alumni_app.grants.models import CallState, GrantCall
from alumni_app.messages import bulk, text
from alumni_app.messages.bulk_audience import office_reply_to
from alumni_app.messages.models import BulkMessage, Kind

KIND = Kind.GRANT_CALLS.value
MAILED = "grant.call.mailed"  # the audit code tying a bulk message to its call
LANGUAGES = ("en", "ru")


class CallMailError(DomainError):
    MESSAGES = {
        "not-open": _l("Only a published call that has not closed yet can be sent by e-mail."),
        "empty": _l("Write the e-mail in English, in Russian or both: both are empty."),
        "no-subject": _l("This language has a text but no subject: give the subject, or leave "
                         "the text empty."),
        "no-body": _l("This language has a subject but no text: write the text, or leave the "
                      "subject empty."),
        "script": _l("Scripts, javascript: links and event handlers are not allowed. Remove "
                     "them; links to web pages (https://...) are fine."),
        "image": _l("Pictures inside the text are not sent (they would be fetched from another "
                    "site): remove them."),
        "nobody": _l("These filters match nobody in the office. Widen them, or choose all "
                     "alumni of the office."),
        "unreachable": _l("Nobody would receive this e-mail: nobody in its audience has an "
                          "address that works and wants it."),
    }
    status = 400


@dataclass(frozen=True)
class Texts:
    subjects: dict
    bodies: dict


@dataclass(frozen=True)
class Sent:
    message_id: int
    recipients: int
    new: bool  # False: this form was sent already (a second POST), nothing queued


def is_open(call: GrantCall) -> bool:
    """Published and not closed yet (open now, or opening later)."""
    return call.state == CallState.PUBLISHED.value and utcnow() < call.closes_at


def can_mail(user, call: GrantCall) -> bool:
    """Who may send it: the staff of the call's office (grants.policy), while it is open."""
    return policy.is_office_staff(user, call) and is_open(call)


def _deadline(call: GrantCall, language: str) -> str:
    zone = office_zone(call.office)
    moment = format_datetime(call.closes_at, "d MMMM y, HH:mm", tzinfo=zone, locale=language)
    return f"{moment} ({zone.key})"


def prefilled(call: GrantCall) -> Texts:
    """The e-mail as the call reads: its title, its description, the deadline in the office's
    zone and the link to apply; in English and in Russian."""
    link = url_for("grants.call", call_id=call.id, _external=True)
    subjects, bodies = {}, {}
    for language in LANGUAGES:
        with force_locale(language):
            subjects[language] = _("Call for mini-grant proposals: %(title)s",
                                   title=call.title)[:200]
            parts = [call.description.strip(),
                     _("Applications are accepted until %(deadline)s.",
                       deadline=f"**{_deadline(call, language)}**"),
                     f"[{_('Read the call and apply')}]({link})"]
        bodies[language] = "\n\n".join(part for part in parts if part)
    return Texts(subjects, bodies)


def check_texts(texts: Texts) -> None:
    """Each language complete or empty, at least one written, nothing that is never sent."""
    for language in LANGUAGES:
        subject, body = texts.subjects.get(language), texts.bodies.get(language)
        if body and not subject:
            raise CallMailError("no-subject", f"subject_{language}")
        if subject and not body:
            raise CallMailError("no-body", f"body_{language}")
        for field, source in ((f"subject_{language}", subject), (f"body_{language}", body)):
            found = text.problem(source or "")
            if found:
                raise CallMailError(found, field)
    if not any(texts.subjects.get(language) for language in LANGUAGES):
        raise CallMailError("empty")


def recipients(audience: Audience) -> sa.Select:
    return audience_queries.recipients(audience)


def preview(call: GrantCall, audience: Audience, texts: Texts) -> bulk.Preview:
    """The exact numbers (one query) and each language's version as its readers get it."""
    found = bulk.counts(recipients(audience), KIND)
    found.reply_to = office_reply_to(call.office_id)
    for language in LANGUAGES:
        used = bulk.version_for(texts.subjects, texts.bodies, language)
        found.versions[language] = (texts.subjects.get(used) or "",
                                    text.to_html(texts.bodies.get(used) or ""), used)
    return found


def refusal(call: GrantCall, found: bulk.Preview) -> CallMailError | None:
    """Why this e-mail cannot go: the call is not open, or nobody would get it."""
    if not is_open(call):
        return CallMailError("not-open", status=409)
    if found.total == 0:
        return CallMailError("nobody")
    if not found.reaches_anyone:
        return CallMailError("unreachable")
    return None


def _lock_open_call(call: GrantCall) -> bool:
    """Hold the call's row until the commit (a second POST of the same form waits here and
    then finds the first's entry); False when the call is no longer open."""
    table = GrantCall.__table__
    done = db.session.execute(
        sa.update(table).where(table.c.id == call.id,
                               table.c.state == CallState.PUBLISHED.value,
                               table.c.closes_at > utcnow())
        .values(updated_at=table.c.updated_at))
    return done.rowcount == 1


def _entries(call_id: int) -> list[dict]:
    """The details of the call's "mailed" entries, newest first."""
    rows = db.session.scalars(sa.select(AuditEvent.details).where(
        AuditEvent.action == MAILED, AuditEvent.subject_type == GrantCall.__name__,
        AuditEvent.subject_id == call_id).order_by(AuditEvent.id.desc()))
    return [json.loads(row or "{}") for row in rows]


def send(actor, call: GrantCall, audience: Audience, texts: Texts, send_key: str) -> Sent:
    """Queue the e-mail for the audience (sending starts after the commit); once per
    `send_key`, the random key of the preview form that was posted."""
    check_texts(texts)
    if not _lock_open_call(call):
        raise CallMailError("not-open", status=409)
    earlier = next((e for e in _entries(call.id) if e.get("send_key") == send_key), None)
    if earlier is not None:
        return Sent(int(earlier["message_id"]), int(earlier.get("recipients", 0)), new=False)
    found = bulk.counts(recipients(audience), KIND)
    problem = refusal(call, found)
    if problem is not None:
        raise problem
    message = bulk.queue_bulk_mail(KIND, texts.subjects, texts.bodies,
                                   db.session.execute(recipients(audience)),
                                   office_id=call.office_id, actor=actor)
    audit.record(MAILED, actor=actor, subject=call, office_id=call.office_id,
                 message_id=message.id, send_key=send_key, recipients=found.will_send,
                 audience=audience.to_dict())
    return Sent(message.id, found.will_send, new=True)


def messages_of_call(call: GrantCall) -> list[tuple[BulkMessage, dict]]:
    """The e-mails sent for the call, newest first, with their counts by state."""
    ids = [int(e["message_id"]) for e in _entries(call.id) if e.get("message_id")]
    if not ids:
        return []
    found = {m.id: m for m in db.session.scalars(
        sa.select(BulkMessage).where(BulkMessage.id.in_(ids)))}
    tallies = bulk.state_counts(list(found))
    return [(found[i], tallies.get(i, {})) for i in ids if i in found]
