"""A merge brings the duplicate's plans and activities to the kept record; erasure reaches them."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.alumni import privacy
from alumni_app.alumni import services as record_services
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.plans.models import (
    ActionPlan,
    Activity,
    Indicator,
    Milestone,
    PlanComment,
    ProgressUpdate,
)
from alumni_app.plans.services import IndicatorRow, MilestoneRow, UpdateValues, add_comment
from alumni_app.plans.services import post_update as post
from alumni_app.training.models import Participation
from tests import factories
from tests.plans import factories as plan_factories

WORDS = "Saidov's secret"


def _duplicate_with_plans(office, users, participation):
    """A duplicate who took the record's course too and another one, each with a plan."""
    duplicate = factories.make_record(office, family_name="Saidov")
    shared = Participation(record_id=duplicate.id, course_id=participation.course_id)
    db.session.add(shared)
    db.session.commit()
    own = plan_factories.make_participation(duplicate, code="DUP-2", title="Second course")
    on_shared = plan_factories.make_plan(
        shared, users["officer"], title=f"{WORDS}: shared course", problem=WORDS,
        milestones=[MilestoneRow(WORDS, participation.course.start_on)],
        indicators=[IndicatorRow(WORDS, WORDS[:20], 1, 2)])
    post(users["officer"], on_shared, UpdateValues(WORDS, support_needed=WORDS))
    add_comment(users["officer"], on_shared, WORDS)
    db.session.commit()
    on_own = plan_factories.make_plan(own, users["officer"], title=f"{WORDS}: own course")
    activity = plan_factories.make_activity(duplicate, users["officer"], on_shared,
                                            title=f"{WORDS}: seminar", description=WORDS)
    loose = plan_factories.make_activity(duplicate, users["officer"], title=f"{WORDS}: talk",
                                         participation_id=own.id)
    return duplicate, shared, on_shared, on_own, activity, loose


def test_a_merge_moves_the_duplicates_plans_and_activities_to_the_kept_record(
        app, login, users, office, record, participation, plan):
    duplicate, shared, on_shared, on_own, activity, loose = _duplicate_with_plans(
        office, users, participation)
    record_services.merge_records(users["officer"], record, duplicate)
    db.session.commit()
    db.session.expire_all()
    # Every plan is kept: the shared course's plans hang on the kept record's participation.
    assert db.session.get(ActionPlan, on_shared.id).participation_id == participation.id
    assert db.session.get(ActionPlan, plan.id).participation_id == participation.id
    assert db.session.get(ActionPlan, on_own.id).participation.record_id == record.id
    for each in (activity, loose):
        assert db.session.get(Activity, each.id).record_id == record.id
    assert db.session.get(Activity, activity.id).participation_id == participation.id
    assert db.session.scalar(sa.select(sa.func.count()).where(
        Participation.id == shared.id, ActionPlan.participation_id == Participation.id)) == 0
    page = login(users["officer"]).get(f"/directory/{record.id}").get_data(as_text=True)
    for title in (plan.title, on_shared.title, on_own.title, activity.title, loose.title):
        assert title.replace("'", "&#39;") in page, title
    assert f'href="/plans/{on_shared.id}"' in page and f'href="/activities/{loose.id}"' in page
    # The alumnus sees them among their own.
    mine = login(users["alumnus"]).get("/plans").get_data(as_text=True)
    assert f'href="/plans/{on_shared.id}"' in mine and f'href="/plans/{on_own.id}"' in mine


def _erase(users):
    erasure = privacy.request_erasure(users["alumnus"])
    privacy.anonymise(users["officer"], erasure)
    db.session.commit()
    db.session.expire_all()


def _no_words_left():
    columns = [ActionPlan.title, ActionPlan.problem, Milestone.description, Indicator.name,
               Indicator.unit, ProgressUpdate.done_text, ProgressUpdate.support_needed,
               PlanComment.body, Activity.title, Activity.description]
    for column in columns:
        assert not any(WORDS[:12] in (v or "") for v in db.session.scalars(sa.select(column))), \
            column


def test_erasing_a_person_erases_the_plans_and_activities_of_a_merged_duplicate(
        app, users, office, record, participation, plan):
    _duplicate_with_plans(office, users, participation)
    duplicate = db.session.scalar(sa.select(AlumnusRecord).filter_by(family_name="Saidov"))
    record_services.merge_records(users["officer"], record, duplicate)
    db.session.commit()
    _erase(users)
    _no_words_left()
    assert db.session.scalar(sa.select(sa.func.count(ActionPlan.id))) == 3  # counts stay


def test_erasure_reaches_plans_left_on_a_duplicate_merged_earlier(app, users, office, record,
                                                                 participation, plan):
    """A duplicate merged before merges moved plans and activities still holds its own."""
    duplicate, *_rest = _duplicate_with_plans(office, users, participation)
    middle = factories.make_record(office, family_name="Saidova")
    duplicate.merged_into_id, middle.merged_into_id = middle.id, record.id
    duplicate.is_active = middle.is_active = False
    db.session.commit()
    _erase(users)
    _no_words_left()


def test_the_data_download_has_the_plans_and_activities_left_on_an_earlier_duplicate(
        app, users, office, record, participation, plan):
    duplicate, _shared, on_shared, on_own, activity, loose = _duplicate_with_plans(
        office, users, participation)
    duplicate.merged_into_id, duplicate.is_active = record.id, False
    db.session.commit()
    data = privacy.export_data(users["alumnus"])
    assert {p["title"] for p in data["action_plans"]} == {plan.title, on_shared.title,
                                                          on_own.title}
    assert {a["title"] for a in data["activities"]} == {activity.title, loose.title}
