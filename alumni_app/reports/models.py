"""Monthly exchange rates administrators keep (grant money in USD and JPY), and the figure
cells the figures pages count."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from alumni_app.db import TimestampMixin, UTCDateTime
from alumni_app.extensions import db
from alumni_app.grants.models import RATE

# Headquarters' currencies: every amount is also shown in these.
HQ_CURRENCIES = ("USD", "JPY")


class ExchangeRate(TimestampMixin, db.Model):
    """What one unit of a currency was worth in US dollars and in yen during one month.

    The same convention as the rate a manager records at approval (GrantApplication.usd_rate:
    1 unit of the currency in USD, 6 decimal places). A currency's own column stays empty:
    1 USD is 1 USD whatever is typed, so a USD row only says what a dollar was in yen.
    """

    __tablename__ = "exchange_rates"
    __table_args__ = (
        sa.UniqueConstraint("currency", "month"),
        sa.CheckConstraint("length(currency) = 3", name="currency_length"),
        sa.CheckConstraint("usd IS NULL OR usd > 0", name="usd_positive"),
        sa.CheckConstraint("jpy IS NULL OR jpy > 0", name="jpy_positive"),
        sa.CheckConstraint("usd IS NOT NULL OR jpy IS NOT NULL", name="some_rate"),
        sa.CheckConstraint("currency <> 'USD' OR usd IS NULL", name="usd_not_in_usd"),
        sa.CheckConstraint("currency <> 'JPY' OR jpy IS NULL", name="jpy_not_in_jpy"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(sa.String(3))
    month: Mapped[date] = mapped_column(sa.Date())  # the first day of the month
    usd: Mapped[Decimal | None] = mapped_column(RATE)  # 1 unit of the currency in USD
    jpy: Mapped[Decimal | None] = mapped_column(RATE)  # 1 unit of the currency in JPY
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


# --- Figure cells --------------------------------------------------------------------------
# The figures page counts these, not the records: counting 300,000 courses taken on every
# page took 0.3-0.9 s per grouped pass on SQLite. A refresh (reports.refresh) rebuilds an
# office's cells with grouped INSERT ... SELECTs; each cell is a count of people, plans or
# activities sharing every value a filter or a breakdown needs, never a person.


class FigureRefresh(db.Model):
    """When an office's cells were last rebuilt."""

    __tablename__ = "report_refreshes"

    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"), primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TrainingCell(db.Model):
    """Courses taken: per office, course, region, gender and kind of organization."""

    __tablename__ = "report_training_cells"
    __table_args__ = (sa.Index("ix_report_training_cells_office_course", "office_id",
                               "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"))
    gender: Mapped[str] = mapped_column(sa.String(12))
    org_kind: Mapped[str] = mapped_column(sa.String(16))
    people: Mapped[int] = mapped_column()  # one per course taken
    known: Mapped[int] = mapped_column()  # nominating and current organization both known
    same_org: Mapped[int] = mapped_column()  # ... and the same
    same_sector: Mapped[int] = mapped_column()  # ... still working in the course's sector


class PlanCell(db.Model):
    """Action plans: per office, course, region, status and month of the latest update."""

    __tablename__ = "report_plan_cells"
    __table_args__ = (sa.Index("ix_report_plan_cells_office_course", "office_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"))
    status: Mapped[str] = mapped_column(sa.String(12))
    updated_month: Mapped[date | None] = mapped_column(sa.Date())
    plans: Mapped[int] = mapped_column()
    updates: Mapped[int] = mapped_column()
    check_ins: Mapped[int] = mapped_column()


class AuthorCell(db.Model):
    """The people who wrote plans, per office, course and region (the disclosure rule's unit)."""

    __tablename__ = "report_author_cells"
    __table_args__ = (sa.Index("ix_report_author_cells_office_course", "office_id",
                               "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"))
    people: Mapped[int] = mapped_column()


class ActivityCell(db.Model):
    """Activities and people reached: per office, course, sector, region and fiscal year."""

    __tablename__ = "report_activity_cells"
    __table_args__ = (sa.Index("ix_report_activity_cells_office_year", "office_id",
                               "fiscal_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"))
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    sector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sectors.id"))
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"))
    fiscal_year: Mapped[int] = mapped_column()  # of the day it was held
    activities: Mapped[int] = mapped_column()
    reached: Mapped[int] = mapped_column()
    women: Mapped[int] = mapped_column()
    men: Mapped[int] = mapped_column()
    people: Mapped[int] = mapped_column()  # ex-participants who held them (per cell)


class NeedsSnapshot(db.Model):
    """The needs page's counts of an office (reports.needs_cache), kept by each recount: for
    every year (fiscal_year 0), the current fiscal year and the one before. Counting them
    live took seconds at 200,000 records; JSON of counts per sector and organization, never
    a person."""

    __tablename__ = "report_needs_snapshots"

    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    data: Mapped[str] = mapped_column(sa.Text)


class MessageTally(db.Model):
    """One bulk message's delivery log counted by channel and state at the last recount
    (reports.refresh), so that the figures read a few rows per message instead of a row per
    recipient (2,000,000 of them took seconds, bench/dashboard.py). A message queued since the
    last recount has none yet: the figures count its log as it stands."""

    __tablename__ = "report_message_tallies"

    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("bulk_messages.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(14), primary_key=True)
    recipients: Mapped[int] = mapped_column()
