"""The directory query: search by name in any script and spelling, filters, sorting.

Two shapes of the same query, chosen per request from a bounded count of the matches
(`choose_walk`):

* "semi-join" (`walk=False`): every filter is `id IN (subquery)`; the database collects the
  matching ids, fetches those records and sorts them. Right when few records match.
* "walk" (`walk=True`): every filter is a correlated EXISTS probe; the database walks the index
  ix_alumni_records_office_active_name in ORDER BY order and stops once the page is full. Right
  when many records match (a broad filter, the unfiltered list), where the semi-join would
  fetch and sort tens of thousands of rows for 25.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alumni_app import hooks
from alumni_app.alumni.models import AlumnusRecord, SearchTerm, record_sectors
from alumni_app.alumni.names import keys
from alumni_app.extensions import db
from alumni_app.permissions import scope_to_office
from alumni_app.training.models import Course, Participation

MAX_TERMS = 6
SORTS = {
    "name": (AlumnusRecord.family_name, AlumnusRecord.given_name),
    "organization": (AlumnusRecord.organization,),
    "updated": (AlumnusRecord.updated_at,),
}
COUNT_LIMIT = 10_000  # beyond this the directory shows "10,000+ people found"
WALK_FACTOR = 40  # walk the name index when matches >= WALK_FACTOR x (offset + page size)


@dataclass
class Filters:
    q: str = ""
    office_id: int | None = None
    region_id: int | None = None
    sector_id: int | None = None
    program_type: str | None = None
    course_id: int | None = None
    fiscal_year: int | None = None
    include_inactive: bool = False
    sort: str = "name"
    extra: dict = field(default_factory=dict)

    @property
    def narrowed(self) -> bool:
        """Whether any filter beyond office and active restricts the records."""
        return bool(self.q or self.region_id or self.sector_id or self.program_type
                    or self.course_id or self.fiscal_year)

    @property
    def sorted_by_name(self) -> bool:
        """Sorted by name ascending: the order of ix_alumni_records_office_active_name."""
        return self.sort == "name" or self.sort.lstrip("-") not in SORTS


def _prefix_range(key: str) -> tuple[str, str]:
    return key, key[:-1] + chr(ord(key[-1]) + 1)


def _matching(ids: sa.Select, column, walk: bool):
    """`id IN (ids)`, or with `walk` the correlated `EXISTS (ids AND column = id)`."""
    if walk:
        probe = ids.where(column == AlumnusRecord.id)
        if db.session.get_bind().dialect.name == "postgresql":
            # OFFSET 0 keeps PostgreSQL from turning the probe into a join that collects every
            # match first (it does when it underestimates the matches, as for prefix ranges of
            # the terms): the name index is walked and the walk stops at a full page.
            probe = probe.offset(0)
        return probe.exists()
    return AlumnusRecord.id.in_(ids)


def _word_matches(key: str) -> sa.Select:
    low, high = _prefix_range(key)
    return sa.select(SearchTerm.record_id).where(SearchTerm.term >= low, SearchTerm.term < high)


def search_condition(text: str, *, walk: bool = False):
    """Every word of `text` must start one of the record's terms (names in any script)."""
    words = [_word_matches(key) for key in keys(text)[:MAX_TERMS]]
    if not words:
        return None
    if not walk and db.session.get_bind().dialect.name == "postgresql":
        # Few matches (else we would walk): the ids matching every word, intersected from the
        # terms' index, as one array. PostgreSQL estimates a term range poorly and, for
        # `id IN (range)`, may read every record; `id = ANY(array)` fetches just these.
        matched = words[0].distinct() if len(words) == 1 else sa.intersect(*words)
        ids = sa.select(sa.func.array_agg(matched.subquery().c.record_id)).scalar_subquery()
        return AlumnusRecord.id == sa.any_(sa.cast(ids, postgresql.ARRAY(sa.Integer)))
    if not walk and len(words) > 1:
        # Few matches: intersect the words' ids in the terms' index first, then fetch just
        # those records; with one IN per word SQLite fetches every record of the first word.
        return AlumnusRecord.id.in_(sa.intersect(*words))
    return sa.and_(*[_matching(w, SearchTerm.record_id, walk) for w in words])


def _course_condition(filters: Filters, walk: bool = False):
    course = sa.select(Participation.record_id).join(Course, Course.id == Participation.course_id)
    used = False
    if filters.course_id:
        course, used = course.where(Course.id == filters.course_id), True
    if filters.program_type:
        course, used = course.where(Course.program_type == filters.program_type), True
    if filters.fiscal_year:
        course, used = course.where(Course.fiscal_year == filters.fiscal_year), True
    return _matching(course, Participation.record_id, walk) if used else None


def _region_condition(region_id: int, walk: bool):
    column = AlumnusRecord.region_id
    if walk and db.session.get_bind().dialect.name == "sqlite":
        # "+ 0" keeps SQLite from sorting all the region's records via ix_..._region_id:
        # walking the name index and checking the region is cheaper for a page.
        return column + 0 == region_id
    return column == region_id


def filter_conditions(filters: Filters, *, walk: bool = False) -> list:
    """The WHERE conditions of the filters (before scoping)."""
    conditions = [search_condition(filters.q, walk=walk) if filters.q else None,
                  _course_condition(filters, walk)]
    if not filters.include_inactive:
        conditions.append(AlumnusRecord.is_active)
    if filters.office_id:
        conditions.append(AlumnusRecord.office_id == filters.office_id)
    if filters.region_id:
        conditions.append(_region_condition(filters.region_id, walk))
    if filters.sector_id:
        sectors = (sa.select(record_sectors.c.record_id)
                   .where(record_sectors.c.sector_id == filters.sector_id))
        conditions.append(_matching(sectors, record_sectors.c.record_id, walk))
    return [c for c in conditions if c is not None]


def build_query(filters: Filters, *, walk: bool = False) -> sa.Select:
    """Return select(AlumnusRecord) with the filters applied and sorted (before scoping)."""
    query = sa.select(AlumnusRecord).where(*filter_conditions(filters, walk=walk))
    sort = filters.sort if filters.sort.lstrip("-") in SORTS else "name"
    columns = SORTS[sort.lstrip("-")]
    ordered = [c.desc() if sort.startswith("-") else c.asc() for c in columns]
    return query.order_by(*ordered, AlumnusRecord.id)


def _with_courses(query: sa.Select, filters: Filters) -> sa.Select:
    """Restrict `query` (of record ids) to the records on the filters' course, program type or
    fiscal year."""
    if (not filters.course_id and (filters.program_type or filters.fiscal_year)
            and db.session.get_bind().dialect.name == "postgresql"):
        # A program type or fiscal year is a handful of courses: their ids as one array, and
        # a probe of the records' participations in (record, course) order, stops at the
        # count limit without joining every participation to its course (1.5-2 x faster).
        courses = sa.select(Course.id).where(*(
            column == value for column, value in ((Course.program_type, filters.program_type),
                                                  (Course.fiscal_year, filters.fiscal_year))
            if value))
        ids = sa.func.array(courses.scalar_subquery())
        query = query.where(sa.select(Participation.id).where(
            Participation.record_id == AlumnusRecord.id,
            Participation.course_id == sa.any_(ids)).exists())
    elif filters.course_id or filters.program_type or filters.fiscal_year:
        query = query.distinct().join(
            Participation, Participation.record_id == AlumnusRecord.id).join(
            Course, Course.id == Participation.course_id)
        for column, value in ((Course.id, filters.course_id),
                              (Course.program_type, filters.program_type),
                              (Course.fiscal_year, filters.fiscal_year)):
            query = query.where(column == value) if value else query
    return query


def count_query(filters: Filters, scope) -> sa.Select:
    """select() of the ids of the matches, for a bounded count; `scope(select)` restricts a
    select of records to those the user may see.

    Search terms stay `id IN (range of terms)` (the database starts from the terms' primary
    key); sectors and courses are joins, not IN (subquery), so the database may stop at the
    count limit instead of first collecting every id of the subquery (135,000 for a program
    type). Only the course join can repeat a record, hence DISTINCT there alone.
    """
    query = _with_courses(sa.select(AlumnusRecord.id), filters)
    plain = Filters(q=filters.q, include_inactive=filters.include_inactive,
                    office_id=filters.office_id, region_id=filters.region_id)
    query = query.where(*filter_conditions(plain))
    if not filters.sector_id:
        return scope(query)
    if db.session.get_bind().dialect.name == "postgresql":
        # From the sector's rows, one record probe each, stopping at the count limit;
        # PostgreSQL would rather hash the sector's rows and read every record (5-8 x
        # slower at 200,000 records). OFFSET 0 keeps the probe a per-row index lookup.
        probe = scope(query).where(AlumnusRecord.id == record_sectors.c.record_id).offset(0)
        return sa.select(record_sectors.c.record_id).where(
            record_sectors.c.sector_id == filters.sector_id, probe.exists())
    return scope(query.join(record_sectors, record_sectors.c.record_id == AlumnusRecord.id)
                 .where(record_sectors.c.sector_id == filters.sector_id))


def counts_from_terms(filters: Filters) -> bool:
    """Whether the count of matches can come from the search terms alone.

    Only active, unerased records have terms, and each term carries its record's office: a
    name search with no other filter is counted from ix_alumni_search_terms_office_term
    without visiting one record (when the audience is an office, or every office).
    """
    return bool(keys(filters.q)) and not (filters.region_id or filters.sector_id
                                          or filters.program_type or filters.course_id
                                          or filters.fiscal_year)


def term_count_query(filters: Filters, scope) -> sa.Select | sa.CompoundSelect:
    """The ids of the records matching every word, from the terms (see counts_from_terms).

    `scope(select, office_column)` restricts each select to the offices the user may see.
    """
    selects = []
    for key in keys(filters.q)[:MAX_TERMS]:
        words = _word_matches(key)
        if filters.office_id:
            words = words.where(SearchTerm.office_id == filters.office_id)
        selects.append(scope(words, SearchTerm.office_id))
    return selects[0].distinct() if len(selects) == 1 else sa.intersect(*selects)


def choose_walk(filters: Filters, total: int, capped: bool, offset: int, per_page: int) -> bool:
    """Whether to walk the name index (many matches) rather than semi-join and sort."""
    if not filters.sorted_by_name or not filters.narrowed:
        return False  # no index to walk, or nothing to probe (the plain query walks anyway)
    return capped or total >= WALK_FACTOR * (offset + per_page)


def course_people(course_id: int, user) -> int:
    """How many of `user`'s office's records took the course (all offices for an administrator)."""
    query = scope_to_office(
        sa.select(sa.func.count(Participation.id)).join(
            AlumnusRecord, AlumnusRecord.id == Participation.record_id)
        .where(Participation.course_id == course_id), AlumnusRecord.office_id, user)
    return db.session.scalar(query) or 0


def register_course_people(app) -> None:
    """Let the course page (training, below alumni) count its people from the viewer's office."""
    hooks.register(app, hooks.COURSE_PEOPLE, "alumni", course_people)
