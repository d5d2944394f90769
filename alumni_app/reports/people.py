"""Ex-participants trained, their action plans and whether they stayed: grouped SQL counts.

Read from the figure cells (reports.refresh): courses taken are counted (a person who took
two courses counts once with each), so every breakdown adds up to the total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from alumni_app.alumni.forms import GENDER_LABELS
from alumni_app.alumni.models import GENDER_VALUES, AlumnusRecord
from alumni_app.extensions import db
from alumni_app.plans.activities import REACH_LABELS
from alumni_app.plans.forms import STATUS_LABELS
from alumni_app.plans.models import PLAN_STATUSES, ActionPlan
from alumni_app.reports import queries
from alumni_app.reports.models import AuthorCell, PlanCell, TrainingCell
from alumni_app.reports.rules import (
    ORG_KIND_WORDS,
    ORG_OTHER,
    ORG_UNKNOWN,
    YEAR_BUCKETS,
    bucket_label,
    current_fiscal_year,
    month_start,
    withheld_keys,
)
from alumni_app.search_text import fold
from alumni_app.training.labels import program_type_label
from alumni_app.training.models import PROGRAM_TYPE_VALUES, Course, Participation

RECENT_DAYS = 183  # "an update in the last six months"


@dataclass
class Row:
    """One group of a breakdown; `value` None when withheld."""

    key: object
    label: str
    value: int | Decimal | None
    more: dict = field(default_factory=dict)


def share(part: int | None, whole: int | None) -> Decimal | None:
    """`part` of `whole` in per cent, one decimal; None when there is no whole or no part."""
    if part is None or not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def not_recorded() -> str:
    return _("Not recorded")


def rows(counts: dict, order: list, labels: dict) -> list[Row]:
    """Rows in `order` (every key, zero when absent), then any other key counted."""
    keys = list(order) + [k for k in counts if k not in order]
    return [Row(k, str(labels.get(k, not_recorded())), counts.get(k, 0)) for k in keys]


@dataclass
class Trained:
    people: int = 0
    by_year: list[Row] = field(default_factory=list)
    by_program: list[Row] = field(default_factory=list)
    by_sector: list[Row] = field(default_factory=list)
    by_region: list[Row] = field(default_factory=list)
    by_gender: list[Row] = field(default_factory=list)
    by_org_kind: list[Row] = field(default_factory=list)


def organization():
    """The organization that nominated the person for the course (else their own, as typed)."""
    # An inline '' (not a bound parameter): PostgreSQL must see the GROUP BY expression as
    # the very one selected.
    return sa.func.coalesce(
        sa.func.nullif(Participation.nominating_organization, sa.literal_column("''")),
        AlumnusRecord.organization)


def org_kind(name):
    """The kind of organization read from its name (rules.ORG_KIND_WORDS)."""
    folded = fold(name)
    whens = [(sa.or_(*[folded.like(f"%{word}%") for word in words]), sa.literal(kind))
             for kind, words in ORG_KIND_WORDS]
    return sa.case((sa.func.coalesce(name, "") == "", sa.literal(ORG_UNKNOWN)), *whens,
                   else_=sa.literal(ORG_OTHER))


def _grouped(scope, filters, dimension: str, key) -> sa.Select:
    return queries.cells(TrainingCell, scope, filters, sa.literal(dimension).label("dimension"),
                         sa.cast(key, sa.String).label("key"),
                         sa.func.sum(TrainingCell.people).label("n")).group_by(key)


def trained(scope, filters, choices) -> Trained:
    """Ex-participants by fiscal year, program type, sector, region, gender, kind of org.

    Counted in courses taken (a person who took two courses counts in each), from the
    office's training cells: one statement over a few hundred rows.
    """
    total = queries.cells(TrainingCell, scope, filters, sa.literal("total"), sa.literal(""),
                          sa.func.sum(TrainingCell.people))
    parts = [total, _grouped(scope, filters, "year", Course.fiscal_year),
             _grouped(scope, filters, "program", Course.program_type),
             _grouped(scope, filters, "sector", Course.sector_id),
             _grouped(scope, filters, "region", TrainingCell.region_id),
             _grouped(scope, filters, "gender", TrainingCell.gender),
             _grouped(scope, filters, "org_kind", TrainingCell.org_kind)]
    found: dict[str, dict] = {}
    for dimension, key, n in db.session.execute(sa.union_all(*parts)):
        found.setdefault(dimension, {})[key] = int(n or 0)
    return _trained_rows(found, choices)


def _ints(counts: dict) -> dict:
    return {(int(k) if k not in (None, "") else None): n for k, n in counts.items()}


def _trained_rows(found: dict, choices) -> Trained:
    years = _ints(found.get("year", {}))
    known = sorted(y for y in years if y is not None)
    span = list(range(known[0], known[-1] + 1)) if known else []
    sectors = _ints(found.get("sector", {}))
    regions = _ints(found.get("region", {}))
    kinds = [k for k, _w in ORG_KIND_WORDS] + [ORG_OTHER]
    return Trained(
        people=found.get("total", {}).get("", 0),
        by_year=rows(years, span, {y: str(y) for y in span}),
        by_program=rows(found.get("program", {}), list(PROGRAM_TYPE_VALUES),
                        {p: program_type_label(p) for p in PROGRAM_TYPE_VALUES}),
        by_sector=_ranked(rows(sectors, [], dict(choices.sectors))),
        by_region=rows(regions, [k for k, _n in choices.regions], dict(choices.regions)),
        by_gender=rows(found.get("gender", {}), list(GENDER_VALUES),
                       {g: GENDER_LABELS[g] for g in GENDER_VALUES}),
        by_org_kind=rows(found.get("org_kind", {}), kinds,
                         {**REACH_LABELS, ORG_UNKNOWN: not_recorded()}))


def _ranked(items: list[Row]) -> list[Row]:
    return sorted(items, key=lambda r: (-(r.value or 0), r.label))


@dataclass
class Plans:
    total: int = 0
    recent: int | None = 0  # with an update in the last six months; None when withheld
    by_status: list[Row] = field(default_factory=list)
    withheld: bool = False
    check_ins: int = 0  # check-ins answered on these plans
    updates: int = 0  # progress updates of any kind, check-ins included

    @property
    def recent_share(self) -> Decimal | None:
        return share(self.recent, self.total)


def plans_joined(query: sa.Select) -> sa.Select:
    return query.join(ActionPlan, ActionPlan.participation_id == Participation.id)




def plans(scope, filters, today: date) -> Plans:
    """Action plans by status and how many had an update in the last six months."""
    since = month_start(today - timedelta(days=RECENT_DAYS))
    query = queries.cells(
        PlanCell, scope, filters, PlanCell.status, sa.func.sum(PlanCell.plans),
        sa.func.coalesce(sa.func.sum(PlanCell.plans).filter(PlanCell.updated_month >= since), 0),
        sa.func.sum(PlanCell.updates), sa.func.sum(PlanCell.check_ins)).group_by(PlanCell.status)
    counts, recent, updates, check_ins = {}, 0, 0, 0
    for status, n, fresh, updated, checked in db.session.execute(query):
        counts[status] = int(n)
        recent, updates, check_ins = recent + fresh, updates + updated, check_ins + checked
    units = db.session.execute(queries.cell_units(AuthorCell, AuthorCell.people, scope,
                                                  filters)).all()
    withheld = bool(withheld_keys(units))
    result = Plans(total=sum(counts.values()), recent=None if withheld else int(recent),
                   withheld=withheld, check_ins=int(check_ins), updates=int(updates),
                   by_status=rows(counts, list(PLAN_STATUSES), STATUS_LABELS))
    if withheld:
        for row in result.by_status:
            row.value = None
    return result


@dataclass
class Retention:
    """Per bucket of years since training: people whose organizations are known, who stayed."""

    buckets: list[Row] = field(default_factory=list)  # value: known; more: same_org, same_sector
    total: Row | None = None






def bucket_of(years: int) -> str:
    """The bucket of years since training that a number of fiscal years falls in."""
    for low, high in YEAR_BUCKETS:
        if high is None or years <= high:
            return bucket_label(low, high)
    return bucket_label(*YEAR_BUCKETS[-1])


def retention(scope, filters, today: date) -> Retention:
    """The share still in the nominating organization and the course's sector, by years.

    Counted per fiscal year of training (a few dozen groups), then put in buckets of years.
    """
    cell = TrainingCell
    query = queries.cells(cell, scope, filters, Course.fiscal_year, sa.func.sum(cell.known),
                          sa.func.sum(cell.same_org), sa.func.sum(cell.same_sector)).where(
        Course.fiscal_year.is_not(None)).group_by(Course.fiscal_year)
    now = current_fiscal_year(today)
    sums: dict[str, list[int]] = {}
    for year, *counts in db.session.execute(query):
        bucket = sums.setdefault(bucket_of(now - year), [0, 0, 0])
        for i, n in enumerate(counts):
            bucket[i] += int(n or 0)
    units = db.session.execute(queries.cell_units(cell, cell.known, scope, filters,
                                                  Course.fiscal_year)).all()
    withheld = {bucket_of(now - year) for year in withheld_keys(units) if year is not None}
    result = Retention()
    for low, high in YEAR_BUCKETS:
        label = bucket_label(low, high)
        result.buckets.append(_retention_row(label, sums.get(label, [0, 0, 0]),
                                             label in withheld))
    totals = [sum(counts[i] for counts in sums.values()) for i in range(3)]
    result.total = _retention_row(_("All"), totals, bool(withheld))
    return result


def _retention_row(label: str, counts, withheld: bool) -> Row:
    known, org, sector = counts
    if withheld:
        return Row(label, label, known, {"same_org": None, "same_sector": None})
    return Row(label, label, known, {"same_org": share(org, known),
                                     "same_sector": share(sector, known)})
