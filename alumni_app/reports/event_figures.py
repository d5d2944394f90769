"""Events held and who came: alumni and guests apart, by kind and by the alumni's sector.

Read from the events' own tables as they stand (two grouped statements, whatever the number of
events and offices, and a third for disclosure when a person filter is chosen), not from the
figure cells; grouped by office too, for the offices side by side. An event is held when it is
finished, or published (or postponed) and has begun; the period is the fiscal years its start
falls in. Guests are people who are not ex-participants: they are counted beside the alumni,
never as alumni. The page's sector, region and program type narrow the alumni counted (the
person's sectors of work, the record's region, a course of that program type taken); events and
guests are counted whatever they are.

Invited: places the office offered (self-registrations and walk-ins apart). Registered: people
who took a seat ahead of the day (answered yes, walk-ins apart). Attended: checked in at the
door, walk-ins included. The attendance rate is the share of those registered who came.

Disclosure (rules.py, the outcomes page's rule): whether an alumnus came or stayed away is
how a person fared, so the alumni's counts are withheld where they count people of a
personal attribute and too few of them to hide one. That is each row of the by-sector table
(a sector of work), and the alumni's counts as a whole (the attendance table's alumni column,
the alumni by kind of event, the offices side by side) when the page's sector, region or
program type is chosen (the page then counts the people of that attribute, and the unfiltered
page minus it the others). The unit is the distinct alumni with a place at an event held, in
one office (administrators also see every office together): 1 or 2 of them, in the row or
left out of it by the filter, withhold the row. Totals of the unfiltered page (events held,
the alumni's and the guests' counts) are not about an attribute of anyone and stay shown;
the guests are counted whatever the filters, so they stay shown too; the kind of event is
the event's, not a person's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord, record_sectors
from alumni_app.db import utcnow
from alumni_app.events.labels import KIND_LABELS
from alumni_app.events.models import (
    EVENT_KINDS,
    LIVE_STATES,
    Answer,
    Event,
    EventState,
    Invitation,
    Source,
)
from alumni_app.extensions import db
from alumni_app.reports.people import Row, not_recorded, share
from alumni_app.reports.queries import within_period
from alumni_app.reports.rules import too_small, withheld_keys
from alumni_app.training.models import Course, Participation

MEASURES = ("invited", "registered", "came", "attended", "walk_ins")


@dataclass
class Attendance:
    """One audience's counts (alumni or guests), in places (a person per event)."""

    invited: int = 0
    registered: int = 0
    came: int = 0  # registered and checked in
    attended: int = 0  # checked in, walk-ins included
    walk_ins: int = 0

    @property
    def rate(self) -> Decimal | None:
        return share(self.came, self.registered)

    def add(self, other: Attendance) -> None:
        for name in MEASURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Events:
    held: int = 0
    upcoming: int = 0
    cancelled: int = 0
    alumni: Attendance = field(default_factory=Attendance)
    guests: Attendance = field(default_factory=Attendance)
    by_kind: list[Row] = field(default_factory=list)  # value: held; more: attended of each
    by_sector: list[Row] = field(default_factory=list)  # value: alumni attended
    alumni_withheld: bool = False  # a person filter leaves too few alumni in or out
    # Per office, for the offices side by side: (events held, alumni, guests), and the
    # offices whose alumni counts are withheld (counted by the same statements).
    per_office: dict = field(default_factory=dict)
    withheld_offices: set = field(default_factory=set)

    def figure_rows(self) -> list[Row]:
        """The attendance table: one row per measure, alumni and guests apart."""
        from flask_babel import gettext as _

        labels = {"invited": _("Invited by the office"), "registered": _("Registered ahead"),
                  "came": _("Came, of those registered"), "attended": _("Attended"),
                  "walk_ins": _("Of them, walk-ins")}
        result = [Row(name, labels[name], getattr(self.alumni, name),
                      {"guests": getattr(self.guests, name)}) for name in MEASURES]
        result.append(Row("rate", _("Attendance rate (per cent)"), self.alumni.rate,
                          {"guests": self.guests.rate}))
        return result


def _events(scope, filters) -> sa.Select:
    held_states = (*LIVE_STATES, EventState.FINISHED.value, EventState.CANCELLED.value)
    query = sa.select().select_from(Event).where(
        Event.state.in_(held_states), *within_period(Event.starts_at, filters, moment=True))
    return scope.restrict(query, Event.office_id)


def _held(now):
    return sa.or_(Event.state == EventState.FINISHED.value,
                  sa.and_(Event.state.in_(LIVE_STATES), Event.starts_at <= now))


def _alumnus(filters):
    """An invitation of an ex-participant whom the page's person filters keep."""
    return sa.and_(Invitation.record_id.is_not(None), *_kept_person(filters))


def _kept_person(filters) -> list:
    """The page's person filters, on AlumnusRecord."""
    conditions = []
    if filters.region_id is not None:
        conditions.append(AlumnusRecord.region_id == filters.region_id)
    if filters.sector_id is not None:
        works_in = record_sectors.alias("works_in")  # apart from the by-sector join
        conditions.append(sa.exists().where(works_in.c.record_id == AlumnusRecord.id,
                                            works_in.c.sector_id == filters.sector_id))
    if filters.program_type is not None:
        conditions.append(sa.exists().where(
            Participation.record_id == AlumnusRecord.id, Course.id == Participation.course_id,
            Course.program_type == filters.program_type))
    return conditions


def _measures(who):
    """The five counts of MEASURES for the invitations `who` picks."""
    registered = sa.and_(Invitation.answer == Answer.YES.value,
                         Invitation.source != Source.WALK_IN.value)
    present = Invitation.checked_in_at.is_not(None)
    conditions = (Invitation.source == Source.INVITED.value, registered,
                  sa.and_(registered, present), present,
                  sa.and_(present, Invitation.source == Source.WALK_IN.value))
    return [sa.func.count(Invitation.id).filter(who, c) for c in conditions]


def person_filtered(filters) -> bool:
    return any(v is not None for v in (filters.sector_id, filters.region_id,
                                        filters.program_type))


def withheld_offices(scope, filters, held) -> set:
    """The offices whose alumni counts the page's person filters would point at someone in:
    1 or 2 distinct alumni kept, or left out (one statement; none without a person filter)."""
    if not person_filtered(filters):
        return set()
    # Each person once (the filters' conditions are read per person, not per place).
    people = (_events(scope, filters).add_columns(Event.office_id, Invitation.record_id)
              .join(Invitation, Invitation.event_id == Event.id)
              .where(held, Invitation.record_id.is_not(None)).distinct().subquery())
    query = (sa.select(people.c.office_id,
                       sa.func.count().filter(*_kept_person(filters)), sa.func.count())
             .select_from(people).join(AlumnusRecord, AlumnusRecord.id == people.c.record_id)
             .group_by(people.c.office_id))
    return withheld_keys((office_id, inside, everyone - inside)
                         for office_id, inside, everyone in db.session.execute(query))


def withheld_attendance() -> Attendance:
    """The alumni's counts when they would point at someone: every one None (shown as —)."""
    return Attendance(*(None,) * len(MEASURES))


def count(scope, filters) -> dict:
    """The raw counts of `events()`, plain values a recount can keep (needs_cache)."""
    now = utcnow()
    held = _held(now)
    alumni, guests = sa.and_(held, _alumnus(filters)), sa.and_(held, Invitation.guest_id
                                                               .is_not(None))
    event = sa.distinct(Event.id)
    by_kind = (_events(scope, filters).add_columns(
        Event.kind, Event.office_id, sa.func.count(event).filter(held),
        sa.func.count(event).filter(Event.state.in_(LIVE_STATES), Event.starts_at > now),
        sa.func.count(event).filter(Event.state == EventState.CANCELLED.value),
        *_measures(alumni), *_measures(guests))
        .outerjoin(Invitation, Invitation.event_id == Event.id)
        .outerjoin(AlumnusRecord, AlumnusRecord.id == Invitation.record_id)
        .group_by(Event.kind, Event.office_id))
    return {"by_kind": [list(row) for row in db.session.execute(by_kind)],
            "by_sector": _by_sector(scope, filters, held),
            "withheld": sorted(withheld_offices(scope, filters, held))}


def events(scope, filters, choices, kept: dict | None = None) -> Events:
    """Events of the period by kind, attendance of alumni and guests, alumni by sector:
    from the counts a recount kept (`kept`) when there are, else counted now."""
    return assemble(kept if kept is not None else count(scope, filters), choices)


def assemble(raw: dict, choices) -> Events:
    """The section's figures from the raw counts, labelled in the reader's language."""
    result = Events()
    kinds: dict[str, Row] = {}
    for kind, office_id, n_held, upcoming, cancelled, *counts in raw["by_kind"]:
        result.held, result.upcoming = result.held + n_held, result.upcoming + upcoming
        result.cancelled += cancelled
        mine, theirs = Attendance(*counts[:5]), Attendance(*counts[5:])
        result.alumni.add(mine)
        result.guests.add(theirs)
        row = kinds.setdefault(kind, Row(kind, str(KIND_LABELS.get(kind, kind)), 0,
                                         {"alumni": 0, "guests": 0}))
        row.value += n_held
        row.more["alumni"] += mine.attended
        row.more["guests"] += theirs.attended
        office = result.per_office.setdefault(office_id, [0, Attendance(), Attendance()])
        office[0] += n_held
        office[1].add(mine)
        office[2].add(theirs)
    result.by_kind = [kinds.get(k, Row(k, str(KIND_LABELS[k]), 0, {"alumni": 0, "guests": 0}))
                      for k in EVENT_KINDS]
    result.withheld_offices = set(raw["withheld"])
    if result.withheld_offices:
        result.alumni_withheld = True
        result.alumni = withheld_attendance()
        for row in result.by_kind:
            row.more["alumni"] = None
    result.by_sector = _sector_rows(raw["by_sector"], choices)
    return result


def _by_sector(scope, filters, held) -> list[list]:
    """Alumni registered and attended per sector of work (a person in two counts in both):
    [sector, registered, came, attended, withheld] per sector.

    Grouped by sector and office: a sector's row is withheld when, in any office, 1 or 2
    distinct alumni of it had a place at an event held (or the person filters leave 1 or 2
    of them out), as every office's page would otherwise give an office's few by subtraction.
    """
    sector = record_sectors.c.sector_id
    joined = Invitation.record_id == record_sectors.c.record_id
    if filters.sector_id is not None:
        joined = sa.and_(joined, sector == filters.sector_id)
    registered, came, attended = _measures(sa.and_(held, _alumnus(filters)))[1:4]
    person = sa.distinct(Invitation.record_id)
    query = (_events(scope, filters).add_columns(
        sector, registered, came, attended,
        sa.func.count(person).filter(held, _alumnus(filters)),
        sa.func.count(person).filter(held))
        .join(Invitation, Invitation.event_id == Event.id)
        .join(AlumnusRecord, AlumnusRecord.id == Invitation.record_id)
        .outerjoin(record_sectors, joined).group_by(sector, Event.office_id))
    sums: dict = {}
    for sector_id, *counts, inside, everyone in db.session.execute(query):
        totals = sums.setdefault(sector_id, [sector_id, 0, 0, 0, False])
        for i, n in enumerate(counts):
            totals[i + 1] += n
        totals[4] = totals[4] or too_small(inside) or too_small(everyone - inside)
    return list(sums.values())


def _sector_rows(counted: list[list], choices) -> list[Row]:
    names = dict(choices.sectors)
    rows = []
    for sector_id, n_registered, n_came, n_attended, withheld in counted:
        if n_registered or n_attended:
            label = names.get(sector_id, not_recorded()) if sector_id else not_recorded()
            if withheld:
                rows.append(Row(sector_id, label, None, {"registered": None, "rate": None}))
            else:
                rows.append(Row(sector_id, label, n_attended, {
                    "registered": n_registered, "rate": share(n_came, n_registered)}))
    return sorted(rows, key=lambda r: (r.key is None, r.value is None, -(r.value or 0),
                                       r.label))
