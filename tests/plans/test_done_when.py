"""The issue's "done when" paragraph, through the services (no HTTP)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.plans import followup, outcomes, services
from alumni_app.plans.activities import save_activity
from alumni_app.plans.models import PlanEvent
from alumni_app.plans.services import IndicatorRow, MilestoneRow, UpdateValues
from tests import sample_files as files


def queued_ids(user, today: date | None = None) -> list[int]:
    rows = db.session.execute(followup.queue(user, followup.Filters(), today or date.today()))
    return [row.id for row in rows]


def test_plan_follow_up_from_writing_to_the_outcome_table(app, users, participation, barriers):
    alumnus, officer = users["alumnus"], users["officer"]
    today = date.today()
    participation.course.set_dates(today - timedelta(days=230), today - timedelta(days=200))
    db.session.commit()

    # An alumnus writes a plan with milestones and indicators.
    plan = services.create_plan(alumnus, participation, {"title": "Safer roads"}, [
        MilestoneRow("Seminar at the ministry", today + timedelta(days=10)),
        MilestoneRow("Pilot in Sughd", today + timedelta(days=90))], [
        IndicatorRow("Roads inspected", "km", 10, 100)])
    db.session.commit()
    seminar, pilot = plan.milestones
    indicator = plan.indicators[0]

    # ... posts two progress updates and an activity with evidence.
    first = services.post_update(alumnus, plan, UpdateValues(
        "Prepared the seminar", milestone_states={seminar.id: "in_progress"},
        indicator_values={indicator.id: 20}, barrier_ids=[1]))
    services.post_update(alumnus, plan, UpdateValues(
        "Held the seminar", milestone_states={seminar.id: "done"},
        indicator_values={indicator.id: 35}))
    record = db.session.get(AlumnusRecord, plan.participation.record_id)
    activity = save_activity(alumnus, record, None, {
        "kind": "seminar", "held_on": today, "title": "Seminar", "description": "",
        "region_id": None, "sector_id": None, "plan_id": plan.id, "total": 40, "women": 25,
        "men": 15}, upload=files.upload(files.pdf(), "attendance.pdf"))
    db.session.commit()
    assert activity.evidence[0].content_type == "application/pdf"

    # The 6-month check-in fell due before the plan was written: it is overdue (and staff see
    # the plan in the queue) once the plan is 30 days old, until it is answered.
    later = today + timedelta(days=30)
    assert plan.id not in queued_ids(officer)
    assert plan.id in queued_ids(officer, later)
    services.answer_check_in(alumnus, plan, 6, UpdateValues("Half the roads inspected"))
    db.session.commit()
    assert plan.id not in queued_ids(officer, later)

    # Staff comment and verify an update; the alumnus answers.
    services.add_comment(officer, plan, "Can we visit the pilot?")
    services.verify_update(officer, plan, first, "Visited on site")
    services.add_comment(alumnus, plan, "Yes, in May.")
    db.session.commit()
    kinds = db.session.scalars(sa.select(PlanEvent.kind).where(PlanEvent.plan_id == plan.id)
                               .order_by(PlanEvent.occurred_at, PlanEvent.id)).all()
    assert kinds == ["created", "update_posted", "status_changed", "update_posted",
                     "check_in_answered",
                     "commented", "verified", "commented"]
    assert seminar.state == "done" and pilot.state == "planned" and indicator.reached == 35

    # The course's outcome table counts it.
    row, = outcomes.outcomes(officer, [plan.participation.course])
    assert (row.participants, row.plans, row.activities, row.reached) == (1, 1, 1, 40)
    assert row.by_status == {"in_progress": 1} and row.barriers == {1: 1}
