"""The courses a file's rows name: found by code or title, created when the file says enough."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.imports.report import LISTED, ImportReport
from alumni_app.imports.rows import ParsedRow
from alumni_app.training.models import Course


class CourseLookup:
    """Course ids by code (case-insensitive) and by title (a part of the import's Run)."""

    report: ImportReport
    courses: dict[str, int | None]
    titles: dict[tuple, int | None]

    def resolve_courses(self, rows: list[ParsedRow]) -> None:
        codes = {r.course.code for r in rows if r.course and r.course.code}
        wanted = {c for c in codes if c.casefold() not in self.courses}
        if wanted:
            folded = {c.casefold() for c in wanted}
            found = db.session.execute(sa.select(Course.id, Course.code).where(
                sa.or_(sa.func.lower(Course.code).in_(folded), Course.code.in_(wanted))))
            for course_id, code in found:
                self.courses[code.casefold()] = course_id
            for code in folded:
                self.courses.setdefault(code, None)
        for row in rows:
            if row.course and not row.errors:
                row.course_id = self._course_id(row)

    def _course_id(self, row: ParsedRow) -> int | None:
        course = row.course
        if not course.code:
            course_id = self._course_by_title(course.title, course.start_on)
            if course_id is None:
                row.error("course-no-code", "course_title", value=course.title[:80])
            return course_id
        key = course.code.casefold()
        if self.courses.get(key) is None:
            if not course.title:
                row.error("course-unknown", "course_code", value=course.code)
                return None
            self.courses[key] = self._create_course(course)
        return self.courses[key]

    def _course_by_title(self, title: str, start_on) -> int | None:
        key = (title, start_on)
        if key not in self.titles:
            query = sa.select(Course.id).where(Course.title == title)
            if start_on:
                query = query.where(Course.start_on == start_on)
            self.titles[key] = db.session.scalar(query.order_by(Course.id).limit(1))
        return self.titles[key]

    def _create_course(self, row_course) -> int:
        course = Course(code=row_course.code, title=row_course.title,
                        program_type=row_course.program_type, sector_id=row_course.sector_id)
        course.set_dates(row_course.start_on, row_course.end_on)
        course.fiscal_year = course.fiscal_year or row_course.fiscal_year
        db.session.add(course)
        db.session.flush()
        if len(self.report.courses_created) < LISTED:
            self.report.courses_created.append({"code": course.code, "title": course.title,
                                                "fiscal_year": course.fiscal_year})
        return course.id
