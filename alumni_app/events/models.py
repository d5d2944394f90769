"""Events, their agenda, guests who are not alumni, invitations/registrations and proposals.

An event's `registered` count is changed only by conditional UPDATEs (registrations.py), and a
CHECK constraint keeps it within the capacity whatever the code does, on SQLite as on
PostgreSQL: two people answering "yes" for the last seat cannot both get it.
"""

from __future__ import annotations

import enum
import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.db import TimestampMixin, UTCDateTime, utcnow
from alumni_app.extensions import db
from alumni_app.offices.models import Office
from alumni_app.plans.models import Barrier


class EventKind(enum.StrEnum):
    ANNUAL_MEETING = "annual_meeting"
    SEMINAR = "seminar"
    WORKSHOP = "workshop"
    BRIEFING = "briefing"  # pre-departure briefing for a new cohort
    OTHER = "other"


class EventState(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    POSTPONED = "postponed"  # published, moved to new dates (people were told)
    CANCELLED = "cancelled"
    FINISHED = "finished"


class Answer(enum.StrEnum):
    PENDING = "pending"  # invited, not answered yet
    YES = "yes"  # coming: holds a seat
    WAITING = "waiting"  # said yes past capacity: on the waiting list
    NO = "no"


class Source(enum.StrEnum):
    INVITED = "invited"
    REGISTERED = "registered"  # the alumnus registered for an open event
    WALK_IN = "walk_in"  # added at the door


class ProposalKind(enum.StrEnum):
    PRESENTER = "presenter"
    TOPIC = "topic"


class ProposalState(enum.StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    IGNORED = "ignored"


EVENT_KINDS = tuple(k.value for k in EventKind)
EVENT_STATES = tuple(s.value for s in EventState)
ANSWERS = tuple(a.value for a in Answer)
SOURCES = tuple(s.value for s in Source)
PROPOSAL_KINDS = tuple(k.value for k in ProposalKind)
PROPOSAL_STATES = tuple(s.value for s in ProposalState)
# Alumni and guests answer and register, and staff check people in, while the event is on.
LIVE_STATES = (EventState.PUBLISHED.value, EventState.POSTPONED.value)
GUEST_LANGUAGES = ("en", "ru")


class Event(TimestampMixin, db.Model):
    __tablename__ = "events"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {EVENT_KINDS!r}", name="kind_valid"),
        sa.CheckConstraint(f"state IN {EVENT_STATES!r}", name="state_valid"),
        sa.CheckConstraint("ends_at > starts_at", name="dates_ordered"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("registered >= 0 AND (capacity IS NULL OR registered <= capacity)",
                           name="registered_within_capacity"),
        sa.Index("ix_events_office_starts", "office_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"))
    kind: Mapped[str] = mapped_column(sa.String(20), default=EventKind.SEMINAR.value)
    title_en: Mapped[str] = mapped_column(sa.String(200))
    title_ru: Mapped[str] = mapped_column(sa.String(200), default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    description_ru: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    venue: Mapped[str] = mapped_column(sa.String(200), default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    online_url: Mapped[str] = mapped_column(sa.String(500), default="")
    capacity: Mapped[int | None] = mapped_column()  # None: no limit
    registration_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Open: any alumnus of the office may register, not only those invited.
    open_registration: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(sa.String(12), default=EventState.DRAFT.value, index=True)
    registered: Mapped[int] = mapped_column(default=0)  # answers "yes": seats taken
    waiting_seq: Mapped[int] = mapped_column(default=0)  # the last waiting-list number given
    audience: Mapped[str] = mapped_column(sa.Text, default="{}")  # the last filter invited
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    office: Mapped[Office] = relationship(lazy="joined")
    sessions: Mapped[list[AgendaSession]] = relationship(
        back_populates="event", order_by="(AgendaSession.starts_at, AgendaSession.id)",
        lazy="select")

    def title(self, locale: str = "en") -> str:
        return self.title_ru if str(locale) == "ru" and self.title_ru else self.title_en

    def description(self, locale: str = "en") -> str:
        if str(locale) == "ru" and self.description_ru:
            return self.description_ru
        return self.description_en

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    def answers_open(self, now: datetime | None = None) -> bool:
        """Answers and registrations taken: live, not begun, before the deadline."""
        now = now or utcnow()
        deadline = self.registration_deadline or self.starts_at
        return self.is_live and now < min(deadline, self.starts_at)

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.registered, 0)

    @property
    def audience_dict(self) -> dict:
        try:
            return json.loads(self.audience or "{}")
        except ValueError:
            return {}


class Guest(TimestampMixin, db.Model):
    """Someone invited who is not an ex-participant: officials, embassy staff, partners.

    Kept apart from alumni records: never in the directory, its counts or its figures.
    """

    __tablename__ = "event_guests"
    __table_args__ = (
        sa.CheckConstraint(f"language IN {GUEST_LANGUAGES!r}", name="language_valid"),
        sa.UniqueConstraint("office_id", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    organization: Mapped[str] = mapped_column(sa.String(200), default="")
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str] = mapped_column(sa.String(254))
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    language: Mapped[str] = mapped_column(sa.String(5), default="en")


class AgendaSession(db.Model):
    """One item of the programme: when, what, where, and who speaks."""

    __tablename__ = "event_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    title_en: Mapped[str] = mapped_column(sa.String(300))
    title_ru: Mapped[str] = mapped_column(sa.String(300), default="")
    room: Mapped[str] = mapped_column(sa.String(120), default="")

    event: Mapped[Event] = relationship(back_populates="sessions")
    speakers: Mapped[list[Speaker]] = relationship(
        back_populates="session", order_by="Speaker.id", lazy="selectin",
        cascade="all, delete-orphan")

    def title(self, locale: str = "en") -> str:
        return self.title_ru if str(locale) == "ru" and self.title_ru else self.title_en


class Speaker(db.Model):
    """A session's speaker: an alumnus's record or a guest."""

    __tablename__ = "event_speakers"
    __table_args__ = (
        sa.CheckConstraint("(record_id IS NULL) <> (guest_id IS NULL)", name="one_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("event_sessions.id"), index=True)
    record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alumni_records.id"), index=True)
    guest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event_guests.id"), index=True)

    session: Mapped[AgendaSession] = relationship(back_populates="speakers")
    record: Mapped[AlumnusRecord | None] = relationship(lazy="joined")
    guest: Mapped[Guest | None] = relationship(lazy="joined")

    @property
    def name(self) -> str:
        return self.record.display_name if self.record is not None else self.guest.name


class Invitation(db.Model):
    """One person's place at an event: invited or registered, their answer, their seat or
    place on the waiting list, and whether they came."""

    __tablename__ = "event_invitations"
    __table_args__ = (
        sa.CheckConstraint("(record_id IS NULL) <> (guest_id IS NULL)", name="one_person"),
        sa.CheckConstraint(f"answer IN {ANSWERS!r}", name="answer_valid"),
        sa.CheckConstraint(f"source IN {SOURCES!r}", name="source_valid"),
        sa.CheckConstraint("(answer = 'waiting') = (waiting_position IS NOT NULL)",
                           name="waiting_iff_position"),
        sa.UniqueConstraint("event_id", "record_id"),
        sa.UniqueConstraint("event_id", "guest_id"),
        sa.UniqueConstraint("token"),
        sa.Index("ix_event_invitations_event_answer", "event_id", "answer", "waiting_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id"))
    record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alumni_records.id"), index=True)
    guest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event_guests.id"), index=True)
    source: Mapped[str] = mapped_column(sa.String(12), default=Source.INVITED.value)
    answer: Mapped[str] = mapped_column(sa.String(10), default=Answer.PENDING.value)
    waiting_position: Mapped[int | None] = mapped_column()
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A random code for the person's check-in QR: means nothing without this event's page.
    token: Mapped[str] = mapped_column(sa.String(43))

    event: Mapped[Event] = relationship()
    record: Mapped[AlumnusRecord | None] = relationship(lazy="joined")
    guest: Mapped[Guest | None] = relationship(lazy="joined")

    @property
    def name(self) -> str:
        return self.record.display_name if self.record is not None else self.guest.name


class Proposal(db.Model):
    """An agenda item the app proposes for an annual meeting from follow-up outcomes: a
    presenter (a record, with what they achieved) or a discussion topic (a barrier)."""

    __tablename__ = "event_proposals"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {PROPOSAL_KINDS!r}", name="kind_valid"),
        sa.CheckConstraint(f"state IN {PROPOSAL_STATES!r}", name="state_valid"),
        sa.UniqueConstraint("event_id", "kind", "record_id", "barrier_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    sector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sectors.id"))
    record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alumni_records.id"))
    barrier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("barriers.id"))
    title: Mapped[str] = mapped_column(sa.String(300))
    # What it rests on: people reached, milestones done, grants closed; or times reported.
    reached: Mapped[int] = mapped_column(default=0)
    milestones: Mapped[int] = mapped_column(default=0)
    grants: Mapped[int] = mapped_column(default=0)
    reports: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(sa.String(10), default=ProposalState.PROPOSED.value)
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event_sessions.id"))

    event: Mapped[Event] = relationship()
    record: Mapped[AlumnusRecord | None] = relationship(lazy="joined")


class NoteKind(enum.StrEnum):
    CHALLENGE = "challenge"
    NEED = "need"
    IDEA = "idea"


NOTE_KINDS = tuple(k.value for k in NoteKind)

note_barriers = sa.Table(
    "event_note_barriers",
    db.metadata,
    sa.Column("note_id", sa.ForeignKey("event_session_notes.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("barrier_id", sa.ForeignKey("barriers.id"), primary_key=True, index=True),
)


class SessionNote(db.Model):
    """A point of a session's discussion, as staff noted it: a challenge, a need or an idea,
    tagged with the shared barriers so that the follow-up figures can count it."""

    __tablename__ = "event_session_notes"
    __table_args__ = (sa.CheckConstraint(f"kind IN {NOTE_KINDS!r}", name="kind_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("event_sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    session: Mapped[AgendaSession] = relationship()
    barriers: Mapped[list[Barrier]] = relationship(secondary=note_barriers, lazy="selectin",
                                                   order_by="Barrier.name_en")
