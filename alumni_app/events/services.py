"""Creating and changing events, their agenda and the office's guest list.

Services flush and never commit: views commit through forms.attempt(). Times arrive as
wall-clock times in the office's zone and are stored in UTC.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from alumni_app import audit
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.db import utcnow
from alumni_app.events import registrations
from alumni_app.events.errors import EventError
from alumni_app.events.models import AgendaSession, Event, EventState, Guest, Speaker
from alumni_app.events.workflow import apply_transition
from alumni_app.extensions import db
from alumni_app.offices.models import Office

HORIZON = timedelta(days=5 * 366)
MAX_CAPACITY = 100_000


def office_zone(office: Office) -> ZoneInfo:
    try:
        return ZoneInfo(office.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def to_utc(local: datetime | None, office: Office) -> datetime | None:
    """A wall-clock time in the office's zone, as an aware UTC datetime."""
    if local is None:
        return None
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    return local.replace(tzinfo=office_zone(office)).astimezone(UTC)


def to_local(moment: datetime | None, office: Office) -> datetime | None:
    """A stored time as the office's wall clock (naive, for a form's input)."""
    if moment is None:
        return None
    return moment.astimezone(office_zone(office)).replace(tzinfo=None)


@dataclass
class EventValues:
    kind: str
    title_en: str
    title_ru: str = ""
    description_en: str = ""
    description_ru: str = ""
    starts_at: datetime | None = None  # office wall clock
    ends_at: datetime | None = None
    venue: str = ""
    address: str = ""
    online_url: str = ""
    capacity: int | None = None
    registration_deadline: datetime | None = None
    open_registration: bool = False
    extra: dict = field(default_factory=dict)


def _check_dates(starts_at, ends_at, deadline, *, now) -> None:
    if starts_at is None:
        raise EventError("in-past", "starts_at")
    if ends_at is None or ends_at <= starts_at:
        raise EventError("ends-before", "ends_at")
    if starts_at < now:
        raise EventError("in-past", "starts_at")
    if starts_at > now + HORIZON or ends_at > now + HORIZON:
        raise EventError("too-far", "starts_at")
    if deadline is not None and deadline > starts_at:
        raise EventError("deadline-after", "registration_deadline")


def _validate(values: EventValues, office: Office, event: Event | None = None) -> dict:
    if not (values.title_en or "").strip():
        raise EventError("title-needed", "title_en")
    starts = to_utc(values.starts_at, office)
    ends = to_utc(values.ends_at, office)
    deadline = to_utc(values.registration_deadline, office)
    unchanged = event is not None and starts == event.starts_at and ends == event.ends_at
    if not unchanged:  # an event under way may be edited without moving its dates
        _check_dates(starts, ends, deadline, now=utcnow())
    elif deadline is not None and deadline > starts:
        raise EventError("deadline-after", "registration_deadline")
    url = (values.online_url or "").strip()
    if url and not url.lower().startswith(("https://", "http://")):
        raise EventError("link-invalid", "online_url")
    if not url and not ((values.venue or "").strip() and (values.address or "").strip()):
        raise EventError("place-needed", "venue")
    if values.capacity is not None and not 1 <= values.capacity <= MAX_CAPACITY:
        raise EventError("capacity-range", "capacity")
    return {"kind": values.kind, "title_en": values.title_en.strip(),
            "title_ru": values.title_ru.strip(), "description_en": values.description_en,
            "description_ru": values.description_ru, "starts_at": starts, "ends_at": ends,
            "venue": values.venue.strip(), "address": values.address.strip(),
            "online_url": url, "registration_deadline": deadline,
            "open_registration": bool(values.open_registration)}


def create_event(actor, office: Office, values: EventValues) -> Event:
    data = _validate(values, office)
    event = Event(office_id=office.id, created_by_id=getattr(actor, "id", None),
                  capacity=values.capacity, state=EventState.DRAFT.value, registered=0,
                  waiting_seq=0, audience="{}", **data)
    db.session.add(event)
    db.session.flush()
    audit.record("event.created", actor=actor, subject=event, office_id=office.id,
                 title=event.title_en)
    return event


def update_event(actor, event: Event, values: EventValues) -> list:
    """Save the event's details; a new capacity moves the waiting list up. Returns the
    invitations moved up from the waiting list (they are told)."""
    data = _validate(values, event.office, event)
    if event.state in (EventState.CANCELLED.value, EventState.FINISHED.value):
        from alumni_app.events.labels import state_label
        from alumni_app.events.workflow import WorkflowError

        raise WorkflowError("wrong-state", state=state_label(event.state))
    for key, value in data.items():
        setattr(event, key, value)
    db.session.flush()
    moved = registrations.set_capacity(actor, event, values.capacity)
    audit.record("event.edited", actor=actor, subject=event, office_id=event.office_id)
    return moved


def publish(actor, event: Event) -> None:
    if event.starts_at < utcnow():
        raise EventError("in-past", "starts_at")
    apply_transition(event, "publish", actor=actor, published_at=utcnow())


def cancel(actor, event: Event) -> list:
    """Cancel; return the people to tell (those invited who did not say no)."""
    apply_transition(event, "cancel", actor=actor)
    return registrations.people_to_tell(event)


def postpone(actor, event: Event, starts_local: datetime | None,
             ends_local: datetime | None) -> list:
    """Move a published event to new dates; return the people to tell."""
    starts, ends = to_utc(starts_local, event.office), to_utc(ends_local, event.office)
    _check_dates(starts, ends, None, now=utcnow())
    deadline = event.registration_deadline
    if deadline is not None and deadline > starts:
        deadline = starts
    shift = starts - event.starts_at
    apply_transition(event, "postpone", actor=actor, starts_at=starts, ends_at=ends,
                     registration_deadline=deadline)
    for session in event.sessions:  # the programme moves with the event
        session.starts_at = session.starts_at + shift
        if session.ends_at is not None:
            session.ends_at = session.ends_at + shift
    return registrations.people_to_tell(event)


def finish(actor, event: Event) -> None:
    apply_transition(event, "finish", actor=actor)


# The agenda ------------------------------------------------------------------------------


@dataclass
class SessionValues:
    starts_at: datetime | None  # office wall clock
    ends_at: datetime | None
    title_en: str
    title_ru: str = ""
    room: str = ""
    record_ids: list[int] = field(default_factory=list)
    guest_ids: list[int] = field(default_factory=list)


def _speakers(event: Event, values: SessionValues) -> list[Speaker]:
    records = set(db.session.scalars(sa.select(AlumnusRecord.id).where(
        AlumnusRecord.id.in_(values.record_ids), AlumnusRecord.office_id == event.office_id,
        AlumnusRecord.is_active))) if values.record_ids else set()
    guests = set(db.session.scalars(sa.select(Guest.id).where(
        Guest.id.in_(values.guest_ids), Guest.office_id == event.office_id))
    ) if values.guest_ids else set()
    if len(records) != len(set(values.record_ids)) or len(guests) != len(set(values.guest_ids)):
        raise EventError("unknown-speaker", "speakers")
    return ([Speaker(record_id=r) for r in sorted(records)]
            + [Speaker(guest_id=g) for g in sorted(guests)])


def _session_times(event: Event, values: SessionValues) -> tuple[datetime, datetime | None]:
    if not (values.title_en or "").strip():
        raise EventError("session-title", "title_en")
    starts = to_utc(values.starts_at, event.office)
    ends = to_utc(values.ends_at, event.office)
    if starts is None or not event.starts_at <= starts <= event.ends_at:
        raise EventError("session-outside", "starts_at")
    if ends is not None and ends <= starts:
        raise EventError("session-ends-before", "ends_at")
    if ends is not None and ends > event.ends_at:
        raise EventError("session-outside", "ends_at")
    return starts, ends


def add_session(actor, event: Event, values: SessionValues) -> AgendaSession:
    starts, ends = _session_times(event, values)
    session = AgendaSession(event_id=event.id, starts_at=starts, ends_at=ends,
                            title_en=values.title_en.strip(), title_ru=values.title_ru.strip(),
                            room=values.room.strip())
    session.speakers = _speakers(event, values)
    db.session.add(session)
    db.session.flush()
    audit.record("event.session_added", actor=actor, subject=event, office_id=event.office_id,
                 session=session.title_en)
    return session


def update_session(actor, session: AgendaSession, values: SessionValues) -> None:
    event = session.event
    starts, ends = _session_times(event, values)
    session.starts_at, session.ends_at = starts, ends
    session.title_en, session.title_ru = values.title_en.strip(), values.title_ru.strip()
    session.room = values.room.strip()
    session.speakers = _speakers(event, values)
    db.session.flush()
    audit.record("event.session_edited", actor=actor, subject=event, office_id=event.office_id,
                 session=session.title_en)


def remove_session(actor, session: AgendaSession) -> None:
    from alumni_app.events.models import Proposal, SessionNote

    event = session.event
    if db.session.scalar(sa.select(SessionNote.id).where(SessionNote.session_id == session.id)
                         .limit(1)) is not None:
        raise EventError("session-has-notes", status=409)
    db.session.execute(sa.update(Proposal).where(Proposal.session_id == session.id)
                       .values(session_id=None, state="proposed"))
    db.session.delete(session)
    db.session.flush()
    audit.record("event.session_removed", actor=actor, subject=event, office_id=event.office_id,
                 session=session.title_en)


# Guests -----------------------------------------------------------------------------------


@dataclass
class GuestValues:
    name: str
    email: str
    organization: str = ""
    position: str = ""
    phone: str = ""
    language: str = "en"


def save_guest(actor, office_id: int, values: GuestValues, guest: Guest | None = None) -> Guest:
    if not (values.name or "").strip():
        raise EventError("guest-name", "name")
    email = (values.email or "").strip().lower()
    if not email:
        raise EventError("email-needed", "email")
    taken = db.session.scalar(sa.select(Guest.id).where(
        Guest.office_id == office_id, Guest.email == email,
        Guest.id != (guest.id if guest is not None else -1)))
    if taken is not None:
        raise EventError("email-taken", "email")
    if guest is None:
        guest = Guest(office_id=office_id)
        db.session.add(guest)
    guest.name, guest.email = values.name.strip(), email
    guest.organization, guest.position = values.organization.strip(), values.position.strip()
    guest.phone = values.phone.strip()
    guest.language = values.language if values.language in ("en", "ru") else "en"
    db.session.flush()
    audit.record("event.guest_saved", actor=actor, subject=guest, office_id=office_id)
    return guest


def remember_audience(event: Event, audience: dict) -> None:
    event.audience = json.dumps(audience, sort_keys=True)
