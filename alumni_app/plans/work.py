"""Action plan work for the dashboards: the office's follow-up, an alumnus's check-ins due.

Staff counts are the counts of the follow-up queue's own lists (followup.Filters), in one
statement; an alumnus's next steps come from one statement over their own plans and courses.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.permissions import Role, is_staff, user_role
from alumni_app.plans import checkins, followup
from alumni_app.plans.models import OPEN_STATUSES, ActionPlan
from alumni_app.training.models import Course, Participation

SHOWN = {"check_ins": lambda: _("Action plans with a check-in overdue"),
         "milestones": lambda: _("Action plans with a milestone late"),
         "support": lambda: _("Action plans asking the office for support")}


def work_items_for(user) -> list[dict]:
    """Plans with a check-in overdue, a milestone late, or asking for support."""
    if not is_staff(user):
        return []
    found = db.session.execute(followup.counts(user, date.today())).one()._mapping
    return [{"label": label(), "count": found[show], "urgent": show == "check_ins",
             "url": url_for("plan_staff.follow_up", show=show)} for show, label in SHOWN.items()]


def _own_courses(user, today: date) -> list:
    """The alumnus's courses, each with its open plan (if any), the check-in due on it, and
    whether the course has a plan of any status."""
    due_month = checkins.due_month_sql(today)  # due already: the alumnus answers it now
    any_plan = sa.orm.aliased(ActionPlan)
    has_plan = sa.exists().where(any_plan.participation_id == Participation.id)
    return db.session.execute(
        sa.select(Participation.id, Course.title, Course.end_on, ActionPlan.id, ActionPlan.title,
                  due_month, has_plan)
        .select_from(Participation)
        .join(AlumnusRecord, AlumnusRecord.id == Participation.record_id)
        .join(Course, Course.id == Participation.course_id)
        .outerjoin(ActionPlan, sa.and_(ActionPlan.participation_id == Participation.id,
                                       ActionPlan.status.in_(OPEN_STATUSES)))
        .where(AlumnusRecord.user_id == user.id, AlumnusRecord.is_active,
               AlumnusRecord.erased_at.is_(None))
        .order_by(Course.end_on.desc().nulls_last(), ActionPlan.id)).all()


def next_steps_for(user) -> list[dict]:
    """A check-in to answer on each open plan; a plan to write for a course ended lately."""
    if user_role(user) is not Role.ALUMNUS:
        return []
    today = date.today()
    window = max(checkins.schedule(), default=24)
    steps = []
    for part_id, course, end_on, plan_id, plan_title, month, has_plan in _own_courses(user,
                                                                                        today):
        if plan_id is not None and month is not None:
            steps.append({"label": _("Answer the %(months)s-month check-in of your action "
                                     "plan “%(title)s”", months=month, title=plan_title),
                          "url": url_for("plans.check_in", plan_id=plan_id, month=month),
                          "due": checkins.due_on(end_on, month), "kind": "check_in"})
        recent = end_on is not None and checkins.add_months(end_on, window) >= today
        if not has_plan and recent:
            steps.append({"label": _("Write your action plan for “%(course)s”", course=course),
                          "url": url_for("plans.create", participation_id=part_id),
                          "due": None, "kind": "plan"})
    return steps
