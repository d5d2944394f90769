"""The annual meeting's agenda proposed from what alumni did: per sector, the presenters whose
recorded activities and verified progress show the most results in the past year (people
reached, milestones done, grants closed), and discussion topics from the barriers reported
most in the office's check-ins. Counted in SQL, a handful of statements whatever the office's
size. Staff accept (with their own title and time: an agenda session), or ignore each.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from alumni_app import audit
from alumni_app.alumni.models import AlumnusRecord, record_sectors
from alumni_app.db import utcnow
from alumni_app.events import services
from alumni_app.events.errors import EventError
from alumni_app.events.labels import proposal_state_label
from alumni_app.events.models import (
    EventKind,
    Proposal,
    ProposalKind,
    ProposalState,
    Speaker,
)
from alumni_app.extensions import db
from alumni_app.grants.models import AppState, GrantApplication
from alumni_app.plans.models import (
    ActionPlan,
    Activity,
    Barrier,
    MilestoneProgress,
    MilestoneState,
    ProgressUpdate,
    update_barriers,
)
from alumni_app.training.models import Participation, Sector

PRESENTERS_PER_SECTOR = 3
TOPICS = 5
# How results weigh against each other: a milestone done is worth 25 people reached, a
# grant closed 50.
MILESTONE_WEIGHT, GRANT_WEIGHT = 25, 50


def _year_before(today: date | None = None) -> tuple[date, datetime]:
    today = today or utcnow().date()
    start = today - timedelta(days=365)
    return start, datetime.combine(start, datetime.min.time()).replace(tzinfo=utcnow().tzinfo)


def presenter_rows(office_id: int, today: date | None = None) -> list:
    """(sector id, record id, reached, milestones, grants), the best few per sector."""
    since_day, since = _year_before(today)
    reached = (sa.select(Activity.record_id.label("record_id"),
                         sa.func.sum(Activity.total).label("n"))
               .where(Activity.held_on >= since_day).group_by(Activity.record_id).subquery())
    milestones = (sa.select(Participation.record_id.label("record_id"),
                            sa.func.count(sa.distinct(MilestoneProgress.milestone_id)).label("n"))
                  .join(ActionPlan, ActionPlan.participation_id == Participation.id)
                  .join(ProgressUpdate, ProgressUpdate.plan_id == ActionPlan.id)
                  .join(MilestoneProgress, MilestoneProgress.update_id == ProgressUpdate.id)
                  .where(ProgressUpdate.verified_at.is_not(None), ProgressUpdate.posted_at >= since,
                         MilestoneProgress.state == MilestoneState.DONE.value)
                  .group_by(Participation.record_id).subquery())
    grants = (sa.select(GrantApplication.record_id.label("record_id"),
                        sa.func.count().label("n"))
              .where(GrantApplication.state == AppState.CLOSED.value,
                     GrantApplication.updated_at >= since)
              .group_by(GrantApplication.record_id).subquery())
    sector = (sa.select(record_sectors.c.record_id, sa.func.min(record_sectors.c.sector_id)
                        .label("sector_id")).group_by(record_sectors.c.record_id).subquery())
    r, m, g = (sa.func.coalesce(q.c.n, 0) for q in (reached, milestones, grants))
    score = r + MILESTONE_WEIGHT * m + GRANT_WEIGHT * g
    ranked = (sa.select(sector.c.sector_id, AlumnusRecord.id.label("record_id"),
                        r.label("reached"), m.label("milestones"), g.label("grants"),
                        sa.func.row_number().over(partition_by=sector.c.sector_id,
                                                  order_by=(score.desc(), AlumnusRecord.id))
                        .label("rank"))
              .join(sector, sector.c.record_id == AlumnusRecord.id)
              .outerjoin(reached, reached.c.record_id == AlumnusRecord.id)
              .outerjoin(milestones, milestones.c.record_id == AlumnusRecord.id)
              .outerjoin(grants, grants.c.record_id == AlumnusRecord.id)
              .where(AlumnusRecord.office_id == office_id, AlumnusRecord.is_active,
                     AlumnusRecord.merged_into_id.is_(None), AlumnusRecord.erased_at.is_(None),
                     score > 0).subquery())
    return db.session.execute(
        sa.select(ranked.c.sector_id, ranked.c.record_id, ranked.c.reached,
                  ranked.c.milestones, ranked.c.grants)
        .where(ranked.c.rank <= PRESENTERS_PER_SECTOR)
        .order_by(ranked.c.sector_id, ranked.c.rank)).all()


def topic_rows(office_id: int, today: date | None = None) -> list:
    """(barrier id, times reported in check-ins) of the office, the most reported first."""
    _day, since = _year_before(today)
    return db.session.execute(
        sa.select(update_barriers.c.barrier_id, sa.func.count().label("n"))
        .join(ProgressUpdate, ProgressUpdate.id == update_barriers.c.update_id)
        .join(ActionPlan, ActionPlan.id == ProgressUpdate.plan_id)
        .join(Participation, Participation.id == ActionPlan.participation_id)
        .join(AlumnusRecord, AlumnusRecord.id == Participation.record_id)
        .where(AlumnusRecord.office_id == office_id, ProgressUpdate.posted_at >= since,
               ProgressUpdate.check_in_month.is_not(None))
        .group_by(update_barriers.c.barrier_id)
        .order_by(sa.func.count().desc(), update_barriers.c.barrier_id).limit(TOPICS)).all()


def refresh(actor, event, today: date | None = None) -> int:
    """Propose again from today's figures: undecided proposals are replaced, accepted and
    ignored ones stay as staff left them. Return how many are proposed now."""
    if event.kind != EventKind.ANNUAL_MEETING.value:
        raise EventError("not-annual", "proposals")
    db.session.execute(sa.delete(Proposal).where(
        Proposal.event_id == event.id, Proposal.state == ProposalState.PROPOSED.value))
    decided = {(p.kind, p.record_id, p.barrier_id) for p in db.session.scalars(
        sa.select(Proposal).where(Proposal.event_id == event.id))}
    added = _propose_presenters(event, today, decided) + _propose_topics(event, today, decided)
    db.session.flush()
    audit.record("event.proposed", actor=actor, subject=event, office_id=event.office_id,
                 proposals=added)
    return added


def presenter_title(sector: Sector | None, record: AlumnusRecord) -> str:
    """A presenter's session title, in English (the agenda's; staff add the Russian one)."""
    with force_locale("en"):
        return _("%(sector)s: results and good practice — %(name)s",
                 sector=sector.name_en if sector else "", name=record.display_name)


def _propose_presenters(event, today, decided) -> int:
    """Add a proposal per presenter the figures rank, except those staff already decided."""
    rows = presenter_rows(event.office_id, today)
    records = {r.id: r for r in db.session.scalars(sa.select(AlumnusRecord).where(
        AlumnusRecord.id.in_([row.record_id for row in rows])))} if rows else {}
    sectors = {s.id: s for s in db.session.scalars(sa.select(Sector))}
    added = 0
    for row in rows:
        if (ProposalKind.PRESENTER.value, row.record_id, None) in decided:
            continue
        record, sector = records[row.record_id], sectors.get(row.sector_id)
        title = presenter_title(sector, record)
        db.session.add(Proposal(event_id=event.id, kind=ProposalKind.PRESENTER.value,
                                sector_id=row.sector_id, record_id=row.record_id,
                                title=title[:300], reached=int(row.reached or 0),
                                milestones=int(row.milestones or 0),
                                grants=int(row.grants or 0)))
        added += 1
    return added


def _propose_topics(event, today, decided) -> int:
    """Add a proposal per barrier reported most, except those staff already decided."""
    barriers = {b.id: b for b in db.session.scalars(sa.select(Barrier))}
    added = 0
    for barrier_id, times in topic_rows(event.office_id, today):
        if (ProposalKind.TOPIC.value, None, barrier_id) in decided:
            continue
        with force_locale("en"):
            title = _("Discussion: %(barrier)s — challenges and support needed",
                      barrier=barriers[barrier_id].name_en)
        db.session.add(Proposal(event_id=event.id, kind=ProposalKind.TOPIC.value,
                                barrier_id=barrier_id, title=title[:300], reports=int(times)))
        added += 1
    return added


def accept(actor, proposal: Proposal, title: str, starts_local) -> None:
    """Make the proposal an agenda session with staff's title and time."""
    if proposal.state != ProposalState.PROPOSED.value:
        raise EventError("decided", "title", status=409,
                         state=proposal_state_label(proposal.state))
    if not (title or "").strip():
        raise EventError("proposal-title", "title")
    event = proposal.event
    session = services.add_session(actor, event, services.SessionValues(
        starts_at=starts_local, ends_at=None, title_en=title.strip()))
    if proposal.record_id is not None:
        session.speakers = [Speaker(record_id=proposal.record_id)]
    _decide(proposal, ProposalState.ACCEPTED.value, session_id=session.id, title=title.strip())


def ignore(actor, proposal: Proposal) -> None:
    if proposal.state != ProposalState.PROPOSED.value:
        raise EventError("decided", "title", status=409,
                         state=proposal_state_label(proposal.state))
    _decide(proposal, ProposalState.IGNORED.value)


def _decide(proposal: Proposal, state: str, **values) -> None:
    result = db.session.execute(
        sa.update(Proposal).where(Proposal.id == proposal.id,
                                  Proposal.state == ProposalState.PROPOSED.value)
        .values(state=state, **values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise EventError("decided", "title", status=409, state=proposal_state_label(state))
    db.session.refresh(proposal)
