"""Staff pages for action plans: follow-up queue, verification, barriers, outcomes by course."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from alumni_app.extensions import db
from alumni_app.forms import form_status, positive_int
from alumni_app.pagination import paginate, parse_page
from alumni_app.permissions import STAFF_ROLES, Role, object_rule, require, role_required
from alumni_app.plans import followup, outcomes, policy, services
from alumni_app.plans import views as plan_views
from alumni_app.plans.activities import REACH_LABELS
from alumni_app.plans.forms import STATUS_LABELS, BarrierForm, CommentForm, VerifyForm
from alumni_app.plans.models import ActionPlan, Barrier, ProgressUpdate
from alumni_app.plans.services import PlanError
from alumni_app.training.models import ProgramType

bp = Blueprint("plan_staff", __name__)


@bp.get("/plans/follow-up")
@role_required(*STAFF_ROLES)
def follow_up():
    """The office's queue: overdue check-ins and milestones, plans asking for support."""
    filters = followup.Filters.from_args(request.args)
    today = date.today()
    page = paginate(followup.queue(current_user, filters, today),
                    parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"],
                    rows=True)
    locale = str(get_locale())
    return render_template(
        "plans/follow_up.html", page=page, filters=filters, args=request.args,
        barriers=followup.frequent_barriers(current_user, filters, today),
        choices=followup.filter_choices(current_user, locale), status_labels=STATUS_LABELS)


@bp.post("/plans/updates/<int:update_id>/verify")
@object_rule(*STAFF_ROLES, description="plans.policy.can_verify_update (office staff)")
def verify(update_id: int):
    """Mark a progress update verified after a visit or evidence."""
    update = db.session.get(ProgressUpdate, update_id) or abort(404)
    plan = db.session.get(ActionPlan, update.plan_id)
    require(policy.can_verify_update(current_user, plan), plan)
    form = VerifyForm()
    if not form.validate_on_submit():  # the page again, the note's message next to it
        return plan_views.detail_page(plan, CommentForm(formdata=None), 400,
                                      verify_form=form, verify_update_id=update.id)
    try:
        services.verify_update(current_user, plan, update, form.note.data or "")
    except PlanError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("plans.detail", plan_id=plan.id)), 303
    db.session.commit()
    flash(_("The update is marked verified."), "success")
    return redirect(url_for("plans.detail", plan_id=plan.id, _anchor=f"update-{update.id}"))


@bp.get("/admin/barriers")
@role_required(*STAFF_ROLES)
def barriers():
    """List the barriers alumni choose from."""
    items = db.session.scalars(sa.select(Barrier).order_by(Barrier.id)).all()
    return render_template("plans/barriers.html", items=items,
                           can_change=policy.can_change_barrier(current_user))


@bp.route("/admin/barriers/new", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="plans.policy.can_add_barrier")
def barrier_new():
    """Add a barrier to the list every office shares."""
    require(policy.can_add_barrier(current_user))
    return _save_barrier(None)


@bp.route("/admin/barriers/<int:barrier_id>", methods=["GET", "POST"])
@object_rule(Role.ADMIN, description="plans.policy.can_change_barrier")
def barrier_form(barrier_id: int):
    """Rename a barrier, or take it out of use (administrators: every office uses it)."""
    require(policy.can_change_barrier(current_user))
    return _save_barrier(db.session.get(Barrier, barrier_id) or abort(404))


def _save_barrier(barrier: Barrier | None):
    form = BarrierForm(obj=barrier)
    if form.validate_on_submit():
        values = {f: getattr(form, f).data for f in ("name_en", "name_ru", "is_active")}
        clash = db.session.scalar(sa.select(Barrier.id).where(
            Barrier.name_en == values["name_en"]))
        if clash is not None and clash != getattr(barrier, "id", None):
            form.name_en.errors.append(_("This barrier is already in the list."))
        else:
            services.save_barrier(current_user, barrier, values)
            db.session.commit()
            flash(_("The barrier was saved."), "success")
            return redirect(url_for("plan_staff.barriers"))
    return render_template("plans/barrier_form.html", form=form, barrier=barrier), form_status()


def _outcome_filters() -> tuple[str | None, int | None, str]:
    program = request.args.get("program_type")
    group = request.args.get("group")
    return (program if program in {p.value for p in ProgramType} else None,
            positive_int(request.args.get("fy"), max_digits=4),
            group if group in outcomes.GROUPS else "course")


@bp.get("/plans/outcomes")
@role_required(*STAFF_ROLES)
def outcome_table():
    """Outcomes by course, program type or fiscal year: plans, barriers, people reached."""
    program, year, group = _outcome_filters()
    page = None
    if group == "course":
        page = paginate(outcomes.courses_query(current_user, program, year),
                        parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
        rows = outcomes.outcomes(current_user, page.items)
    else:
        rows = outcomes.grouped(current_user, program, year, group)
    return render_template(
        "plans/outcomes.html", page=page, rows=rows, group=group,
        totals=outcomes.total(current_user, program, year),
        barriers=outcomes.barrier_names(str(get_locale())), args=request.args,
        years=outcomes.fiscal_years(current_user), program_types=list(ProgramType),
        status_labels=STATUS_LABELS, group_label=outcomes.group_label,
        small_group=outcomes.SMALL_GROUP, withheld_note=outcomes.withheld_note())


@bp.get("/plans/outcomes.xlsx")
@role_required(*STAFF_ROLES)
def outcome_download():
    """Download the outcome table (every row matching the filters, and the totals) as XLSX."""
    program, year, group = _outcome_filters()
    if group == "course":
        courses = db.session.scalars(outcomes.courses_query(current_user, program, year)).all()
        rows = outcomes.outcomes(current_user, list(courses))
    else:
        rows = outcomes.grouped(current_user, program, year, group)
    body = outcomes.xlsx(rows, outcomes.barrier_names(str(get_locale())), STATUS_LABELS,
                         REACH_LABELS, group, outcomes.total(current_user, program, year))
    name = {"course": "course", "program_type": "program-type", "fiscal_year": "fiscal-year"}
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet", headers={"Content-Disposition": "attachment; "
                                                    f'filename="outcomes-by-{name[group]}.xlsx"'})
