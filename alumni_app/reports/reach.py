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
from alumni_app.plans.models import Activity
from alumni_app.reports import queries
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
    active_people: int = 0  # ex-participants with at least one activity
    trained: int = 0  # ex-participants trained up to the end of the period
    by_sector: list[Row] = field(default_factory=list)  # value: reached; more: activities ...
    by_region: list[Row] = field(default_factory=list)

    @property
    def multiplier(self) -> Decimal | None:
        return per_person(self.reached, self.trained)


def _part(scope, filters, dimension: str, key, *extra) -> sa.Select:
    query = queries.activities(
        scope, filters, sa.literal(dimension).label("dimension"),
        sa.cast(key, sa.String).label("key"), sa.func.count(Activity.id),
        sa.func.coalesce(sa.func.sum(Activity.total), 0), *extra)
    return query if key is None else query.group_by(key)


def reach(scope, filters, choices, trained_until) -> Reach:
    """Activities and people reached; `trained_until` is the Trained of the multiplier."""
    zero = sa.literal(0)
    totals = _part(scope, filters, "total", None,
                   sa.func.coalesce(sa.func.sum(Activity.women), 0),
                   sa.func.coalesce(sa.func.sum(Activity.men), 0),
                   sa.func.count(sa.distinct(Activity.record_id)))
    parts = [totals,
             _part(scope, filters, "sector", Activity.sector_id, zero, zero, zero),
             _part(scope, filters, "region", Activity.region_id, zero, zero, zero)]
    found: dict[str, dict] = {}
    for dimension, key, n, reached, *more in db.session.execute(sa.union_all(*parts)):
        key = int(key) if key not in (None, "") else None
        found.setdefault(dimension, {})[key] = (n, int(reached), *map(int, more))
    n, reached, women, men, active = found.get("total", {}).get(None, (0, 0, 0, 0, 0))
    result = Reach(n, reached, women, men, active, trained_until.people)
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
