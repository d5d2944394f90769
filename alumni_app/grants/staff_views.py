"""Applications for the office: screening, reviewers, reviews, comments, revision, decisions."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from alumni_app.accounts.models import User
from alumni_app.extensions import db
from alumni_app.forms import attempt, form_status
from alumni_app.grants import (
    decisions,
    pages,
    policy,
    reviews,
    screens,
    work,
    workflow,
)
from alumni_app.grants.forms import CommentForm, ConfirmForm, small_number
from alumni_app.grants.models import APP_STATES, GrantApplication
from alumni_app.grants.review_models import Review
from alumni_app.grants.reviews import ScoreInput
from alumni_app.grants.staff_forms import (
    ConflictForm,
    RejectForm,
    RevisionForm,
    ScreenForm,
    approve_form,
    review_form,
)
from alumni_app.pagination import paginate, parse_page
from alumni_app.permissions import STAFF_ROLES, Role, object_rule, require, role_required

bp = Blueprint("grant_staff", __name__, url_prefix="/staff/grants")
MANAGERS = (Role.MANAGER, Role.ADMIN)
OFFICE = "grants.policy.can_handle_application: staff of the call's office, once submitted"


def _application(application_id: int) -> GrantApplication:
    application = db.session.get(GrantApplication, application_id) or abort(404)
    require(policy.can_handle_application(current_user, application), application)
    return application


def _back(application, anchor=None):
    return redirect(url_for("grant_staff.application", application_id=application.id,
                            _anchor=anchor))


@bp.get("/applications/<int:application_id>")
@object_rule(*STAFF_ROLES, description=OFFICE)
def application(application_id: int):
    """Everything about an application, with the actions open to this member of staff."""
    return screens.staff_page(_application(application_id))


@bp.post("/applications/<int:application_id>/screen")
@object_rule(*STAFF_ROLES, description=OFFICE)
def screen(application_id: int):
    """Record the eligibility check: on to review, or not eligible with the reason."""
    application = _application(application_id)
    form = ScreenForm()
    if not form.validate_on_submit():
        return screens.staff_page(application, 400, screen_form=form)
    outcome = attempt(form, reviews.screen, current_user, application,
                      form.decision.data == "eligible", form.note.data or "")
    if not outcome:
        return screens.staff_page(application, outcome.status, screen_form=form)
    flash(_("The eligibility check was recorded."), "success")
    return _back(application)


@bp.post("/applications/<int:application_id>/reviewers")
@object_rule(*MANAGERS, description="grants.policy.can_assign_reviewers")
def assign(application_id: int):
    """Ask a member of staff to review the application."""
    application = _application(application_id)
    require(policy.can_assign_reviewers(current_user, application), application)
    form, status = screens.assign_form(application), 400
    if form.validate_on_submit():
        reviewer = db.session.get(User, form.reviewer_id.data)
        outcome = attempt(form, reviews.assign, current_user, application, reviewer)
        if outcome:
            flash(_("%(name)s was asked to review.", name=reviewer.display_name), "success")
            return _back(application, "reviews")
        status = outcome.status
    return screens.staff_page(application, status, assign_form=form)


@bp.post("/applications/<int:application_id>/remind")
@object_rule(*MANAGERS, description="grants.policy.can_remind_reviewers")
def remind(application_id: int):
    """E-mail the reviewers whose reviews are missing."""
    application = _application(application_id)
    require(policy.can_remind_reviewers(current_user, application), application)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = reviews.remind(current_user, application)
    db.session.commit()
    flash(ngettext("%(num)s reviewer was reminded.", "%(num)s reviewers were reminded.", count),
          "success")
    return _back(application, "reviews")


@bp.post("/applications/<int:application_id>/comments")
@object_rule(*STAFF_ROLES, description="grants.policy.can_comment: staff of the office, once "
             "submitted, without a declared conflict of interest")
def comment(application_id: int):
    """An internal note, or a message shared with the applicant."""
    application = _application(application_id)
    require(policy.can_comment(current_user, application), application)
    form = CommentForm()
    if not form.validate_on_submit():
        return screens.staff_page(application, 400, comment_form=form)
    reviews.add_comment(current_user, application, form.body.data, form.shared.data)
    db.session.commit()
    flash(_("Your comment was added."), "success")
    return _back(application, "comments")


@bp.post("/applications/<int:application_id>/revision")
@object_rule(*STAFF_ROLES, description="workflow: staff of the office ask for a revision")
def revision(application_id: int):
    """Send the application back to the applicant with what to change."""
    application = _application(application_id)
    form = RevisionForm()
    if not form.validate_on_submit():
        return screens.staff_page(application, 400, revision_form=form)
    outcome = attempt(form, reviews.request_revision, current_user, application,
                      form.message.data)
    if not outcome:
        return screens.staff_page(application, outcome.status, revision_form=form)
    flash(_("The applicant was asked to revise the application."), "success")
    return _back(application)


def _decision_rule(application_id: int, action: str) -> GrantApplication:
    """The application, if this user is who the workflow names to take `action` on it."""
    application = _application(application_id)
    require(workflow.takes_part(current_user, application, action), application)
    return application


@bp.route("/applications/<int:application_id>/approve", methods=["GET", "POST"])
@object_rule(*MANAGERS, description="grants.workflow: the table's actor for 'approve' (a "
             "manager of the office without a conflict; who reviewed it is refused)")
def approve(application_id: int):
    """Approve an amount, its conditions and the payment and report schedule."""
    application = _decision_rule(application_id, "approve")
    form, outcome = approve_form(application), None
    if form.validate_on_submit():
        outcome = attempt(form, decisions.approve, current_user, application, form.amount.data,
                          form.usd_rate.data, form.conditions.data or "", form.tranche_rows(),
                          earlier_reviews_confirmed=form.confirm_earlier.data)
        if outcome:
            flash(_("The application was approved."), "success")
            return _back(application)
    return render_template("grants/staff/approve.html", application=application, form=form,
                           earlier=reviews.earlier_version_reviews(application),
                           blocked=workflow.blocked_actions(application, current_user)
                           ), outcome.status if outcome is not None else form_status()


@bp.route("/applications/<int:application_id>/reject", methods=["GET", "POST"])
@object_rule(*MANAGERS, description="grants.workflow: the table's actor for 'reject' (a "
             "manager of the office without a conflict; who reviewed it is refused)")
def reject(application_id: int):
    """Reject with a reason the applicant reads."""
    application = _decision_rule(application_id, "reject")
    form, outcome = RejectForm(), None
    if form.validate_on_submit():
        outcome = attempt(form, decisions.reject, current_user, application, form.reason.data,
                          earlier_reviews_confirmed=form.confirm_earlier.data)
        if outcome:
            flash(_("The application was rejected; the applicant was told why."), "success")
            return _back(application)
    return render_template("grants/staff/reject.html", application=application, form=form,
                           earlier=reviews.earlier_version_reviews(application)
                           ), outcome.status if outcome is not None else form_status()


@bp.get("/reviews")
@role_required(*STAFF_ROLES)
def my_reviews():
    """The reviews waiting for this member of staff (`?show=overdue`: only the late ones)."""
    overdue = request.args.get("show") == "overdue"
    return render_template("grants/staff/my_reviews.html", overdue=overdue,
                           reviews=pages.my_reviews(current_user, overdue=overdue),
                           overdue_days=current_app.config["REVIEW_OVERDUE_DAYS"])


@bp.get("/applications", endpoint="applications")
@role_required(*STAFF_ROLES)
def applications_list():
    """The office's submitted applications: all, one state (`?state=`), or the ones waiting
    for a kind of work (`?waiting=decision|tranche|report|move`), oldest first."""
    state = request.args.get("state") if request.args.get("state") in APP_STATES else None
    kind = request.args.get("waiting")
    kind = kind if kind in work.WAITING and work.may_act(kind, current_user) else None
    listing = paginate(work.listing(current_user, state, kind, date.today()),
                       parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"],
                       rows=True)
    return render_template("grants/staff/applications.html", page=listing, state=state,
                           waiting=kind, states=APP_STATES, kinds=[
                               k for k in work.WAITING if work.may_act(k, current_user)])


def _review(application_id: int) -> tuple[Review, GrantApplication]:
    """The current user's own review of an application (reviews are reached only this way)."""
    application = _application(application_id)
    review = reviews.own_review(current_user, application)
    require(review is not None and policy.can_review(current_user, review), application)
    return review, application


def _score_inputs(form, criteria) -> list[ScoreInput]:
    return [ScoreInput(c.id, small_number(form[f"score_{c.id}"].data, 2),
                       form[f"note_{c.id}"].data or "") for c in criteria]


@bp.route("/applications/<int:application_id>/review", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="grants.policy.can_review: the assigned reviewer")
def review(application_id: int):
    """Score each criterion with a comment and recommend; save to finish later, or submit."""
    review, application = _review(application_id)
    criteria, current = application.call.criteria, reviews.current_version(application)
    form, status = review_form(criteria, review, current), form_status()
    if form.validate_on_submit():
        submit = request.form.get("action") == "submit"
        outcome = attempt(form, reviews.save_review, current_user, review,
                          _score_inputs(form, criteria), form.recommendation.data or None,
                          form.comment.data or "", submit=submit,
                          seen_version=small_number(form.version.data))
        if outcome:
            flash(_("Your review was submitted.") if submit else _("Your scores were saved."),
                  "success")
            return _back(application, "reviews")
        if outcome.error.code == "version-changed":  # told now: submitting again scores it
            form.version.data = str(current or "")
        status = outcome.status
    return render_template("grants/staff/review.html", application=application, review=review,
                           form=form, criteria=criteria,
                           proposal=pages.scored_proposal(application,
                                                          small_number(form.version.data)),
                           conflict_form=ConflictForm(formdata=None)), status


@bp.post("/applications/<int:application_id>/review/conflict")
@object_rule(*STAFF_ROLES, description="grants.policy.can_review: the assigned reviewer")
def conflict(application_id: int):
    """Declare a conflict of interest and step aside."""
    review, application = _review(application_id)
    form = ConflictForm()
    if form.validate_on_submit():
        outcome = attempt(form, reviews.declare_conflict, current_user, review, form.note.data)
        # Back to the application either way: its page shows no conflict form to hold a refusal.
        flash(_("Your conflict of interest was recorded; you will not review this "
                "application.") if outcome else outcome.error.message,
              "success" if outcome else "danger")
        return _back(application, "reviews")
    criteria = application.call.criteria
    return render_template("grants/staff/review.html", application=application, review=review,
                           form=review_form(criteria, review,
                                            reviews.current_version(application),
                                            formdata=None),
                           criteria=criteria, conflict_form=form), 400
