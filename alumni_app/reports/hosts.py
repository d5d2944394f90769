"""Anonymised feedback per host institution in Japan: what became of its courses' plans.

No names and no free text: how many took its courses, how their action plans stand, the
barriers they report, the activities that followed and the people reached. A host institution
is a group of courses, so how plans stand and the barriers follow the outcomes rule exactly:
shown only if every course it counts (in each office) shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.plans.models import ActionPlan, Activity, ProgressUpdate, update_barriers
from alumni_app.reports import queries
from alumni_app.reports.people import not_recorded, plans_joined
from alumni_app.reports.reach import per_person
from alumni_app.reports.rules import withheld_keys
from alumni_app.training.models import Course, Participation

HOST = Course.host_institution


@dataclass
class HostRow:
    host: str
    courses: int = 0
    participants: int = 0
    plans: int = 0
    by_status: dict[str, int] | None = field(default_factory=dict)  # None: withheld
    barriers: dict[int, int] | None = field(default_factory=dict)
    activities: int = 0
    reached: int = 0

    @property
    def label(self) -> str:
        return self.host or not_recorded()

    @property
    def per_person(self) -> Decimal | None:
        return per_person(self.reached, self.participants)

    def ranked(self, names: dict[int, str]) -> list[tuple[str, int]]:
        """The barriers reported, most reported first."""
        return sorted(((names.get(b, str(b)), n) for b, n in (self.barriers or {}).items()),
                      key=lambda pair: (-pair[1], pair[0]))


def _barriers_joined(query: sa.Select) -> sa.Select:
    return (plans_joined(query).join(ProgressUpdate, ProgressUpdate.plan_id == ActionPlan.id)
            .join(update_barriers, update_barriers.c.update_id == ProgressUpdate.id))


def hosts(scope, filters) -> list[HostRow]:
    """One row per host institution of the courses counted, most ex-participants first."""
    rows: dict[str, HostRow] = {}
    taken = queries.participations(scope, filters, HOST, sa.func.count(sa.distinct(Course.id)),
                                   sa.func.count(sa.distinct(Participation.record_id)))
    for host, courses, participants in db.session.execute(taken.group_by(HOST)):
        rows[host] = HostRow(host, courses, participants)
    status = plans_joined(queries.participations(
        scope, filters, HOST, ActionPlan.status, sa.func.count(ActionPlan.id)))
    for host, state, n in db.session.execute(status.group_by(HOST, ActionPlan.status)):
        rows[host].by_status[state] = n
        rows[host].plans += n
    reported = _barriers_joined(queries.participations(
        scope, filters, HOST, update_barriers.c.barrier_id,
        sa.func.count(sa.distinct(ActionPlan.id))))
    for host, barrier, n in db.session.execute(
            reported.group_by(HOST, update_barriers.c.barrier_id)):
        rows[host].barriers[barrier] = n
    reach = queries.participations(scope, filters, HOST, sa.func.count(Activity.id),
                                   sa.func.coalesce(sa.func.sum(Activity.total), 0)).join(
        Activity, Activity.participation_id == Participation.id)
    for host, n, reached in db.session.execute(reach.group_by(HOST)):
        rows[host].activities, rows[host].reached = n, int(reached)
    _withhold(scope, filters, rows)
    return sorted(rows.values(), key=lambda r: (-r.participants, r.label))


def _withhold(scope, filters, rows: dict[str, HostRow]) -> None:
    authors = db.session.execute(queries.unit_counts(scope, filters, HOST, plans_joined))
    for host in withheld_keys(authors.all()):
        rows[host].by_status = rows[host].barriers = None
    reporters = db.session.execute(queries.unit_counts(scope, filters, HOST, _barriers_joined))
    for host in withheld_keys(reporters.all()):
        rows[host].barriers = None
