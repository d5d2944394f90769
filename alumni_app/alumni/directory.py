"""The directory query: search by name in any script and spelling, filters, sorting."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord, SearchTerm, record_sectors
from alumni_app.alumni.names import keys
from alumni_app.training.models import Course, Participation

MAX_TERMS = 6
SORTS = {
    "name": (AlumnusRecord.family_name, AlumnusRecord.given_name),
    "organization": (AlumnusRecord.organization,),
    "updated": (AlumnusRecord.updated_at,),
}


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


def _prefix_range(key: str) -> tuple[str, str]:
    return key, key[:-1] + chr(ord(key[-1]) + 1)


def search_condition(text: str):
    """Every word of `text` must start one of the record's terms (names in any script)."""
    conditions = []
    for key in keys(text)[:MAX_TERMS]:
        low, high = _prefix_range(key)
        matching = sa.select(SearchTerm.record_id).where(SearchTerm.term >= low,
                                                         SearchTerm.term < high)
        conditions.append(AlumnusRecord.id.in_(matching))
    return sa.and_(*conditions) if conditions else None


def _course_condition(filters: Filters):
    course = sa.select(Participation.record_id).join(Course, Course.id == Participation.course_id)
    used = False
    if filters.course_id:
        course, used = course.where(Course.id == filters.course_id), True
    if filters.program_type:
        course, used = course.where(Course.program_type == filters.program_type), True
    if filters.fiscal_year:
        course, used = course.where(Course.fiscal_year == filters.fiscal_year), True
    return AlumnusRecord.id.in_(course) if used else None


def build_query(filters: Filters) -> sa.Select:
    """Return select(AlumnusRecord) with the filters applied and sorted (before scoping)."""
    query = sa.select(AlumnusRecord)
    conditions = [search_condition(filters.q) if filters.q else None, _course_condition(filters)]
    if not filters.include_inactive:
        conditions.append(AlumnusRecord.is_active)
    if filters.office_id:
        conditions.append(AlumnusRecord.office_id == filters.office_id)
    if filters.region_id:
        conditions.append(AlumnusRecord.region_id == filters.region_id)
    if filters.sector_id:
        conditions.append(AlumnusRecord.id.in_(
            sa.select(record_sectors.c.record_id)
            .where(record_sectors.c.sector_id == filters.sector_id)))
    query = query.where(*[c for c in conditions if c is not None])
    sort = filters.sort if filters.sort.lstrip("-") in SORTS else "name"
    columns = SORTS[sort.lstrip("-")]
    ordered = [c.desc() if sort.startswith("-") else c.asc() for c in columns]
    return query.order_by(*ordered, AlumnusRecord.id)
