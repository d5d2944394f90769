"""The course catalog and its reference data (sectors, the offices' regions), participations."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alumni_app.db import TimestampMixin, UTCDateTime, utcnow
from alumni_app.extensions import db


class ProgramType(enum.StrEnum):
    COUNTRY_FOCUSED = "country_focused"
    ISSUE_BASED = "issue_based"
    YOUNG_LEADERS = "young_leaders"
    LONG_TERM = "long_term"
    OTHER = "other"


PROGRAM_TYPE_VALUES = tuple(p.value for p in ProgramType)


def fiscal_year(day: date) -> int:
    """Return Japan's fiscal year (April to March) that a date falls in."""
    return day.year if day.month >= 4 else day.year - 1


class Sector(TimestampMixin, db.Model):
    """A sector of public life (health, transport ...); staff extend the list."""

    __tablename__ = "sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name_ru: Mapped[str] = mapped_column(sa.String(80))
    is_active: Mapped[bool] = mapped_column(default=True)

    def name(self, locale: str) -> str:
        return self.name_ru if locale == "ru" and self.name_ru else self.name_en


class Region(TimestampMixin, db.Model):
    """A region of an office's country, for reporting; staff extend the list."""

    __tablename__ = "regions"
    __table_args__ = (sa.UniqueConstraint("office_id", "name_en"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"), index=True)
    name_en: Mapped[str] = mapped_column(sa.String(80))
    name_ru: Mapped[str] = mapped_column(sa.String(80))
    is_active: Mapped[bool] = mapped_column(default=True)

    def name(self, locale: str) -> str:
        return self.name_ru if locale == "ru" and self.name_ru else self.name_en


class Course(TimestampMixin, db.Model):
    __tablename__ = "courses"
    __table_args__ = (
        sa.CheckConstraint(f"program_type IN {PROGRAM_TYPE_VALUES!r}", name="program_type_valid"),
        sa.CheckConstraint("end_on IS NULL OR start_on IS NULL OR end_on >= start_on",
                           name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    program_type: Mapped[str] = mapped_column(sa.String(20), index=True)
    sector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sectors.id"), index=True)
    host_institution: Mapped[str] = mapped_column(sa.String(200), default="")
    host_city: Mapped[str] = mapped_column(sa.String(80), default="")
    start_on: Mapped[date | None] = mapped_column(sa.Date())
    end_on: Mapped[date | None] = mapped_column(sa.Date())
    fiscal_year: Mapped[int | None] = mapped_column(index=True)

    sector: Mapped[Sector | None] = relationship(lazy="joined")

    def set_dates(self, start_on: date | None, end_on: date | None) -> None:
        self.start_on, self.end_on = start_on, end_on
        self.fiscal_year = fiscal_year(start_on) if start_on else None


class Participation(TimestampMixin, db.Model):
    """One ex-participant record's place on one course."""

    __tablename__ = "participations"
    __table_args__ = (
        sa.UniqueConstraint("record_id", "course_id"),
        # A course's (or a program type's) people from the index alone: the figures' program
        # type filter reads every record id of the type's courses (bench/dashboard.py).
        sa.Index("ix_participations_course_record", "course_id", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("alumni_records.id"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"))
    nominating_organization: Mapped[str] = mapped_column(sa.String(200), default="")
    position_at_nomination: Mapped[str] = mapped_column(sa.String(200), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship(lazy="joined")


class RemovedParticipation(db.Model):
    """A course staff removed from a record as linked by mistake.

    The participation itself goes (every reader of participations stays as it is), its content
    stays in the record's history, and this row keeps a later import of the same list from
    linking the course to the person again. Adding the course by hand clears it.
    """

    __tablename__ = "removed_participations"
    __table_args__ = (sa.UniqueConstraint("record_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("alumni_records.id"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    removed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
