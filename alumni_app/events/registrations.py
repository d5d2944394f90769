"""Invitations, answers, seats, the waiting list and check-in.

A seat is taken by a conditional UPDATE of the event's `registered` count (`... WHERE
capacity IS NULL OR registered < capacity`), and a CHECK constraint holds it within the
capacity, so concurrent answers never overfill an event on SQLite or PostgreSQL. Every change
to the waiting list starts with an UPDATE of the event's row, which PostgreSQL locks until
commit (SQLite locks the whole database): two staff moving the same list, or a decline and a
capacity change at the same moment, take turns and move each person up once, in order.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from alumni_app import audit
from alumni_app.db import utcnow
from alumni_app.events.errors import EventError
from alumni_app.events.labels import state_label
from alumni_app.events.models import Answer, Event, Invitation, Source
from alumni_app.events.workflow import WorkflowError
from alumni_app.extensions import db
from alumni_app.times import format_moment

INSERT_BATCH = 1_000


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _lock(event: Event) -> None:
    """Take the event's row for this transaction (see the module's docstring)."""
    db.session.execute(sa.update(Event).where(Event.id == event.id)
                       .values(waiting_seq=Event.waiting_seq)
                       .execution_options(synchronize_session=False))


def _refresh_counts(event: Event) -> None:
    row = db.session.execute(sa.select(Event.registered, Event.waiting_seq, Event.capacity)
                             .where(Event.id == event.id)).one()
    for key, value in zip(("registered", "waiting_seq", "capacity"), row, strict=True):
        set_committed_value(event, key, value)


def invite(actor, event: Event, *, record_ids: Iterable[int] = (),
           guest_ids: Iterable[int] = (), source: str = Source.INVITED.value) -> list[int]:
    """Add invitations for these people (those invited already are left as they are);
    return the ids of the new invitations, in one INSERT per thousand."""
    if event.state not in ("draft", "published", "postponed"):
        raise WorkflowError("wrong-state", state=state_label(event.state))
    record_ids, guest_ids = sorted(set(record_ids)), sorted(set(guest_ids))
    have_records = set(db.session.scalars(sa.select(Invitation.record_id).where(
        Invitation.event_id == event.id, Invitation.record_id.is_not(None))))
    have_guests = set(db.session.scalars(sa.select(Invitation.guest_id).where(
        Invitation.event_id == event.id, Invitation.guest_id.is_not(None))))
    now, actor_id = utcnow(), getattr(actor, "id", None)
    rows = ([{"record_id": r, "guest_id": None} for r in record_ids if r not in have_records]
            + [{"record_id": None, "guest_id": g} for g in guest_ids if g not in have_guests])
    if not rows:
        return []
    for row in rows:
        row.update(event_id=event.id, source=source, answer=Answer.PENDING.value,
                   invited_at=now, invited_by_id=actor_id, token=new_token())
    for start in range(0, len(rows), INSERT_BATCH):
        db.session.execute(sa.insert(Invitation), rows[start:start + INSERT_BATCH])
    tokens = [row["token"] for row in rows]
    ids = []
    for start in range(0, len(tokens), INSERT_BATCH):
        ids += db.session.scalars(sa.select(Invitation.id).where(
            Invitation.token.in_(tokens[start:start + INSERT_BATCH]))).all()
    audit.record("event.invited", actor=actor, subject=event, office_id=event.office_id,
                 people=len(ids))
    return sorted(ids)


def _take_seat(event: Event) -> bool:
    result = db.session.execute(
        sa.update(Event).where(Event.id == event.id,
                               sa.or_(Event.capacity.is_(None), Event.registered < Event.capacity))
        .values(registered=Event.registered + 1).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _free_seat(event: Event) -> None:
    db.session.execute(sa.update(Event).where(Event.id == event.id, Event.registered > 0)
                       .values(registered=Event.registered - 1)
                       .execution_options(synchronize_session=False))


def _next_waiting_number(event: Event) -> int:
    db.session.execute(sa.update(Event).where(Event.id == event.id)
                       .values(waiting_seq=Event.waiting_seq + 1)
                       .execution_options(synchronize_session=False))
    return db.session.scalar(sa.select(Event.waiting_seq).where(Event.id == event.id))


def _set_answer(invitation: Invitation, old: str, new: str, position: int | None = None) -> None:
    now = utcnow()
    result = db.session.execute(
        sa.update(Invitation).where(Invitation.id == invitation.id, Invitation.answer == old)
        .values(answer=new, waiting_position=position, answered_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise WorkflowError("changed-meanwhile")
    set_committed_value(invitation, "answer", new)
    set_committed_value(invitation, "waiting_position", position)
    set_committed_value(invitation, "answered_at", now)


def check_answers_open(event: Event, *, by_staff: bool = False) -> None:
    if not event.is_live:
        raise EventError("not-open", "answer", status=409, state=state_label(event.state))
    now = utcnow()
    if by_staff:
        if now >= event.ends_at:
            raise EventError("not-open", "answer", status=409, state=state_label("finished"))
        return
    deadline = min(event.registration_deadline or event.starts_at, event.starts_at)
    if now >= deadline:
        raise EventError("after-deadline", "answer", status=409,
                         deadline=format_moment(deadline))


def answer(actor, invitation: Invitation, coming: bool, *, by_staff: bool = False) -> list:
    """Record a yes or a no. A yes takes a seat, or a place on the waiting list once the
    event is full; a no gives the seat to the first person waiting. Return the invitations
    moved up from the waiting list (to be told)."""
    event = invitation.event
    check_answers_open(event, by_staff=by_staff)
    _lock(event)
    db.session.refresh(invitation, ["answer", "waiting_position"])
    old = invitation.answer
    moved: list = []
    if coming:
        if old in (Answer.YES.value, Answer.WAITING.value):
            return []
        if _take_seat(event):
            _set_answer(invitation, old, Answer.YES.value)
        else:
            _set_answer(invitation, old, Answer.WAITING.value, _next_waiting_number(event))
    else:
        if old == Answer.NO.value:
            return []
        _set_answer(invitation, old, Answer.NO.value)
        if old == Answer.YES.value and invitation.source != Source.WALK_IN.value:
            _free_seat(event)
            moved = promote(event, actor)
    _refresh_counts(event)
    audit.record("event.answered", actor=actor, subject=invitation, office_id=event.office_id,
                 answer=invitation.answer, by_staff=by_staff)
    return moved


def register(actor, event: Event, record_id: int) -> tuple[Invitation, list]:
    """An alumnus registers for an open event (or answers yes if invited already)."""
    invitation = db.session.scalar(sa.select(Invitation).where(
        Invitation.event_id == event.id, Invitation.record_id == record_id))
    if invitation is None:
        if not event.open_registration:
            raise EventError("not-invited", "answer", status=403)
        check_answers_open(event)
        ids = invite(actor, event, record_ids=[record_id], source=Source.REGISTERED.value)
        invitation = db.session.get(Invitation, ids[0])
    return invitation, answer(actor, invitation, True)


def promote(event: Event, actor=None) -> list[Invitation]:
    """Give free seats to the people waiting, first come first served; return them."""
    _lock(event)
    moved = []
    while True:
        first = db.session.scalar(
            sa.select(Invitation).where(Invitation.event_id == event.id,
                                        Invitation.answer == Answer.WAITING.value)
            .order_by(Invitation.waiting_position, Invitation.id).limit(1))
        if first is None or not _take_seat(event):
            break
        _set_answer(first, Answer.WAITING.value, Answer.YES.value)
        audit.record("event.moved_up", actor=actor, subject=first, office_id=event.office_id)
        moved.append(first)
    _refresh_counts(event)
    return moved


def set_capacity(actor, event: Event, capacity: int | None) -> list[Invitation]:
    """Change the number of seats (never below those taken); raising it moves the waiting
    list up. Return the invitations moved up."""
    _lock(event)
    _refresh_counts(event)
    result = db.session.execute(
        sa.update(Event).where(Event.id == event.id,
                               sa.true() if capacity is None else Event.registered <= capacity)
        .values(capacity=capacity).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise EventError("capacity-below", "capacity", registered=event.registered)
    set_committed_value(event, "capacity", capacity)
    return promote(event, actor) if event.is_live else []


def check_in(actor, invitation: Invitation) -> bool:
    """Mark the person present; False when they were already (a second tap, another phone)."""
    event = invitation.event
    if not event.is_live:
        raise EventError("not-live", "check_in", status=409)
    now = utcnow()
    result = db.session.execute(
        sa.update(Invitation).where(Invitation.id == invitation.id,
                                    Invitation.checked_in_at.is_(None),
                                    Invitation.answer == Answer.YES.value)
        .values(checked_in_at=now, checked_in_by_id=getattr(actor, "id", None))
        .execution_options(synchronize_session=False))
    db.session.refresh(invitation, ["checked_in_at", "answer"])
    if result.rowcount == 1:
        audit.record("event.checked_in", actor=actor, subject=invitation,
                     office_id=event.office_id)
        return True
    if invitation.checked_in_at is not None:
        return False
    raise EventError("not-coming", "check_in", status=409)


def add_walk_in(actor, event: Event, *, record_id: int | None = None,
                guest_id: int | None = None) -> Invitation:
    """Someone who came without a seat: added, and checked in at once (not counted against
    the seats, which were given out before the day). Someone invited already who said yes
    is simply checked in."""
    if not event.is_live:
        raise EventError("not-live", "check_in", status=409)
    column, value = ((Invitation.record_id, record_id) if record_id is not None
                     else (Invitation.guest_id, guest_id))
    invitation = db.session.scalar(sa.select(Invitation).where(
        Invitation.event_id == event.id, column == value))
    if invitation is None:
        ids = invite(actor, event, record_ids=[record_id] if record_id else [],
                     guest_ids=[guest_id] if guest_id else [], source=Source.WALK_IN.value)
        invitation = db.session.get(Invitation, ids[0])
        _set_answer(invitation, Answer.PENDING.value, Answer.YES.value)
    elif invitation.answer != Answer.YES.value:
        old = invitation.answer
        db.session.execute(sa.update(Invitation).where(Invitation.id == invitation.id)
                           .values(source=Source.WALK_IN.value)
                           .execution_options(synchronize_session=False))
        set_committed_value(invitation, "source", Source.WALK_IN.value)
        _set_answer(invitation, old, Answer.YES.value)
        if old == Answer.WAITING.value:
            pass  # their place on the list is given up: they are here
    check_in(actor, invitation)
    return invitation


def counts(event: Event) -> dict:
    """How many invited, coming (and of them expected: not walk-ins), waiting, declined, not
    answered, present: one query."""
    answer_col = Invitation.answer

    def n(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    row = db.session.execute(sa.select(
        sa.func.count(Invitation.id).label("invited"),
        n(answer_col == Answer.YES.value).label("yes"),
        n(sa.and_(answer_col == Answer.YES.value, Invitation.source != Source.WALK_IN.value))
        .label("expected"),
        n(answer_col == Answer.WAITING.value).label("waiting"),
        n(answer_col == Answer.NO.value).label("no"),
        n(answer_col == Answer.PENDING.value).label("pending"),
        n(Invitation.checked_in_at.is_not(None)).label("present"),
        n(Invitation.guest_id.is_not(None)).label("guests"),
    ).where(Invitation.event_id == event.id)).one()
    return dict(row._mapping)


def people_to_tell(event: Event) -> list[int]:
    """The invitations of people who may come: to be told of a cancellation or new dates."""
    return list(db.session.scalars(sa.select(Invitation.id).where(
        Invitation.event_id == event.id,
        Invitation.answer.in_((Answer.PENDING.value, Answer.YES.value, Answer.WAITING.value)))
        .order_by(Invitation.id)))


def waiting_rank(invitation: Invitation) -> int | None:
    """The person's place on the waiting list now (1: the next to get a seat)."""
    if invitation.answer != Answer.WAITING.value:
        return None
    return db.session.scalar(sa.select(sa.func.count()).select_from(Invitation).where(
        Invitation.event_id == invitation.event_id, Invitation.answer == Answer.WAITING.value,
        Invitation.waiting_position <= invitation.waiting_position))
