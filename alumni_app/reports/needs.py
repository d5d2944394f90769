"""Needs for next year's course requests: barriers and support asked for, by sector and by
organization, from the check-ins and progress updates reported in the period.

Counted in plans (a plan reporting the same barrier at three check-ins counts once) and in
people. Disclosure: a sector is a group of courses, so it follows the outcomes rule (its
barriers are shown only if every course in it, in each office, has none or at least
SMALL_GROUP people reporting); organizations cut across courses, so each organization is shown
only if at least SMALL_GROUP people of it reported, the others are pooled in one row, and when
that pool has fewer, the smallest organizations shown join it, so that the pool can never be
worked out as a total minus the rows shown.

Beside them, the barriers named in the notes of the office's event discussions (the annual
meeting's "challenges and needs" session): counted in notes, for the period only (a note is
about a discussion, not a person, so sector, region and program type do not apply to it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from alumni_app.events.notes import barrier_counts_from_notes
from alumni_app.extensions import db
from alumni_app.plans.models import ActionPlan, ProgressUpdate, update_barriers
from alumni_app.plans.outcomes import barrier_names
from alumni_app.reports import queries
from alumni_app.reports.people import not_recorded, organization, plans_joined
from alumni_app.reports.rules import SMALL_GROUP, withheld_keys
from alumni_app.training.models import Course, Participation


@dataclass
class NeedRow:
    key: object
    label: str
    people: int = 0  # people who reported a barrier
    support: int = 0  # plans that asked the office for support
    barriers: dict[int, int] | None = field(default_factory=dict)  # None: withheld

    def ranked(self, names: dict[int, str]) -> list[tuple[str, int]]:
        """The barriers reported, most reported first."""
        return sorted(((names.get(b, str(b)), n) for b, n in (self.barriers or {}).items()),
                      key=lambda pair: (-pair[1], pair[0]))


@dataclass
class Needs:
    names: dict[int, str] = field(default_factory=dict)
    by_sector: list[NeedRow] = field(default_factory=list)
    by_organization: list[NeedRow] = field(default_factory=list)
    total: NeedRow | None = None
    discussed: dict[int, int] = field(default_factory=dict)  # barrier: notes of discussions

    def discussed_ranked(self) -> list[tuple[str, int]]:
        """The barriers named in event discussions, most named first."""
        return NeedRow(None, "", barriers=self.discussed).ranked(self.names)


def _reported(query: sa.Select, filters) -> sa.Select:
    """Updates posted in the period (the barriers, if any, joined)."""
    return (plans_joined(query).join(ProgressUpdate, ProgressUpdate.plan_id == ActionPlan.id)
            .outerjoin(update_barriers, update_barriers.c.update_id == ProgressUpdate.id)
            .where(*queries.within_period(ProgressUpdate.posted_at, filters, moment=True)))


def _barrier_counts(scope, filters, key) -> sa.Select:
    query = queries.participations(scope, filters, key, update_barriers.c.barrier_id,
                                   sa.func.count(sa.distinct(ActionPlan.id)),
                                   courses_in_period=False)
    return _reported(query, filters).where(update_barriers.c.barrier_id.is_not(None)).group_by(
        key, update_barriers.c.barrier_id)


def _people_counts(scope, filters, key) -> sa.Select:
    reporting = update_barriers.c.barrier_id.is_not(None)
    asking = sa.func.coalesce(ProgressUpdate.support_needed, "") != ""
    query = queries.participations(
        scope, filters, key,
        sa.func.count(sa.distinct(Participation.record_id)).filter(reporting),
        sa.func.count(sa.distinct(ActionPlan.id)).filter(asking), courses_in_period=False)
    return _reported(query, filters).group_by(key)


def _rows(scope, filters, key) -> dict:
    """{key: [people, support, {barrier: plans}]} counted in SQL."""
    rows: dict = {}
    for value, people, support in db.session.execute(_people_counts(scope, filters, key)):
        rows[value] = [people, support, {}]
    for value, barrier, n in db.session.execute(_barrier_counts(scope, filters, key)):
        rows[value][2][barrier] = n
    return rows


def counted(scope, filters) -> dict:
    """The counts behind the needs, without words: by sector (a withheld sector's barriers
    None) and by organization. Plain values, so a snapshot can keep them (needs_cache)."""
    by_sector = _rows(scope, filters, Course.sector_id)
    units = db.session.execute(queries.unit_counts(
        scope, filters, Course.sector_id,
        lambda q: _reported(q, filters).where(update_barriers.c.barrier_id.is_not(None)),
        courses_in_period=False)).all()
    for key in withheld_keys(units):
        by_sector[key][2] = None
    return {"sector": [[k, *v] for k, v in by_sector.items()],
            "organization": [[k, *v] for k, v in _rows(scope, filters, organization()).items()],
            "discussed": _discussed(scope, filters)}


def _discussed(scope, filters) -> dict[str, int]:
    """{barrier id (as text, for the snapshot): notes} of the events begun in the period."""
    counts = barrier_counts_from_notes(scope.office_id,
                                       *queries.period_bounds(filters, moment=True))
    return {str(barrier): n for barrier, n in counts.items()}


def assemble(raw: dict, choices, locale: str) -> Needs:
    """The needs, named and ranked, small organizations pooled, from counted()'s values."""
    sector_names = dict(choices.sectors)

    def rows(kind: str, label) -> list[NeedRow]:
        return [NeedRow(key, label(key), people, support, None if barriers is None else
                        {int(b): n for b, n in barriers.items()})
                for key, people, support, barriers in raw[kind]]

    result = Needs(barrier_names(locale),
                   _ranked(rows("sector", lambda k: sector_names.get(k, not_recorded()))),
                   _pooled(_ranked(rows("organization", lambda k: k or not_recorded()))))
    result.total = _total(result.by_sector)
    result.discussed = {int(b): n for b, n in raw["discussed"].items()}
    return result


def needs(scope, filters, choices, locale: str) -> Needs:
    """Barriers and support asked for, ranked, by sector and by organization."""
    return assemble(counted(scope, filters), choices, locale)


def _ranked(rows) -> list[NeedRow]:
    return sorted(rows, key=lambda r: (-r.people, -r.support, r.label))


def _total(rows: list[NeedRow]) -> NeedRow:
    """All sectors together: shown only if every sector's barriers are."""
    total = NeedRow(None, _("All sectors"), sum(r.people for r in rows),
                    sum(r.support for r in rows))
    if any(r.barriers is None for r in rows):
        total.barriers = None
        return total
    for row in rows:
        for barrier, n in row.barriers.items():
            total.barriers[barrier] = total.barriers.get(barrier, 0) + n
    return total


def _pooled(rows: list[NeedRow]) -> list[NeedRow]:
    """Organizations with at least SMALL_GROUP people reporting; the rest in one row."""
    shown = [r for r in rows if r.people >= SMALL_GROUP]
    pool = [r for r in rows if r.people < SMALL_GROUP and (r.people or r.support)]
    while pool and 0 < sum(r.people for r in pool) < SMALL_GROUP and shown:
        pool.append(shown.pop())  # the smallest shown joins the pool
    if not pool:
        return shown
    other = NeedRow(None, _("Other organizations (fewer than %(num)s people each)",
                            num=SMALL_GROUP), sum(r.people for r in pool),
                    sum(r.support for r in pool))
    if other.people < SMALL_GROUP and other.people:
        other.barriers = None
    else:
        for row in pool:
            for barrier, n in row.barriers.items():
                other.barriers[barrier] = other.barriers.get(barrier, 0) + n
    return [*shown, other]
