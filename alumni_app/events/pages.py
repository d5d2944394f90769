"""What the event pages list: events, registrations and the check-in search, scoped and paged."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.alumni.directory import search_condition
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.events.models import Answer, Event, EventState, Guest, Invitation
from alumni_app.extensions import db
from alumni_app.pagination import paginate
from alumni_app.permissions import scope_to_office
from alumni_app.search_text import contains_ci

SORTS = {"starts": (Event.starts_at,), "title": (Event.title_en,), "state": (Event.state,)}
MAX_QUERY = 100


def staff_events(user, q: str, state: str | None, sort: str, page: int, per_page: int = 20):
    query = scope_to_office(sa.select(Event), Event.office_id, user)
    q = (q or "")[:MAX_QUERY].strip()
    if q:
        query = query.where(sa.or_(contains_ci(Event.title_en, q), contains_ci(Event.title_ru, q)))
    if state in {s.value for s in EventState}:
        query = query.where(Event.state == state)
    name = sort.lstrip("-") if sort.lstrip("-") in SORTS else "starts"
    descending = sort.startswith("-") if sort.lstrip("-") in SORTS else True
    columns = [c.desc() if descending else c.asc() for c in SORTS[name]]
    return paginate(query.order_by(*columns, Event.id.desc()), page, per_page)


def _person_search(q: str):
    """Invitations whose person matches `q`: an alumnus by any word of their names in any
    script (the directory's search terms), a guest by a part of the name."""
    q = (q or "")[:MAX_QUERY].strip()
    if not q:
        return None
    by_record = search_condition(q)
    guest_match = contains_ci(Guest.name, q)
    record_ids = sa.select(AlumnusRecord.id).where(by_record) if by_record is not None else None
    guest_ids = sa.select(Guest.id).where(guest_match)
    parts = [Invitation.guest_id.in_(guest_ids)]
    if record_ids is not None:
        parts.append(Invitation.record_id.in_(record_ids))
    return sa.or_(*parts)


ANSWER_ORDER = sa.case({Answer.YES.value: 0, Answer.WAITING.value: 1, Answer.PENDING.value: 2,
                        Answer.NO.value: 3}, value=Invitation.answer)


def registrations(event: Event, q: str, answer: str | None, page: int, per_page: int = 50):
    """The event's people: coming first, then waiting (in order), not answered, not coming."""
    query = sa.select(Invitation).where(Invitation.event_id == event.id)
    condition = _person_search(q)
    if condition is not None:
        query = query.where(condition)
    if answer in {a.value for a in Answer}:
        query = query.where(Invitation.answer == answer)
    query = (query.outerjoin(AlumnusRecord, AlumnusRecord.id == Invitation.record_id)
             .outerjoin(Guest, Guest.id == Invitation.guest_id)
             .order_by(ANSWER_ORDER, Invitation.waiting_position,
                       sa.func.coalesce(AlumnusRecord.family_name, Guest.name), Invitation.id))
    return paginate(query, page, per_page)


def check_in_list(event: Event, q: str, limit: int = 30) -> list[Invitation]:
    """People to check in: matching `q` (all when empty), those coming first; one query."""
    query = sa.select(Invitation).where(Invitation.event_id == event.id,
                                        Invitation.answer != Answer.NO.value)
    condition = _person_search(q)
    if condition is not None:
        query = query.where(condition)
    query = (query.outerjoin(AlumnusRecord, AlumnusRecord.id == Invitation.record_id)
             .outerjoin(Guest, Guest.id == Invitation.guest_id)
             .order_by(ANSWER_ORDER, sa.func.coalesce(AlumnusRecord.family_name, Guest.name),
                       Invitation.id).limit(limit))
    return list(db.session.scalars(query).unique())


def office_records(office_id: int, q: str, limit: int = 20) -> list[AlumnusRecord]:
    """Alumni of the office matching `q` (for speakers, invitations by hand, walk-ins)."""
    condition = search_condition((q or "")[:MAX_QUERY].strip())
    if condition is None:
        return []
    return list(db.session.scalars(
        sa.select(AlumnusRecord).where(condition, AlumnusRecord.office_id == office_id,
                                       AlumnusRecord.is_active,
                                       AlumnusRecord.merged_into_id.is_(None))
        .order_by(AlumnusRecord.family_name, AlumnusRecord.given_name, AlumnusRecord.id)
        .limit(limit)))


def office_guests(office_id: int, q: str = "", page: int = 1, per_page: int = 50):
    query = sa.select(Guest).where(Guest.office_id == office_id)
    q = (q or "")[:MAX_QUERY].strip()
    if q:
        query = query.where(sa.or_(contains_ci(Guest.name, q),
                                   contains_ci(Guest.organization, q)))
    return paginate(query.order_by(Guest.name, Guest.id), page, per_page)


def own_events(record: AlumnusRecord | None) -> list[tuple[Event, Invitation | None]]:
    """An alumnus's events: those they are invited to, and the office's open ones coming."""
    if record is None:
        return []
    visible = sa.or_(Invitation.id.is_not(None),
                     sa.and_(Event.open_registration, Event.state.in_(
                         (EventState.PUBLISHED.value, EventState.POSTPONED.value))))
    rows = db.session.execute(
        sa.select(Event, Invitation)
        .outerjoin(Invitation, sa.and_(Invitation.event_id == Event.id,
                                       Invitation.record_id == record.id))
        .where(Event.office_id == record.office_id, Event.state != EventState.DRAFT.value,
               visible)
        .order_by(Event.starts_at.desc(), Event.id.desc()).limit(200)).all()
    return [(row[0], row[1]) for row in rows]
