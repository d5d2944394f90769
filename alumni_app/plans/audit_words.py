"""The audit log's words for action plans, activities and the list of obstacles."""

from __future__ import annotations

from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from alumni_app.audit_words import Subject, Wording
from alumni_app.audit_words import register as register_words
from alumni_app.permissions import is_staff
from alumni_app.plans.models import ActionPlan, Activity, Barrier

W = Wording
ACTIONS = {
    "plan.created": W(_l("Action plan written"), _l("%(actor)s wrote the action plan %(subject)s")),
    "plan.updated": W(_l("Action plan edited"), _l("%(actor)s edited the action plan %(subject)s")),
    "plan.update_posted": W(_l("Progress update posted"),
                            _l("%(actor)s posted a progress update on %(subject)s")),
    "plan.check_in_answered": W(_l("Check-in answered"),
                                _l("%(actor)s answered a check-in on %(subject)s")),
    "plan.update_verified": W(_l("Progress update verified by the office"),
                              _l("%(actor)s verified a progress update on %(subject)s")),
    "plan.commented": W(_l("Comment on an action plan"),
                        _l("%(actor)s commented on the action plan %(subject)s")),
    "plan.reminders_set": W(_l("Reminder settings changed"),
                            _l("%(actor)s changed the reminders of %(subject)s"),
                            _l("%(actor)s changed their reminder settings")),
    "activity.created": W(_l("Activity recorded"),
                          _l("%(actor)s recorded the activity %(subject)s")),
    "activity.updated": W(_l("Activity changed"), _l("%(actor)s changed the activity %(subject)s")),
    "activity.evidence_added": W(_l("Evidence added to an activity"),
                                 _l("%(actor)s added evidence to the activity %(subject)s")),
    "barrier.created": W(_l("Obstacle noted"),
                         _l("%(actor)s added the obstacle %(subject)s to the list")),
    "barrier.updated": W(_l("Obstacle changed"), _l("%(actor)s changed the obstacle %(subject)s")),
}


def _plan_url(plan: ActionPlan, reader) -> str | None:
    return url_for("plans.detail", plan_id=plan.id) if is_staff(reader) else None


def _activity_url(activity: Activity, reader) -> str | None:
    return url_for("activities.detail", activity_id=activity.id) if is_staff(reader) else None


SUBJECTS = {
    "ActionPlan": Subject(ActionPlan, lambda p: p.title, _plan_url),
    "Activity": Subject(Activity, lambda a: a.title, _activity_url),
    "Barrier": Subject(Barrier, lambda b: b.name(str(get_locale()))),
}


def register(app) -> None:
    register_words(app, ACTIONS, SUBJECTS)
