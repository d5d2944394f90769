"""Changes to the course catalog, sectors and regions; every change is audited."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app import audit
from alumni_app.errors import DomainError
from alumni_app.extensions import db
from alumni_app.training.models import Course, fiscal_year

COURSE_FIELDS = ("code", "title", "program_type", "sector_id", "host_institution", "host_city")


class DuplicateCode(DomainError):
    pass


class FiscalYearMismatch(DomainError):
    """The fiscal year given is not the one the start date falls in."""


def _fiscal_year(course: Course, values: dict) -> int | None:
    """The start date's fiscal year; without a start date, the one given (or the one kept)."""
    start, given = values["start_on"], values.get("fiscal_year", course.fiscal_year)
    if start is None:
        return given
    if given is not None and "fiscal_year" in values and given != fiscal_year(start):
        raise FiscalYearMismatch(given)
    return fiscal_year(start)


def save_course(actor, course: Course | None, values: dict) -> Course:
    """Create or update a course; the fiscal year follows the start date, else is as given."""
    clash = db.session.scalar(sa.select(Course.id).where(Course.code == values["code"]))
    if clash is not None and (course is None or clash != course.id):
        raise DuplicateCode(values["code"])
    creating = course is None
    course = course or Course()
    year = _fiscal_year(course, values)
    changes = {f: [getattr(course, f), values[f]] for f in COURSE_FIELDS
               if getattr(course, f) != values[f]}
    for field in COURSE_FIELDS:
        setattr(course, field, values[field])
    if (course.start_on, course.end_on) != (values["start_on"], values["end_on"]):
        changes["dates"] = [str(course.start_on), str(values["start_on"])]
    if course.fiscal_year != year:
        changes["fiscal_year"] = [course.fiscal_year, year]
    course.set_dates(values["start_on"], values["end_on"])
    course.fiscal_year = year  # a course without a start date keeps its fiscal year
    db.session.add(course)
    db.session.flush()
    audit.record("course.created" if creating else "course.updated", actor=actor, subject=course,
                 changes=changes)
    return course


def save_named(actor, model, obj, values: dict, fields: tuple[str, ...]):
    """Create or update a sector or region (lists that staff extend)."""
    creating = obj is None
    obj = obj or model()
    for field in fields:
        setattr(obj, field, values[field])
    db.session.add(obj)
    db.session.flush()
    details = {k: v for k, v in values.items() if k != "office_id"}  # a column of the event
    audit.record(f"{model.__tablename__}.{'created' if creating else 'updated'}", actor=actor,
                 subject=obj, office_id=getattr(obj, "office_id", None), **details)
    return obj
