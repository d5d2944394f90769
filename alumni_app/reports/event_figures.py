"""Events held and who came: alumni and guests apart, by kind and by the alumni's sector.

Read from the events' own tables as they stand (one statement, whatever the number of events
and offices: the places of the period flagged once, then counted by kind, by sector and, when a
person filter is chosen, for disclosure), not from the figure cells; grouped by office too, for
the offices side by side. An event is held when it is
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
from alumni_app.reports.queries import flag, within_period
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


def _kept_person(filters) -> list:
    """The page's person filters, on the place's record (Invitation.record_id)."""
    conditions = []
    if filters.region_id is not None:
        # A semi-join: PostgreSQL hashes the region's records from its index rather than
        # reading every record of the table for an outer join (60 -> 30 ms, 20,000 places).
        conditions.append(sa.exists().where(AlumnusRecord.id == Invitation.record_id,
                                            AlumnusRecord.region_id == filters.region_id))
    if filters.sector_id is not None:
        conditions.append(sa.exists().where(record_sectors.c.record_id == Invitation.record_id,
                                            record_sectors.c.sector_id == filters.sector_id))
    if filters.program_type is not None:
        conditions.append(sa.exists().where(
            Participation.record_id == Invitation.record_id,
            Participation.course_id.in_(sa.select(Course.id).where(
                Course.program_type == filters.program_type))))
    return conditions


def _places(scope, filters, now) -> sa.CTE:
    """Each event of the period with each of its places (an event without any: one row with
    no place), flagged once: held, to come, cancelled; an alumnus the person filters keep.

    Materialized, so the filters' conditions are read once per place, however many of the
    statement's counts use them (read in every count they cost a second at 20,000 places).
    """
    kept = sa.and_(Invitation.record_id.is_not(None), *_kept_person(filters))
    query = (_events(scope, filters).add_columns(
        Event.id.label("event_id"), Event.kind.label("kind"), Event.office_id.label("office_id"),
        flag(_held(now)).label("held"),
        flag(sa.and_(Event.state.in_(LIVE_STATES), Event.starts_at > now)).label("upcoming"),
        flag(Event.state == EventState.CANCELLED.value).label("cancelled"),
        Invitation.id.label("place"), Invitation.record_id.label("record_id"),
        Invitation.guest_id.label("guest_id"), Invitation.source.label("source"),
        Invitation.answer.label("answer"), Invitation.checked_in_at.label("checked_in_at"),
        flag(kept).label("kept"))
        .outerjoin(Invitation, Invitation.event_id == Event.id))
    return query.cte("places").prefix_with("MATERIALIZED")


def _measures(places, who):
    """The five counts of MEASURES for the places `who` picks."""
    registered = sa.and_(places.c.answer == Answer.YES.value,
                         places.c.source != Source.WALK_IN.value)
    present = places.c.checked_in_at.is_not(None)
    conditions = (places.c.source == Source.INVITED.value, registered,
                  sa.and_(registered, present), present,
                  sa.and_(present, places.c.source == Source.WALK_IN.value))
    return [sa.func.count(places.c.place).filter(who, c) for c in conditions]


def person_filtered(filters) -> bool:
    return any(v is not None for v in (filters.sector_id, filters.region_id,
                                        filters.program_type))


def withheld_attendance() -> Attendance:
    """The alumni's counts when they would point at someone: every one None (shown as —)."""
    return Attendance(*(None,) * len(MEASURES))


WIDTH = 13  # the counts of the widest part (by kind: 3 of events, 5 of alumni, 5 of guests)


def _part(name: str, kind, sector, office, counts: list) -> list:
    blank = sa.cast(sa.null(), sa.Integer)
    return [sa.literal(name).label("part"), kind, sector, office, *counts,
            *(blank,) * (WIDTH - len(counts))]


def _statement(scope, filters) -> sa.CompoundSelect:
    """By kind of event and office; alumni per sector of work and office; and, with a person
    filter, the distinct alumni per office for the disclosure rule: parts of one UNION ALL
    over the flagged places, each row (part, kind, sector, office, counts...)."""
    places = _places(scope, filters, utcnow())
    c = places.c
    held = c.held == 1
    alumni, guests = sa.and_(held, c.kept == 1), sa.and_(held, c.guest_id.is_not(None))
    event = sa.distinct(c.event_id)
    no_kind, no_sector = sa.cast(sa.null(), sa.String), sa.cast(sa.null(), sa.Integer)
    by_kind = sa.select(*_part("kind", c.kind, no_sector, c.office_id, [
        sa.func.count(event).filter(held), sa.func.count(event).filter(c.upcoming == 1),
        sa.func.count(event).filter(c.cancelled == 1),
        *_measures(places, alumni), *_measures(places, guests)])).group_by(c.kind, c.office_id)
    # A person working in two sectors counts in both. With a sector chosen, only that
    # sector's row is joined (the others are left out of it: "not recorded" holds them).
    sector = record_sectors.c.sector_id
    joined = c.record_id == record_sectors.c.record_id
    if filters.sector_id is not None:
        joined = sa.and_(joined, sector == filters.sector_id)
    person = sa.distinct(c.record_id)
    parts = [by_kind, sa.select(*_part("sector", no_kind, sector, c.office_id, [
        *_measures(places, alumni)[1:4], sa.func.count(person).filter(alumni),
        sa.func.count(person).filter(held)]))
        .select_from(places).outerjoin(record_sectors, joined)
        .where(c.record_id.is_not(None)).group_by(sector, c.office_id)]
    if person_filtered(filters):
        parts.append(sa.select(*_part("people", no_kind, no_sector, c.office_id, [
            sa.func.count(person).filter(alumni), sa.func.count(person).filter(held)]))
            .where(c.record_id.is_not(None)).group_by(c.office_id))
    return sa.union_all(*parts)


def count(scope, filters) -> dict:
    """The raw counts of `events()`, plain values a recount can keep (needs_cache), in one
    statement (`_statement`)."""
    kinds, sectors, units = [], {}, []
    for part, kind, sector_id, office_id, *counts in db.session.execute(
            _statement(scope, filters)):
        if part == "kind":
            kinds.append([kind, office_id, *counts])
        elif part == "sector":
            registered, came, attended, inside, everyone = counts[:5]
            _add_sector(sectors, sector_id, (registered, came, attended),
                        too_small(inside) or too_small(everyone - inside))
        else:
            units.append((office_id, counts[0], counts[1] - counts[0]))
    return {"by_kind": kinds, "by_sector": list(sectors.values()),
            "withheld": sorted(withheld_keys(units))}


def merged(counted: list[dict]) -> dict:
    """Several offices' raw counts (`count` of each) as `count` of them together: the kinds
    side by side (they are per office), each sector's counts summed and withheld where it is
    withheld in any office, the offices withheld of each."""
    sectors: dict = {}
    for raw in counted:
        for sector_id, *counts, withheld in raw["by_sector"]:
            _add_sector(sectors, sector_id, counts, withheld)
    return {"by_kind": [row for raw in counted for row in raw["by_kind"]],
            "by_sector": list(sectors.values()),
            "withheld": sorted({office for raw in counted for office in raw["withheld"]})}


def _add_sector(sums: dict, sector_id, counts, withheld: bool) -> None:
    """Alumni registered and attended per sector of work, over the offices: [sector,
    registered, came, attended, withheld]. A sector's row is withheld when, in any office,
    1 or 2 distinct alumni of it had a place at an event held (or the person filters leave
    1 or 2 of them out), as every office's page would otherwise give an office's few by
    subtraction."""
    totals = sums.setdefault(sector_id, [sector_id, 0, 0, 0, False])
    for i, n in enumerate(counts):
        totals[i + 1] += n
    totals[4] = totals[4] or withheld


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
