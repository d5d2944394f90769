"""Erasing a person blanks their plans' words and deletes their files; the counts stay."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.alumni import privacy
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.audit import AuditEvent
from alumni_app.extensions import db
from alumni_app.plans import outcomes, services
from alumni_app.plans.models import (
    ActionPlan,
    Activity,
    PlanComment,
    ProgressUpdate,
    activity_evidence,
)
from alumni_app.plans.services import MilestoneRow, UpdateValues
from alumni_app.storage import StoredFile
from tests import factories
from tests import sample_files as files
from tests.plans import factories as plan_factories

WORDS = "Karimova's secret"


def _erase(users):
    erasure = privacy.request_erasure(users["alumnus"])
    privacy.anonymise(users["officer"], erasure)
    db.session.commit()
    db.session.expire_all()


def test_erasure_blanks_the_words_and_deletes_the_files_but_keeps_the_counts(
        app, login, users, record, participation, barriers):
    plan = services.create_plan(
        users["officer"], participation,
        {"title": WORDS, "problem": WORDS, "objectives": WORDS, "stakeholders": WORDS,
         "support_needed": WORDS, "status": "stalled"},
        [MilestoneRow(WORDS, participation.course.start_on)], [],
        upload=files.upload(files.pdf(), "scan.pdf"), on_behalf=True)
    services.post_update(users["alumnus"], plan, UpdateValues(
        WORDS, support_needed=WORDS, barrier_ids=[1]))
    services.add_comment(users["alumnus"], plan, WORDS)
    services.add_comment(users["officer"], plan, f"Asked {WORDS}")
    services.update_plan(users["alumnus"], plan, {"title": WORDS, "problem": f"{WORDS} 2",
                                                  "status": "stalled"}, [], [])
    db.session.commit()
    activity = plan_factories.make_activity(record, users["alumnus"], plan, description=WORDS,
                                            total=40, women=25, men=15)
    assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == 2

    _erase(users)

    plan, activity = db.session.get(ActionPlan, plan.id), db.session.get(Activity, activity.id)
    assert (plan.problem, plan.objectives, plan.stakeholders, plan.support_needed) == \
        ("", "", "", "")
    assert plan.paper_copy is None and plan.status == "stalled"
    assert [m.description for m in plan.milestones] == [""]
    update = db.session.scalar(sa.select(ProgressUpdate))
    assert (update.done_text, update.support_needed) == ("", "")
    assert [b.id for b in update.barriers] == [1]
    assert set(db.session.scalars(sa.select(PlanComment.body))) == {""}
    assert activity.description == "" and activity.total == 40 and activity.women == 25
    assert activity.evidence == [] and db.session.scalar(
        sa.select(sa.func.count()).select_from(activity_evidence)) == 0
    assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == 0
    # Nothing of the words is left in any column of the plans' tables or the audit details.
    for model, column in [(ActionPlan, ActionPlan.title), (Activity, Activity.title),
                          (AuditEvent, AuditEvent.details)]:
        assert not any(WORDS in (v or "") for v in db.session.scalars(sa.select(column))), model
    # The outcome table still counts the plan, its status, barrier, activity and reach.
    row, = outcomes.outcomes(users["officer"], [participation.course])
    assert (row.plans, row.by_status, row.barriers, row.activities, row.reached) == (
        1, {"stalled": 1}, {1: 1}, 1, 40)


def test_erased_and_retired_peoples_plans_leave_the_follow_up_queue(app, login, users, record,
                                                                    plan, office):
    other = plan_factories.make_plan(
        plan_factories.make_participation(factories.make_record(office)), title="Retired plan")
    activity = plan_factories.make_activity(record, users["alumnus"], plan)
    officer = login(users["officer"])
    page = officer.get("/plans/follow-up?show=all").get_data(as_text=True)
    assert plan.title in page and "Retired plan" in page
    db.session.get(AlumnusRecord, other.participation.record_id).is_active = False
    db.session.commit()
    _erase(users)
    page = officer.get("/plans/follow-up?show=all").get_data(as_text=True)
    assert f'href="/plans/{plan.id}"' not in page and "Retired plan" not in page
    assert f'href="/activities/{activity.id}"' not in officer.get("/activities").get_data(
        as_text=True)
