"""The needs page's counts kept by each recount, like the figure cells (reports.refresh).

Barriers and support by sector and organization and the host institutions' feedback are
counted over every course taken, plan and update of an office: seconds at 200,000 records.
A recount keeps them for the views asked most (every year, the current fiscal year and the
one before: the yearly report's); the page and the workbooks read those, counted by the same
code, and count any other filter (a sector, a region, a program type, several years) live.

The figures page's events and messages are kept beside them, for the same views: counted
live they scan every registration and every recipient row of the delivery log (a second and
more at the issue's scale, bench/dashboard.py), where the rest of the page reads its cells in
milliseconds. Kept as raw counts (event_figures.count, message_figures.count: keys and
numbers, never a person), labelled when read, in the reader's language.

The events are kept for one sector, one region or one program type too (each of those the
alumni with a place at the office's events have, for the same years): with a person filter
the live count flags every place against the person's sectors, region or courses, 150 ms and
more on PostgreSQL at 20,000 places where the rest of the page reads cells. Two person
filters together, or a value no one at the events had at the recount, are counted live.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import date, datetime

import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord, record_sectors
from alumni_app.db import utcnow
from alumni_app.events.models import Event, Invitation
from alumni_app.extensions import db
from alumni_app.offices.models import Office
from alumni_app.reports import event_figures, hosts, message_figures, needs
from alumni_app.reports.filters import Filters
from alumni_app.reports.models import NeedsSnapshot
from alumni_app.reports.queries import Scope
from alumni_app.reports.rules import current_fiscal_year
from alumni_app.training.models import Course, Participation

EVERY_YEAR = 0
PERSON_FILTERS = ("sector_id", "region_id", "program_type")


def kept_years(today: date) -> list[int]:
    year = current_fiscal_year(today)
    return [EVERY_YEAR, year, year - 1]


def _year_of(filters: Filters) -> int | None:
    """The snapshot that answers `filters`: none when a filter other than one year is set."""
    if filters.sector_id is not None or filters.region_id is not None or (
            filters.program_type is not None):
        return None
    if filters.fy_from is None and filters.fy_to is None:
        return EVERY_YEAR
    return filters.fy_from if filters.fy_from == filters.fy_to else None


def _person_key(name: str, value) -> str:
    return f"{name}={value}"


def seated_values(office_id: int) -> list[tuple[str, object]]:
    """(filter, value) of each sector of work, region and program type that the alumni with a
    place at the office's events have (one statement)."""
    seated = sa.select(Invitation.record_id).join(Event, Event.id == Invitation.event_id).where(
        Event.office_id == office_id, Invitation.record_id.is_not(None))
    text = sa.String
    rows = db.session.execute(sa.union(
        sa.select(sa.literal("sector_id"), sa.cast(record_sectors.c.sector_id, text))
        .where(record_sectors.c.record_id.in_(seated)),
        sa.select(sa.literal("region_id"), sa.cast(AlumnusRecord.region_id, text))
        .where(AlumnusRecord.id.in_(seated), AlumnusRecord.region_id.is_not(None)),
        sa.select(sa.literal("program_type"), Course.program_type)
        .join(Participation, Participation.course_id == Course.id)
        .where(Participation.record_id.in_(seated))))
    return sorted((name, value if name == "program_type" else int(value))
                  for name, value in rows)


def store(office_ids: list[int], today: date, now: datetime | None = None) -> None:
    """Count and keep the needs of each office for the kept years (flush, never commit)."""
    now = now or utcnow()
    db.session.execute(sa.delete(NeedsSnapshot).where(NeedsSnapshot.office_id.in_(office_ids)))
    rows = []
    for office_id in office_ids:
        scope = Scope(None, office_id)
        values = seated_values(office_id)
        for year in kept_years(today):
            filters = Filters() if year == EVERY_YEAR else Filters().for_year(year)
            data = {"needs": needs.counted(scope, filters),
                    "hosts": [asdict(row) for row in hosts.hosts(scope, filters)],
                    "events": event_figures.count(scope, filters),
                    "events_for": {
                        _person_key(name, value): event_figures.count(
                            scope, replace(filters, **{name: value}))
                        for name, value in values},
                    "messages": message_figures.count(scope, filters)}
            rows.append({"office_id": office_id, "fiscal_year": year, "counted_at": now,
                         "data": json.dumps(data)})
    if rows:
        db.session.execute(sa.insert(NeedsSnapshot), rows)
    db.session.flush()


def _host(row: dict) -> hosts.HostRow:
    barriers = row["barriers"]
    return hosts.HostRow(**{**row, "barriers": None if barriers is None else {
        int(b): n for b, n in barriers.items()}})


def load(office_id: int | None, filters: Filters):
    """(raw needs, host rows, when counted) kept for these filters, or None."""
    year = _year_of(filters)
    if office_id is None or year is None:
        return None
    kept = db.session.get(NeedsSnapshot, (office_id, year))
    if kept is None:
        return None
    data = json.loads(kept.data)
    if "discussed" not in data["needs"]:
        return None  # kept before event discussions were counted: count now until the recount
    return data["needs"], [_host(row) for row in data["hosts"]], kept.counted_at


def kept_figures(office_id: int | None, filters: Filters, key: str):
    """The raw counts of a figures section ("events", "messages") a recount kept for these
    filters, or None (a filter other than one year and, for the events, one person filter;
    every office's messages; or not kept yet)."""
    person = [(name, getattr(filters, name)) for name in PERSON_FILTERS
              if getattr(filters, name) is not None]
    year = _year_of(replace(filters, sector_id=None, region_id=None, program_type=None))
    if year is None or len(person) > 1 or (person and key != "events"):
        return None
    if office_id is None:
        return _every_office_events(year, person) if key == "events" else None
    kept = db.session.get(NeedsSnapshot, (office_id, year))
    return None if kept is None else _kept(json.loads(kept.data), key, person)


def _kept(data: dict, key: str, person: list):
    if not person:
        return data.get(key)
    return data.get("events_for", {}).get(_person_key(*person[0]))


def _every_office_events(year: int, person: list):
    """Every office's events from each office's kept counts (merged as one count of them all
    would give them), when every office has them for these filters; else None."""
    kept = db.session.scalars(sa.select(NeedsSnapshot).where(
        NeedsSnapshot.fiscal_year == year)).all()
    if {row.office_id for row in kept} != set(db.session.scalars(sa.select(Office.id))):
        return None
    counted = [_kept(json.loads(row.data), "events", person) for row in kept]
    return None if None in counted else event_figures.merged(counted)


def needs_and_hosts(scope: Scope, filters: Filters, choices, locale: str):
    """The needs and the host institutions' rows: kept ones when there are, else counted."""
    kept = load(scope.office_id, filters)
    if kept is None:
        return (needs.needs(scope, filters, choices, locale), hosts.hosts(scope, filters),
                None)
    raw, rows, counted_at = kept
    return needs.assemble(raw, choices, locale), rows, counted_at
