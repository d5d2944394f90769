"""Notes of a session's discussion (challenges, needs, ideas), tagged with the shared barriers,
and the count of those barriers the follow-up figures read (`barrier_counts_from_notes`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from alumni_app import audit
from alumni_app.db import utcnow
from alumni_app.events.errors import EventError
from alumni_app.events.models import (
    NOTE_KINDS,
    AgendaSession,
    Event,
    EventState,
    SessionNote,
    note_barriers,
)
from alumni_app.extensions import db
from alumni_app.plans.models import Barrier

MAX_TEXT = 5000


@dataclass
class NoteValues:
    session_id: int | None
    kind: str
    text: str
    barrier_ids: list[int] = field(default_factory=list)


def add_note(actor, event: Event, values: NoteValues) -> SessionNote:
    """A note on one of the event's sessions; the barriers chosen from the list in use."""
    session = db.session.get(AgendaSession, values.session_id) if values.session_id else None
    if session is None or session.event_id != event.id:
        raise EventError("note-session", "session_id")
    if values.kind not in NOTE_KINDS:
        raise EventError("note-kind", "kind")
    text = (values.text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise EventError("note-text", "text")
    ids = sorted(set(values.barrier_ids))
    barriers = list(db.session.scalars(sa.select(Barrier).where(
        Barrier.id.in_(ids), Barrier.is_active))) if ids else []
    if len(barriers) != len(ids):
        raise EventError("note-barrier", "barrier_ids")
    note = SessionNote(session_id=session.id, kind=values.kind, text=text,
                       created_at=utcnow(), created_by_id=getattr(actor, "id", None),
                       barriers=barriers)
    db.session.add(note)
    db.session.flush()
    audit.record("event.note_added", actor=actor, subject=event, office_id=event.office_id,
                 kind=values.kind)
    return note


def remove_note(actor, event: Event, note: SessionNote) -> None:
    db.session.delete(note)
    db.session.flush()
    audit.record("event.note_removed", actor=actor, subject=event, office_id=event.office_id,
                 kind=note.kind)


def note_of(event: Event, note_id: int) -> SessionNote | None:
    """The event's note `note_id`, or None (another event's, or none)."""
    note = db.session.get(SessionNote, note_id)
    if note is None or note.session.event_id != event.id:
        return None
    return note


def notes_by_session(event: Event) -> dict[int, list[SessionNote]]:
    """The event's notes, by session id, in the order they were taken."""
    rows = db.session.scalars(
        sa.select(SessionNote).join(AgendaSession, AgendaSession.id == SessionNote.session_id)
        .where(AgendaSession.event_id == event.id)
        .order_by(SessionNote.created_at, SessionNote.id))
    grouped: dict[int, list[SessionNote]] = {}
    for note in rows:
        grouped.setdefault(note.session_id, []).append(note)
    return grouped


def barrier_counts_from_notes(office_id: int | None, since: datetime | None,
                              until: datetime | None) -> dict[int, int]:
    """How many discussion notes named each barrier: {barrier id: notes}.

    Notes of the office's events (every office's when `office_id` is None) that began within
    [since, until) (UTC; either end open when None); cancelled events are left out. One grouped
    query, for the reports' needs page to show beside the barriers alumni report.
    """
    query = (sa.select(note_barriers.c.barrier_id, sa.func.count(sa.distinct(SessionNote.id)))
             .join(SessionNote, SessionNote.id == note_barriers.c.note_id)
             .join(AgendaSession, AgendaSession.id == SessionNote.session_id)
             .join(Event, Event.id == AgendaSession.event_id)
             .where(Event.state != EventState.CANCELLED.value)
             .group_by(note_barriers.c.barrier_id))
    if office_id is not None:
        query = query.where(Event.office_id == office_id)
    if since is not None:
        query = query.where(Event.starts_at >= since)
    if until is not None:
        query = query.where(Event.starts_at < until)
    return {barrier_id: count for barrier_id, count in db.session.execute(query)}
