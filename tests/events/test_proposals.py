"""The annual meeting's agenda proposed from results: per sector the alumni who did the most in
the past year, and the barriers the office's check-ins reported most; accepted proposals
become sessions, ignored ones stay ignored."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from alumni_app.db import utcnow
from alumni_app.events.models import AgendaSession, Proposal
from alumni_app.extensions import db
from alumni_app.plans import services as plan_services
from alumni_app.plans.models import (
    Activity,
    Barrier,
    MilestoneProgress,
    ProgressUpdate,
    update_barriers,
)
from tests import factories
from tests.events.factories import local, make_event
from tests.plans.factories import make_participation, make_plan


def _activity(record, total, days_ago=30):
    db.session.add(Activity(record_id=record.id, kind="seminar", title="Seminar",
                            held_on=date.today() - timedelta(days=days_ago), total=total))


def _verified_milestone(plan, verifier, barrier_ids=(), month=None, verified=True):
    update = ProgressUpdate(plan_id=plan.id, done_text="Done", check_in_month=month,
                            posted_at=utcnow() - timedelta(days=20),
                            verified_at=utcnow() if verified else None,
                            verified_by_id=verifier.id if verified else None)
    db.session.add(update)
    db.session.flush()
    db.session.add(MilestoneProgress(update_id=update.id, milestone_id=plan.milestones[0].id,
                                     state="done"))
    for barrier_id in barrier_ids:
        db.session.execute(sa.insert(update_barriers).values(update_id=update.id,
                                                             barrier_id=barrier_id))


def test_presenters_per_sector_and_topics_from_check_ins(login, users, office, other_office):
    plan_services.ensure_default_barriers()
    barriers = db.session.scalars(sa.select(Barrier).order_by(Barrier.id)).all()
    health = factories.make_sector(name_en="Health", name_ru="Здравоохранение")
    energy = factories.make_sector(name_en="Energy", name_ru="Энергетика")
    people = {}
    for name, sector in (("Karimova", health), ("Nazarov", health), ("Saidova", health),
                         ("Rahimov", health), ("Olimov", energy), ("Idle", energy)):
        record = factories.make_record(office, family_name=name)
        record.sectors.append(sector)
        people[name] = record
    far = factories.make_record(other_office, family_name="Elsewhere")
    far.sectors.append(health)
    db.session.commit()
    _activity(people["Karimova"], 400)
    _activity(people["Nazarov"], 120)
    _activity(people["Saidova"], 60)
    _activity(people["Rahimov"], 30)
    _activity(people["Rahimov"], 5000, days_ago=400)  # more than a year ago: not counted
    _activity(far, 9000)
    # Olimov: two milestones done in verified updates (2 x 25); an unverified one does not count.
    plan = make_plan(make_participation(people["Olimov"]), users["officer"])
    _verified_milestone(plan, users["officer"], [barriers[0].id, barriers[1].id], month=6)
    _verified_milestone(plan, users["officer"], [barriers[0].id], month=12, verified=False)
    idle_plan = make_plan(make_participation(people["Idle"]), users["officer"])
    _verified_milestone(idle_plan, users["officer"], [barriers[0].id], month=6, verified=False)
    db.session.commit()

    event = make_event(office, kind="annual_meeting", title_en="Annual meeting")
    officer = login(users["officer"])
    assert officer.post(f"/staff/events/{event.id}/proposals/refresh").status_code == 302
    presenters = db.session.execute(
        sa.select(Proposal.sector_id, Proposal.record_id, Proposal.reached, Proposal.milestones)
        .where(Proposal.kind == "presenter").order_by(Proposal.id)).all()
    assert [(s, r) for s, r, _, _ in presenters] == [
        (health.id, people["Karimova"].id), (health.id, people["Nazarov"].id),
        (health.id, people["Saidova"].id), (energy.id, people["Olimov"].id)]
    assert presenters[0][2] == 400 and presenters[3][3] == 1
    topics = db.session.execute(sa.select(Proposal.barrier_id, Proposal.reports).where(
        Proposal.kind == "topic").order_by(Proposal.id)).all()
    # Barrier 1 in three check-ins (verified or not: a check-in reports it), barrier 2 in one.
    assert topics == [(barriers[0].id, 3), (barriers[1].id, 1)]

    page = officer.get(f"/staff/events/{event.id}/proposals").get_data(as_text=True)
    assert "People reached: 400" in page and "Elsewhere" not in page
    karimova = db.session.scalar(sa.select(Proposal).where(
        Proposal.record_id == people["Karimova"].id))
    start = local(event.starts_at + timedelta(hours=2), office).strftime("%Y-%m-%dT%H:%M")
    response = officer.post(f"/staff/events/{event.id}/proposals/{karimova.id}/accept",
                            data={"title": "Health: mobile clinics in Khatlon",
                                  "starts_at": start})
    assert response.status_code == 302
    session = db.session.scalars(sa.select(AgendaSession)).one()
    assert session.title_en == "Health: mobile clinics in Khatlon"
    assert [s.record_id for s in session.speakers] == [people["Karimova"].id]
    nazarov = db.session.scalar(sa.select(Proposal).where(
        Proposal.record_id == people["Nazarov"].id))
    officer.post(f"/staff/events/{event.id}/proposals/{nazarov.id}/ignore")
    # Accepting twice is refused; proposing again keeps what staff decided.
    again = officer.post(f"/staff/events/{event.id}/proposals/{karimova.id}/accept",
                         data={"title": "Again", "starts_at": start})
    assert again.status_code == 409
    officer.post(f"/staff/events/{event.id}/proposals/refresh")
    states = dict(db.session.execute(sa.select(Proposal.record_id, Proposal.state).where(
        Proposal.kind == "presenter")).all())
    assert states[people["Karimova"].id] == "accepted"
    assert states[people["Nazarov"].id] == "ignored"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgendaSession)) == 1


def test_a_proposal_accepted_without_a_title_or_outside_the_event_is_refused(login, users,
                                                                              office):
    plan_services.ensure_default_barriers()
    event = make_event(office, kind="annual_meeting")
    barrier = db.session.scalars(sa.select(Barrier)).first()
    proposal = Proposal(event_id=event.id, kind="topic", barrier_id=barrier.id, title="Budget")
    db.session.add(proposal)
    db.session.commit()
    officer = login(users["officer"])
    response = officer.post(f"/staff/events/{event.id}/proposals/{proposal.id}/accept",
                            data={"title": "", "starts_at": "2027-01-01T10:00"})
    assert response.status_code == 400
    assert "Give the session a title." in response.get_data(as_text=True)
    late = local(event.ends_at + timedelta(days=1), office).strftime("%Y-%m-%dT%H:%M")
    response = officer.post(f"/staff/events/{event.id}/proposals/{proposal.id}/accept",
                            data={"title": "Budget", "starts_at": late})
    assert response.status_code == 400
    assert "A session takes place between the event" in response.get_data(as_text=True)
    db.session.refresh(proposal)
    assert proposal.state == "proposed"


def test_only_the_annual_meeting_gets_proposals(login, users, office):
    event = make_event(office, kind="seminar")
    response = login(users["officer"]).post(f"/staff/events/{event.id}/proposals/refresh")
    assert response.status_code == 400
