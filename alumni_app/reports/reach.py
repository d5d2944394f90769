"""Activities after training and the people they reached, by sector and region.

People reached per ex-participant (the multiplier effect of training) divides the people
reached by the ex-participants trained up to the end of the period: everyone who could have
passed something on then. By sector: activities in a sector over people trained in a course of
that sector; by region: activities held in a region over ex-participants living there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.reports import queries
from alumni_app.reports.models import ActivityCell
from alumni_app.reports.people import Row, not_recorded


def per_person(reached: int, people: int) -> Decimal | None:
    if not people:
        return None
    return (Decimal(reached) / people).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class Reach:
    activities: int = 0
    reached: int = 0
    women: int = 0
    men: int = 0
    trained: int = 0  # ex-participants trained up to the end of the period
    by_sector: list[Row] = field(default_factory=list)  # value: reached; more: activities ...
    by_region: list[Row] = field(default_factory=list)

    @property
    def multiplier(self) -> Decimal | None:
        return per_person(self.reached, self.trained)


def _part(scope, filters, dimension: str, key) -> sa.Select:
    cell = ActivityCell
    query = queries.activity_cells(
        cell, scope, filters, sa.literal(dimension).label("dimension"),
        sa.cast(key, sa.String).label("key"), sa.func.sum(cell.activities),
        sa.func.sum(cell.reached), sa.func.sum(cell.women), sa.func.sum(cell.men))
    return query if key is None else query.group_by(key)


def reach(scope, filters, choices, trained_until) -> Reach:
    """Activities and people reached; `trained_until` is the Trained of the multiplier."""
    parts = [_part(scope, filters, "total", None),
             _part(scope, filters, "sector", ActivityCell.sector_id),
             _part(scope, filters, "region", ActivityCell.region_id)]
    found: dict[str, dict] = {}
    for dimension, key, *sums in db.session.execute(sa.union_all(*parts)):
        key = int(key) if key not in (None, "") else None
        found.setdefault(dimension, {})[key] = [int(v or 0) for v in sums]
    n, reached, women, men = found.get("total", {}).get(None, (0, 0, 0, 0))
    result = Reach(n, reached, women, men, trained_until.people)
    trained_in = {"sector": {r.key: r.value for r in trained_until.by_sector},
                  "region": {r.key: r.value for r in trained_until.by_region}}
    for dimension, labels, target in (("sector", dict(choices.sectors), result.by_sector),
                                      ("region", dict(choices.regions), result.by_region)):
        for key, (count, people, *_rest) in found.get(dimension, {}).items():
            target.append(Row(key, labels.get(key, not_recorded()), people, {
                "activities": count,
                "per_person": per_person(people, trained_in[dimension].get(key, 0))}))
        target.sort(key=lambda r: (-r.value, r.label))
    return result
