"""Rebuild the figure cells an office's figures page counts (grouped INSERT ... SELECTs).

Run by the queue's schedule every ten minutes (reports/tasks.py), by the page's "Recount now"
button (queued for a large office), by `flask refresh-figures`, and at the end of the demo seed.
Each statement groups the office's rows in SQL; nothing is read into Python. The bulk
messages' delivery log is tallied per message too (MessageTally), before the kept counts that
read it. Taking an office's cells away and putting the new ones in happens in the caller's
transaction, so a page never sees half of them.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from alumni_app.alumni.models import AlumnusRecord, record_sectors
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.messages.models import BulkMessage, MessageRecipient
from alumni_app.offices.models import Office
from alumni_app.plans.models import ActionPlan, Activity, ProgressUpdate
from alumni_app.reports import needs_cache
from alumni_app.reports.models import (
    ActivityCell,
    AuthorCell,
    FigureRefresh,
    MessageTally,
    PlanCell,
    TrainingCell,
)
from alumni_app.reports.people import org_kind, organization
from alumni_app.reports.queries import flag, month_of
from alumni_app.training.models import Course, Participation


class fiscal_year_of(FunctionElement):  # noqa: N801 - reads as an SQL function
    """Japan's fiscal year (April to March) of a date."""

    type = sa.Integer()
    name = "fiscal_year_of"
    inherit_cache = True


@compiles(fiscal_year_of)
def _fiscal_year_on_postgresql(element, compiler, **kw) -> str:
    day = compiler.process(element.clauses, **kw)
    return (f"(CAST(EXTRACT(YEAR FROM {day}) AS INTEGER) - "
            f"CAST(EXTRACT(MONTH FROM {day}) < 4 AS INTEGER))")


@compiles(fiscal_year_of, "sqlite")
def _fiscal_year_on_sqlite(element, compiler, **kw) -> str:
    day = compiler.process(element.clauses, **kw)
    return (f"(CAST(strftime('%Y', {day}) AS INTEGER) - "
            f"(CAST(strftime('%m', {day}) AS INTEGER) < 4))")


def _mine(query: sa.Select, office_ids: list[int]) -> sa.Select:
    return query.where(AlumnusRecord.office_id.in_(office_ids))


def _training(office_ids: list[int]) -> sa.Select:
    known = sa.and_(sa.func.coalesce(Participation.nominating_organization, "") != "",
                    AlumnusRecord.organization != "")
    same_org = (sa.func.lower(sa.func.trim(Participation.nominating_organization))
                == sa.func.lower(sa.func.trim(AlumnusRecord.organization)))
    same_sector = sa.exists().where(record_sectors.c.record_id == Participation.record_id,
                                    record_sectors.c.sector_id == Course.sector_id)
    rows = _mine(sa.select(
        AlumnusRecord.office_id, Participation.course_id, AlumnusRecord.region_id,
        AlumnusRecord.gender, org_kind(organization()).label("org_kind"),
        flag(known).label("known"), flag(sa.and_(known, same_org)).label("same_org"),
        flag(sa.and_(known, same_sector)).label("same_sector"))
        .select_from(Participation)
        .join(AlumnusRecord, AlumnusRecord.id == Participation.record_id)
        .join(Course, Course.id == Participation.course_id)
        .where(AlumnusRecord.merged_into_id.is_(None)), office_ids).subquery()
    keys = [rows.c.office_id, rows.c.course_id, rows.c.region_id, rows.c.gender,
            rows.c.org_kind]
    return sa.select(*keys, sa.func.count(), sa.func.sum(rows.c.known),
                     sa.func.sum(rows.c.same_org), sa.func.sum(rows.c.same_sector)
                     ).group_by(*keys)


def _plans_base(*columns) -> sa.Select:
    return (sa.select(*columns).select_from(ActionPlan)
            .join(Participation, Participation.id == ActionPlan.participation_id)
            .join(AlumnusRecord, AlumnusRecord.id == Participation.record_id)
            .where(AlumnusRecord.merged_into_id.is_(None)))


def _plans(office_ids: list[int]) -> sa.Select:
    updates = (sa.select(ProgressUpdate.plan_id, sa.func.count().label("n"),
                         sa.func.count(ProgressUpdate.check_in_month).label("check_ins"))
               .group_by(ProgressUpdate.plan_id).subquery())
    month = month_of(ActionPlan.last_update_at)
    keys = [AlumnusRecord.office_id, Participation.course_id, AlumnusRecord.region_id,
            ActionPlan.status, month]
    return _mine(_plans_base(
        *keys, sa.func.count(ActionPlan.id), sa.func.coalesce(sa.func.sum(updates.c.n), 0),
        sa.func.coalesce(sa.func.sum(updates.c.check_ins), 0))
        .outerjoin(updates, updates.c.plan_id == ActionPlan.id), office_ids).group_by(*keys)


def _authors(office_ids: list[int]) -> sa.Select:
    keys = [AlumnusRecord.office_id, Participation.course_id, AlumnusRecord.region_id]
    return _mine(_plans_base(*keys, sa.func.count(sa.distinct(Participation.record_id))),
                 office_ids).group_by(*keys)


def _activities(office_ids: list[int]) -> sa.Select:
    year = fiscal_year_of(Activity.held_on)
    keys = [AlumnusRecord.office_id, Participation.course_id, Activity.sector_id,
            Activity.region_id, year]
    return _mine(sa.select(
        *keys, sa.func.count(Activity.id), sa.func.coalesce(sa.func.sum(Activity.total), 0),
        sa.func.coalesce(sa.func.sum(Activity.women), 0),
        sa.func.coalesce(sa.func.sum(Activity.men), 0),
        sa.func.count(sa.distinct(Activity.record_id)))
        .select_from(Activity).join(AlumnusRecord, AlumnusRecord.id == Activity.record_id)
        .outerjoin(Participation, Participation.id == Activity.participation_id),
        office_ids).group_by(*keys)


CELLS = (
    (TrainingCell, ("office_id", "course_id", "region_id", "gender", "org_kind", "people",
                    "known", "same_org", "same_sector"), _training),
    (PlanCell, ("office_id", "course_id", "region_id", "status", "updated_month", "plans",
                "updates", "check_ins"), _plans),
    (AuthorCell, ("office_id", "course_id", "region_id", "people"), _authors),
    (ActivityCell, ("office_id", "course_id", "sector_id", "region_id", "fiscal_year",
                    "activities", "reached", "women", "men", "people"), _activities),
)


def _tally_messages(office_ids: list[int], to_everyone: bool) -> None:
    """Count the delivery log of the offices' bulk messages (and of those to every office)
    per message, channel and state: what the figures read instead of the log itself."""
    whose = BulkMessage.office_id.in_(office_ids)
    if to_everyone:
        whose = sa.or_(whose, BulkMessage.office_id.is_(None))
    messages = sa.select(BulkMessage.id).where(whose)
    db.session.execute(sa.delete(MessageTally).where(MessageTally.message_id.in_(messages)))
    keys = [MessageRecipient.message_id, MessageRecipient.channel, MessageRecipient.state]
    db.session.execute(sa.insert(MessageTally).from_select(
        ["message_id", "channel", "state", "recipients"],
        sa.select(*keys, sa.func.count()).where(MessageRecipient.message_id.in_(messages))
        .group_by(*keys)))


def refresh_figures(office_id: int | None = None) -> datetime:
    """Rebuild the cells of one office (None: every office, and the messages to every
    office); flush, never commit."""
    office_ids = ([office_id] if office_id is not None
                  else list(db.session.scalars(sa.select(Office.id))))
    now = utcnow()
    for model, columns, select in CELLS:
        db.session.execute(sa.delete(model).where(model.office_id.in_(office_ids)))
        db.session.execute(sa.insert(model).from_select(list(columns), select(office_ids)))
    _tally_messages(office_ids, office_id is None)
    needs_cache.store(office_ids, date.today(), now)
    db.session.execute(sa.delete(FigureRefresh).where(FigureRefresh.office_id.in_(office_ids)))
    if office_ids:
        db.session.execute(sa.insert(FigureRefresh), [
            {"office_id": oid, "refreshed_at": now} for oid in office_ids])
    db.session.flush()
    return now


def refreshed_at(office_id: int | None) -> datetime | None:
    """When the cells were last rebuilt (every office: the oldest of them)."""
    query = sa.select(sa.func.min(FigureRefresh.refreshed_at))
    if office_id is not None:
        query = query.where(FigureRefresh.office_id == office_id)
    return db.session.scalar(query)
