"""What events do when the records below them change (alumni_app/hooks.py): a merge of two
records carries the duplicate's invitations, speaking slots (once per session) and proposals
to the record kept; an erasure withdraws the person from events still to come and from the
speakers of sessions still to come, drops the proposals to have them present and takes their
name out of the titles written with it; past attendance and past sessions' speakers stay (a
count; the name goes with the record, and their certificates stop verifying)."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.db import utcnow
from alumni_app.events import proposals, registrations, tasks
from alumni_app.events.models import (
    LIVE_STATES,
    AgendaSession,
    Answer,
    Event,
    Invitation,
    Proposal,
    ProposalState,
    Source,
    Speaker,
)
from alumni_app.extensions import db
from alumni_app.training.models import Sector


def _invitations(record_id: int) -> list[Invitation]:
    return list(db.session.scalars(sa.select(Invitation).where(Invitation.record_id == record_id)
                                   .order_by(Invitation.id)))


def _fold(mine: Invitation, theirs: Invitation) -> None:
    """One person invited twice to one event: one place, the better of the two answers."""
    if mine.checked_in_at is None and theirs.checked_in_at is not None:
        mine.checked_in_at, mine.checked_in_by_id = theirs.checked_in_at, theirs.checked_in_by_id
    if theirs.answer == Answer.YES.value:
        if mine.answer == Answer.YES.value:
            if theirs.source != Source.WALK_IN.value:  # two seats held: one is given back
                registrations._free_seat(theirs.event)
        else:  # the duplicate's seat becomes the kept record's
            mine.answer, mine.waiting_position = Answer.YES.value, None
            mine.source, mine.answered_at = theirs.source, theirs.answered_at
    db.session.delete(theirs)


def _move_speakers(keep, duplicate) -> None:
    """The duplicate's speaking slots become the kept record's; where both speak at one
    session, the person is listed once."""
    both = sa.select(Speaker.session_id).where(Speaker.record_id == keep.id).scalar_subquery()
    twice = db.session.scalars(sa.select(Speaker).where(Speaker.record_id == duplicate.id,
                                                        Speaker.session_id.in_(both)))
    for speaker in list(twice):
        db.session.delete(speaker)
    db.session.flush()
    for speaker in db.session.scalars(sa.select(Speaker).where(
            Speaker.record_id == duplicate.id)):
        speaker.record_id = keep.id


def move_to_kept_record(actor, keep, duplicate) -> None:
    """A merge (alumni.services.merge_records): the duplicate's places at events follow the
    person to the record kept."""
    kept = {i.event_id: i for i in _invitations(keep.id)}
    for theirs in _invitations(duplicate.id):
        mine = kept.get(theirs.event_id)
        if mine is None:
            theirs.record_id = keep.id
        else:
            _fold(mine, theirs)
    _move_speakers(keep, duplicate)
    taken = sa.select(Proposal.event_id).where(Proposal.record_id == keep.id).scalar_subquery()
    db.session.execute(sa.delete(Proposal).where(Proposal.record_id == duplicate.id,
                                                 Proposal.event_id.in_(taken)))
    db.session.execute(sa.update(Proposal).where(Proposal.record_id == duplicate.id)
                       .values(record_id=keep.id))
    db.session.flush()


def withdraw_erased(actor, user, record) -> None:
    """An erasure: the person leaves the events still to come (a seat held goes to the first
    person waiting, who is told); past attendance stays as a count."""
    if record is None:
        return
    coming = db.session.scalars(
        sa.select(Invitation).join(Event, Event.id == Invitation.event_id)
        .where(Invitation.record_id == record.id, Event.state.in_(LIVE_STATES),
               Event.starts_at > utcnow()))
    for invitation in list(coming):
        if invitation.answer in (Answer.YES.value, Answer.WAITING.value):
            moved = registrations.answer(actor, invitation, False, by_staff=True)
            if moved:
                tasks.queue_mail("moved_up", invitation.event_id, [i.id for i in moved])
        db.session.delete(invitation)
    _leave_coming_sessions(record)
    _forget_as_presenter(record)
    db.session.flush()


def _leave_coming_sessions(record) -> None:
    """The person no longer speaks at sessions still to come; past sessions keep their
    speakers, the erased record's name being its placeholder ("Erased person #12")."""
    coming = db.session.scalars(
        sa.select(Speaker).join(AgendaSession, AgendaSession.id == Speaker.session_id)
        .where(Speaker.record_id == record.id, AgendaSession.starts_at > utcnow()))
    for speaker in list(coming):
        speaker.session.speakers.remove(speaker)  # delete-orphan: the row goes


def _forget_as_presenter(record) -> None:
    """Proposals to have the person present go, undecided; decided ones, and the session an
    accepted one became, lose the name their title was written with: the title is written
    again around the record's placeholder name (the Russian title, written by staff around
    the name, is cleared: the English one shows)."""
    db.session.execute(sa.delete(Proposal).where(
        Proposal.record_id == record.id, Proposal.state == ProposalState.PROPOSED.value))
    sectors = {s.id: s for s in db.session.scalars(sa.select(Sector))}
    for proposal in db.session.scalars(sa.select(Proposal).where(
            Proposal.record_id == record.id)):
        title = proposals.presenter_title(sectors.get(proposal.sector_id), record)
        session = (db.session.get(AgendaSession, proposal.session_id)
                   if proposal.session_id else None)
        if session is not None and session.title_en == proposal.title:
            session.title_en, session.title_ru = title, ""
        proposal.title = title


def register(app) -> None:
    from alumni_app import hooks
    from alumni_app.alumni.privacy import register_erasure
    from alumni_app.alumni.services import register_merge
    from alumni_app.alumni.views import register_record_section
    from alumni_app.events import certificates, record_events

    register_merge(app, "events", move_to_kept_record)
    register_erasure(app, "events", withdraw_erased)
    register_record_section(app, "events", record_events.section)
    hooks.register(app, hooks.TEMPLATE_GLOBALS, "certificate_scripts",
                   certificates.staff_scripts)
