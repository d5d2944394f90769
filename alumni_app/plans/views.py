"""Action plan pages for the alumnus and, on their behalf, the office's staff."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from alumni_app import storage
from alumni_app.alumni.policy import own_record
from alumni_app.extensions import db
from alumni_app.forms import form_status
from alumni_app.permissions import Role, object_rule, require, role_required
from alumni_app.plans import pages, policy, reminders, services
from alumni_app.plans.forms import (
    CommentForm,
    ReminderForm,
    VerifyForm,
    plan_form,
    update_form,
)
from alumni_app.plans.models import ActionPlan
from alumni_app.plans.services import PlanError
from alumni_app.storage import UploadRefused
from alumni_app.training.models import Participation

bp = Blueprint("plans", __name__, url_prefix="/plans")


@bp.record_once
def _register_labels(state) -> None:
    """Template helpers for the translated names of states and kinds."""
    from alumni_app.alumni.privacy import register_erasure, register_export
    from alumni_app.alumni.services import register_merge
    from alumni_app.plans import export, privacy
    from alumni_app.plans.activities import KIND_LABELS
    from alumni_app.plans.forms import MILESTONE_STATE_LABELS, STATUS_LABELS

    def label(labels):
        return lambda value: labels.get(value, value) if value else ""

    state.app.jinja_env.globals.update(
        status_label=label(STATUS_LABELS), milestone_state_label=label(MILESTONE_STATE_LABELS),
        activity_kind_label=label(KIND_LABELS), plan_policy=policy,
        plans_for_staff=pages.plans_for_staff, record_activities=pages.record_activities)
    register_export(state.app, "action_plans", _l("Action plans"), export.plans_of)
    register_export(state.app, "activities", _l("Activities after training"),
                    export.activities_of)
    register_erasure(state.app, "plans", privacy.erase_person)
    register_merge(state.app, "plans", services.move_to_kept_record)


def _plan(plan_id: int) -> ActionPlan:
    return db.session.get(ActionPlan, plan_id) or abort(404)


@bp.get("")
@role_required(Role.ALUMNUS)
def mine():
    """List the alumnus's courses with their action plans, and the reminder setting."""
    form = ReminderForm(data={"reminders_enabled": pages.reminders_enabled(current_user)})
    return render_template("plans/mine.html", courses=pages.own_participations(current_user),
                           activities=pages.own_activities(current_user), form=form,
                           record=own_record(current_user))


@bp.post("/reminders")
@role_required(Role.ALUMNUS)
def set_reminders():
    """Turn reminder e-mails about one's plans on or off."""
    form = ReminderForm()
    if form.validate_on_submit():
        reminders.set_enabled(current_user, form.reminders_enabled.data)
        db.session.commit()
        flash(_("Your reminder setting was saved."), "success")
    return redirect(url_for("plans.mine"))


def _plan_form_errors(form, exc: PlanError | UploadRefused) -> int:
    if isinstance(exc, UploadRefused):
        form.paper_copy.errors.append(exc.message)
        return exc.status
    if exc.index is not None:
        form.milestone_error(exc.index, exc.message)
    else:
        form.paper_copy.errors.append(exc.message)
    return 400


@bp.route("/new/<int:participation_id>", methods=["GET", "POST"])
@object_rule(description="plans.policy.can_create_plan: the record's alumnus, or its office's "
             "staff while the person is current")
def create(participation_id: int):
    """Write an action plan for a course (staff: from the paper copy, attached)."""
    participation = db.session.get(Participation, participation_id) or abort(404)
    require(policy.can_create_plan(current_user, policy.record_of(participation)), participation)
    form, status = plan_form(), form_status()
    if form.validate_on_submit():
        try:
            plan = services.create_plan(
                current_user, participation, form.values(), form.milestone_rows(),
                form.indicator_rows(), upload=form.paper_copy.data or None,
                on_behalf=not policy.owns(current_user, policy.record_of(participation)))
        except (PlanError, UploadRefused) as exc:
            db.session.rollback()
            status = _plan_form_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The action plan was saved."), "success")
            return redirect(url_for("plans.detail", plan_id=plan.id))
    return render_template("plans/form.html", form=form, participation=participation,
                           record=policy.record_of(participation), plan=None), status


create.accepts_uploads = True


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@object_rule(description="plans.policy.can_edit_plan")
def edit(plan_id: int):
    """Change a plan: its text, milestones, indicators and status."""
    plan = _plan(plan_id)
    require(policy.can_edit_plan(current_user, plan), plan)
    form, status, notice = plan_form(plan), form_status(), None
    if form.validate_on_submit():
        try:
            services.update_plan(current_user, plan, form.values(), form.milestone_rows(),
                                 form.indicator_rows(), upload=form.paper_copy.data or None,
                                 edit_version=form.opened_at())
        except (PlanError, UploadRefused) as exc:
            db.session.rollback()
            if isinstance(exc, PlanError) and exc.code == "plan-changed":
                # Kept as typed; saved again from here, it rests on the newer version.
                notice, status = exc.message, 409
                form.edit_version.data = str(plan.edit_version)  # reloaded after the rollback
            else:
                status = _plan_form_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The action plan was saved."), "success")
            return redirect(url_for("plans.detail", plan_id=plan.id))
    return render_template("plans/form.html", form=form, participation=plan.participation,
                           record=policy.record_of(plan), plan=plan, notice=notice), status


edit.accepts_uploads = True


@bp.get("/<int:plan_id>")
@object_rule(description="plans.policy.can_view_plan")
def detail(plan_id: int):
    """Show a plan with its check-ins, progress updates, comments and timeline."""
    plan = _plan(plan_id)
    require(policy.can_view_plan(current_user, plan), plan)
    return detail_page(plan, CommentForm(formdata=None))


def detail_page(plan: ActionPlan, comment_form: CommentForm, status: int = 200,
                verify_form: VerifyForm | None = None, verify_update_id: int | None = None):
    """The plan's page; a form that came back with errors shows them next to its fields."""
    updates = pages.plan_updates(plan)
    return render_template(
        "plans/detail.html", plan=plan, updates=updates, record=policy.record_of(plan),
        check_ins=pages.plan_check_ins(plan, updates), timeline=pages.timeline(plan, updates),
        comment_form=comment_form, verify_form=verify_form or VerifyForm(formdata=None),
        verify_update_id=verify_update_id,
        can_verify=policy.can_verify_update(current_user, plan),
        activities=pages.plan_activities(plan)), status


def _save_update(plan: ActionPlan, month: int | None, values) -> PlanError | None:
    """Post the update (or answer the check-in) and commit; the broken rule, if any."""
    try:
        if month is None:
            services.post_update(current_user, plan, values)
        else:
            services.answer_check_in(current_user, plan, month, values)
        db.session.commit()
    except PlanError as exc:
        db.session.rollback()
        return exc
    except IntegrityError:
        if month is None:
            raise
        db.session.rollback()  # answered at the same moment elsewhere (a double click)
        return PlanError("check-in-answered")
    return None


def _update_page(plan: ActionPlan, month: int | None):
    """Post a progress update, or answer the check-in of `month`."""
    form = update_form(plan, pages.active_barriers(), str(get_locale()))
    status = form_status()
    notice = None
    if form.validate_on_submit():
        values = form.values()
        error = _save_update(plan, month, values)
        if error is None:
            flash(_("Your update was saved."), "success")
            return redirect(url_for("plans.detail", plan_id=plan.id))
        if error.code != "check-in-answered":
            form.done_text.errors.append(error.message)
            status = 400
        elif services.check_in_answer(plan, month) == values.done_text:  # a double click
            flash(error.message, "warning")
            return redirect(url_for("plans.detail", plan_id=plan.id))
        else:  # answered meanwhile (another tab, or the office): keep what was typed
            notice, month, status = _("This check-in was already answered. What you wrote is "
                                      "kept below: send it as a progress update."), None, 409
    milestone_fields = [form[f"milestone_{m.id}"] for m in plan.milestones]
    indicator_fields = [(i, form[f"indicator_{i.id}"]) for i in plan.indicators]
    return render_template("plans/update_form.html", plan=plan, form=form, month=month,
                           notice=notice, milestone_fields=milestone_fields,
                           indicator_fields=indicator_fields), status


@bp.route("/<int:plan_id>/updates/new", methods=["GET", "POST"])
@object_rule(description="plans.policy.can_post_update")
def post_update(plan_id: int):
    """Report progress on a plan."""
    plan = _plan(plan_id)
    require(policy.can_post_update(current_user, plan), plan)
    return _update_page(plan, None)


@bp.route("/<int:plan_id>/check-ins/<int:month>", methods=["GET", "POST"])
@object_rule(description="plans.policy.can_post_update")
def check_in(plan_id: int, month: int):
    """Answer the check-in due `month` months after the course ended."""
    plan = _plan(plan_id)
    require(policy.can_post_update(current_user, plan), plan)
    if request.method == "GET":
        try:
            services.check_answerable(plan, month)
        except PlanError as exc:  # say so before the alumnus writes an answer in vain
            if exc.code == "check-in-unknown":
                abort(404)
            flash(exc.message, "warning")
            return redirect(url_for("plans.detail", plan_id=plan.id))
    return _update_page(plan, month)


@bp.post("/<int:plan_id>/comments")
@object_rule(description="plans.policy.can_comment")
def comment(plan_id: int):
    """Add a comment to a plan's conversation (staff ask, the alumnus answers)."""
    plan = _plan(plan_id)
    require(policy.can_comment(current_user, plan), plan)
    form = CommentForm()
    if not form.validate_on_submit():
        return detail_page(plan, form, 400)
    services.add_comment(current_user, plan, form.body.data)
    db.session.commit()
    flash(_("Your comment was added."), "success")
    return redirect(url_for("plans.detail", plan_id=plan.id, _anchor="comments"))


@bp.get("/<int:plan_id>/paper-copy")
@object_rule(description="plans.policy.can_view_plan")
def paper_copy(plan_id: int):
    """Download the scanned paper copy of a plan."""
    plan = _plan(plan_id)
    require(policy.can_view_plan(current_user, plan), plan)
    if plan.paper_copy is None:
        abort(404)
    return storage.send_stored_file(plan.paper_copy)
