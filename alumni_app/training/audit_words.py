"""The audit log's words for the course catalog and the lists of sectors and regions."""

from __future__ import annotations

from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from alumni_app.audit_words import Subject, Wording
from alumni_app.audit_words import register as register_words
from alumni_app.permissions import is_staff
from alumni_app.training.models import Course, Region, Sector

ACTIONS = {
    "course.created": Wording(_l("Course added to the catalog"),
                              _l("%(actor)s added the course %(subject)s to the catalog")),
    "course.updated": Wording(_l("Course details changed"),
                              _l("%(actor)s changed the course %(subject)s")),
    "sectors.created": Wording(_l("Sector added"),
                               _l("%(actor)s added the sector %(subject)s")),
    "sectors.updated": Wording(_l("Sector changed"),
                               _l("%(actor)s changed the sector %(subject)s")),
    "regions.created": Wording(_l("Region added"), _l("%(actor)s added the region %(subject)s")),
    "regions.updated": Wording(_l("Region changed"),
                               _l("%(actor)s changed the region %(subject)s")),
}


def _course_url(course: Course, reader) -> str | None:
    return url_for("courses.detail", course_id=course.id) if is_staff(reader) else None


SUBJECTS = {
    "Course": Subject(Course, lambda c: c.title, _course_url),
    "Sector": Subject(Sector, lambda s: s.name(str(get_locale()))),
    "Region": Subject(Region, lambda r: r.name(str(get_locale()))),
}


def register(app) -> None:
    register_words(app, ACTIONS, SUBJECTS)
