"""Ex-participant records: the people, their posts over time, privacy choices and search terms."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alumni_app.db import TimestampMixin, UTCDateTime
from alumni_app.extensions import db
from alumni_app.offices.models import Office
from alumni_app.training.models import Participation, Region, Sector


class Visibility(enum.StrEnum):
    STAFF = "staff"  # only the office's staff
    COUNTRY = "country"  # alumni of the same office (country)
    ALL = "all"  # every alumnus


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    UNSPECIFIED = "unspecified"


VISIBILITY_VALUES = tuple(v.value for v in Visibility)
GENDER_VALUES = tuple(g.value for g in Gender)


record_sectors = sa.Table(
    "record_sectors",
    db.metadata,
    sa.Column("record_id", sa.ForeignKey("alumni_records.id"), primary_key=True),
    sa.Column("sector_id", sa.ForeignKey("sectors.id"), primary_key=True, index=True),
)


class AlumnusRecord(TimestampMixin, db.Model):
    """An ex-participant as the office knows them; exists before the person has an account."""

    __tablename__ = "alumni_records"
    __table_args__ = (
        sa.CheckConstraint(f"visibility IN {VISIBILITY_VALUES!r}", name="visibility_valid"),
        sa.CheckConstraint(f"gender IN {GENDER_VALUES!r}", name="gender_valid"),
        sa.CheckConstraint("birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100",
                           name="birth_year_range"),
        # The directory's ORDER BY family_name, given_name, id within an office, in full: a
        # page is read in index order and the walk stops once the page is full.
        sa.Index("ix_alumni_records_office_active_name", "office_id", "is_active",
                 "family_name", "given_name", "id"),
        # Namesakes for an import: by name, and the first ones of a name and year by id.
        sa.Index("ix_alumni_records_name_year", "name_key", "birth_year", "id"),
        # The dashboard's counts of an office's records (linked, verified) from the index
        # alone: 50 ms for 50,000 records read from the table, 5 ms from this.
        sa.Index("ix_alumni_records_office_counts", "office_id", "is_active", "is_verified",
                 "user_id"),
        # An office's live records (active, not erased) by id, from the index alone: what the
        # dashboard's follow-up counts join their plans to (PostgreSQL read the whole table
        # for it, 80 of its 240 ms at 200,000 records; bench/dashboard.py).
        sa.Index("ix_alumni_records_office_live", "office_id", "id",
                 postgresql_where=sa.text("is_active AND erased_at IS NULL"),
                 sqlite_where=sa.text("is_active = 1 AND erased_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"), index=True)
    given_name: Mapped[str] = mapped_column(sa.String(100), default="")
    family_name: Mapped[str] = mapped_column(sa.String(100), default="")
    given_name_cyr: Mapped[str] = mapped_column(sa.String(100), default="")
    family_name_cyr: Mapped[str] = mapped_column(sa.String(100), default="")
    gender: Mapped[str] = mapped_column(sa.String(12), default=Gender.UNSPECIFIED.value)
    birth_year: Mapped[int | None] = mapped_column()
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    organization: Mapped[str] = mapped_column(sa.String(200), default="")
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    # When the current post began, where known; earlier posts are RecordPosition rows.
    post_started_on: Mapped[date | None] = mapped_column(sa.Date())
    email: Mapped[str] = mapped_column(sa.String(254), default="", index=True)
    email_alt: Mapped[str] = mapped_column(sa.String(254), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    languages: Mapped[str] = mapped_column(sa.String(200), default="")
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    photo_name: Mapped[str | None] = mapped_column(sa.String(80))
    # Privacy: who sees the person in the directory; contact details hidden unless chosen.
    visibility: Mapped[str] = mapped_column(sa.String(10), default=Visibility.STAFF.value)
    show_email: Mapped[bool] = mapped_column(default=False)
    show_phone: Mapped[bool] = mapped_column(default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_text: Mapped[str | None] = mapped_column(sa.Text)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    is_verified: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alumni_records.id"))
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Normalised "family given" key for duplicate detection during imports.
    name_key: Mapped[str] = mapped_column(sa.String(220), default="")

    office: Mapped[Office] = relationship(lazy="joined")
    region: Mapped[Region | None] = relationship(lazy="joined")
    sectors: Mapped[list[Sector]] = relationship(secondary=record_sectors, lazy="selectin")
    participations: Mapped[list[Participation]] = relationship(
        lazy="select", order_by=Participation.id
    )
    # Latest first: by when the post ended (or, without an end, began); undated ones last.
    positions: Mapped[list[RecordPosition]] = relationship(
        lazy="select", order_by=lambda: (
            sa.func.coalesce(RecordPosition.ended_on, RecordPosition.started_on)
            .desc().nulls_last(),
            RecordPosition.id.desc())
    )

    @property
    def latin_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p)

    @property
    def cyrillic_name(self) -> str:
        return " ".join(p for p in (self.given_name_cyr, self.family_name_cyr) if p)

    @property
    def display_name(self) -> str:
        return self.latin_name or self.cyrillic_name or "—"


class RecordPosition(TimestampMixin, db.Model):
    """A post held: civil servants rotate, so each past post is kept with its dates."""

    __tablename__ = "record_positions"
    __table_args__ = (
        sa.CheckConstraint("ended_on IS NULL OR started_on IS NULL OR ended_on >= started_on",
                           name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("alumni_records.id"), index=True)
    organization: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    started_on: Mapped[date | None] = mapped_column(sa.Date())
    ended_on: Mapped[date | None] = mapped_column(sa.Date())


class SearchTerm(db.Model):
    """One normalised word of a record's names, organization or position, for prefix search.

    Only active, unerased records have terms, and a term carries its record's office: a name
    search scoped to an office is counted from this table alone.
    """

    __tablename__ = "alumni_search_terms"
    __table_args__ = (
        # (record_id, term): a record's terms, and the directory's "does this record have a
        # term starting with ..." probe answered from the index alone.
        sa.Index("ix_alumni_search_terms_record_term", "record_id", "term"),
        # (office_id, term, record_id): the office's matches of a word, counted from the index.
        sa.Index("ix_alumni_search_terms_office_term", "office_id", "term", "record_id"),
    )

    term: Mapped[str] = mapped_column(
        sa.String(60).with_variant(sa.String(60, collation="C"), "postgresql"), primary_key=True
    )
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("alumni_records.id"), primary_key=True)
    # The record's office (records never move between offices). Copied from the record, whose
    # own office_id is the foreign key: a check per term row cost a large import 5 s.
    office_id: Mapped[int] = mapped_column()
