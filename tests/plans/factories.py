"""Factories for action plans and activities, and the URL arguments of their routes."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.plans import activities, services
from alumni_app.plans.services import IndicatorRow, MilestoneRow, UpdateValues
from alumni_app.training.models import Participation
from tests import factories
from tests import sample_files as files


def claimed_record(office, user, **values):
    """A record of `office` claimed by the alumnus `user`."""
    record = factories.make_record(office, **values)
    record.user_id = user.id
    db.session.commit()
    return record


def make_participation(record, start_on=date(2024, 1, 15), end_on=date(2024, 2, 15), **course):
    course = factories.make_course(**course)
    course.set_dates(start_on, end_on)
    participation = Participation(record_id=record.id, course_id=course.id)
    db.session.add(participation)
    db.session.commit()
    return participation


def make_plan(participation, actor=None, *, milestones=None, indicators=None, **values):
    start = participation.course.start_on or date(2024, 1, 1)
    values.setdefault("title", "Road maintenance plan")
    values.setdefault("status", "in_progress")
    plan = services.create_plan(
        actor, participation, values,
        milestones if milestones is not None else [
            MilestoneRow("Seminar for colleagues", date(start.year, 6, 1))],
        indicators if indicators is not None else [
            IndicatorRow("Roads inspected", "km", 10, 100)])
    db.session.commit()
    return plan


def make_activity(record, actor, plan=None, **values):
    data = {"kind": "seminar", "held_on": date(2024, 5, 1), "title": "Seminar",
            "description": "", "region_id": None, "sector_id": None,
            "plan_id": plan.id if plan else None, "total": 20, "women": 12, "men": 8}
    data.update(values)
    activity = activities.save_activity(actor, record, None, data,
                                        upload=files.upload(files.pdf(), "list.pdf"))
    db.session.commit()
    return activity


def route_args(users: dict, office, endpoint: str, values: dict) -> dict:
    """Objects of `office`, owned by users['alumnus'], for the plan and activity routes."""
    if endpoint and not endpoint.startswith(("plans.", "plan_staff.", "activities.")):
        return {}
    services.ensure_default_barriers()
    # A test may ask for the arguments of many routes: the alumnus can claim only one record.
    record = db.session.scalar(sa.select(AlumnusRecord).filter_by(user_id=users["alumnus"].id))
    if record is None:
        record = claimed_record(office, users["alumnus"])
    participation = make_participation(record)
    plan = make_plan(participation, users["alumnus"])
    update = services.post_update(users["alumnus"], plan, UpdateValues("Held a seminar"))
    activity = make_activity(record, users["alumnus"], plan)
    db.session.commit()
    extra = {"participation_id": participation.id, "plan_id": plan.id, "month": 6,
             "update_id": update.id, "barrier_id": 1, "activity_id": activity.id,
             "file_id": activity.evidence[0].id}
    if endpoint.startswith("activities."):
        extra["record_id"] = record.id
    return extra
