"""The two pages of an application that several view modules show again with a form's errors:
the applicant's (views.py, money_views.py) and the office's (staff_views.py, money_views.py).

Above the services and read helpers, below the view modules: views import these builders from
here, never from each other.
"""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from alumni_app.grants import applications, money, pages, policy, reviews, workflow
from alumni_app.grants.forms import (
    AnswerForm,
    CommentForm,
    ConfirmForm,
    MessageForm,
    MoveForm,
    line_choices,
)
from alumni_app.grants.models import AppState
from alumni_app.grants.money_models import Reallocation
from alumni_app.grants.staff_forms import (
    AssignForm,
    MoveDecisionForm,
    RefundForm,
    ReleaseForm,
    RevisionForm,
    ScreenForm,
)


def applicant_page(application, status=200, **forms):
    """An application as its applicant and team see it, with `forms` posted back."""
    cross, sectors = pages.team_sectors(application)
    member = policy.team_member(current_user, application)
    forms.setdefault("comment_form", MessageForm(formdata=None))
    forms.setdefault("answer_form", AnswerForm(formdata=None))
    if "move_form" not in forms:
        forms["move_form"] = MoveForm(formdata=None)
        forms["move_form"].from_line.choices = line_choices(application)
        forms["move_form"].to_line.choices = line_choices(application)
    return render_template(
        "grants/application.html", application=application, member=member,
        is_applicant=policy.is_applicant(current_user, application),
        can_edit=policy.can_edit_application(current_user, application),
        can_move=application.state == AppState.APPROVED.value and workflow.takes_part(
            current_user, new_move(application), "apply"),
        events=pages.timeline(application, internal=False),
        comments=reviews.comments_for(current_user, application),
        actions=workflow.allowed_actions(application, current_user),
        cross_sector=cross, sectors=sectors, plan=pages.plan_of(application),
        region=pages.region_name(application.region_id),
        tranches=money.tranches(application), reports=money.reports(application),
        spending=money.spending_table(application) if application.approved_amount else [],
        moves=pages.moves(application), versions=applications.versions(application),
        **forms), status


def new_move(application) -> Reallocation:
    """A move not asked for yet, never added to the session: whom the transition table names
    to ask for one (a move's 'apply' actor), before there is one."""
    return Reallocation(application_id=application.id)


def assign_form(application, **kwargs) -> AssignForm:
    form = AssignForm(**kwargs)
    form.reviewer_id.choices = [(u.id, u.display_name)
                                for u in reviews.candidate_reviewers(application)]
    return form


def staff_page(application, status=200, **forms):
    """An application as the office sees it, with `forms` posted back."""
    done, required, missing = reviews.progress(application)
    visible = reviews.visible_reviews(current_user, application)
    forms.setdefault("screen_form", ScreenForm(formdata=None))
    forms.setdefault("assign_form", assign_form(application, formdata=None))
    forms.setdefault("comment_form", CommentForm(formdata=None))
    forms.setdefault("revision_form", RevisionForm(formdata=None))
    forms.setdefault("refund_form", RefundForm(formdata=None))
    forms.setdefault("release_form", ReleaseForm(formdata=None))
    forms.setdefault("move_form", MoveDecisionForm(formdata=None))
    cross, sectors = pages.team_sectors(application)
    internal = policy.can_see_internal(current_user, application)
    return render_template(
        "grants/staff/application.html", application=application, confirm=ConfirmForm(
            formdata=None), done=done, required=required, missing=missing,
        all_reviews=reviews.reviews_of(application) if internal else [
            r for r in reviews.reviews_of(application) if r.reviewer_id == current_user.id],
        current_version=reviews.current_version(application),
        visible_reviews=visible, own_review=reviews.own_review(current_user, application),
        average=reviews.average_score(visible),
        comments=reviews.comments_for(current_user, application),
        events=pages.timeline(application, internal=internal),
        can_see_internal=internal,
        can_comment=policy.can_comment(current_user, application),
        can_remind=policy.can_remind_reviewers(current_user, application),
        actions=workflow.allowed_actions(application, current_user),
        blocked=workflow.blocked_actions(application, current_user),
        can_assign=policy.can_assign_reviewers(current_user, application),
        releasable=releasable(application),
        decidable={m.id for m in pages.moves(application)
                   if workflow.allowed_actions(m, current_user)},
        is_applicant=False,
        cross_sector=cross, sectors=sectors, plan=pages.plan_of(application),
        region=pages.region_name(application.region_id),
        versions=applications.versions(application),
        tranches=money.tranches(application), reports=money.reports(application),
        spending=money.spending_table(application) if application.approved_amount else [],
        unsettled=money.unsettled(application) if application.approved_amount else None,
        moves=pages.moves(application), **forms), status


def releasable(application) -> set[int]:
    """The tranches this user may pay now (the next one, once its previous report is in)."""
    return {t.id for t in money.tranches(application)
            if workflow.allowed_actions(t, current_user)}
