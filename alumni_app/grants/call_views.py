"""Calls for the office: draft, publish, close early, extend; the call's figures and list."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alumni_app.extensions import db
from alumni_app.forms import form_status
from alumni_app.grants import calls, pages, policy, workflow
from alumni_app.grants.calls import CallError
from alumni_app.grants.forms import ConfirmForm, MessageForm
from alumni_app.grants.models import GrantCall
from alumni_app.grants.staff_forms import ExtendForm, call_form
from alumni_app.grants.workflow import WorkflowError
from alumni_app.offices.models import Office
from alumni_app.pagination import parse_page
from alumni_app.permissions import STAFF_ROLES, Role, object_rule, require, role_required

bp = Blueprint("grant_calls", __name__, url_prefix="/staff/grants/calls")
MANAGERS = (Role.MANAGER, Role.ADMIN)


def _call(call_id: int) -> GrantCall:
    return db.session.get(GrantCall, call_id) or abort(404)


@bp.get("")
@role_required(*STAFF_ROLES)
def index():
    """The office's calls, newest first, with their money."""
    page = pages.calls_for(current_user, None, parse_page(request.args.get("page")), 20)
    offices = []
    if policy.can_manage_calls(current_user) and current_user.office_id is None:
        offices = db.session.scalars(sa.select(Office).where(Office.is_active)
                                     .order_by(Office.name)).all()
    return render_template("grants/staff/calls.html", page=page, offices=offices,
                           can_create=policy.can_manage_calls(current_user))


def _office_for_new_call() -> int:
    """Managers open calls for their office; an administrator picks one (?office=ID)."""
    if current_user.office_id is not None:
        return current_user.office_id
    return request.args.get("office", type=int) or abort(404)


def _form_page(form, call=None, status=200, office_id=None):
    return render_template("grants/staff/call_form.html", form=form, call=call,
                           office_id=office_id), status


def _call_error(form, exc: CallError) -> None:
    target = form[exc.field] if exc.field in form._fields else form.title
    target.errors = [*target.errors, exc.message]


@bp.route("/new", methods=["GET", "POST"])
@role_required(*MANAGERS)
def create():
    """Draft a new call for the office."""
    office_id = _office_for_new_call()
    require(policy.can_manage_calls(current_user) and
            (current_user.office_id in (None, office_id)))
    office = db.session.get(Office, office_id) or abort(404)
    form, status = call_form(currency=office.currency), form_status()
    if form.validate_on_submit():
        try:
            grant_call = calls.create_call(current_user, office_id, form.values(),
                                           form.criterion_rows())
        except CallError as exc:
            db.session.rollback()
            _call_error(form, exc)
        else:
            db.session.commit()
            flash(_("The call was saved as a draft. Alumni see it once it is published."),
                  "success")
            return redirect(url_for("grant_calls.detail", call_id=grant_call.id))
    return _form_page(form, status=status, office_id=office_id)


@bp.route("/<int:call_id>/edit", methods=["GET", "POST"])
@object_rule(*MANAGERS, description="grants.policy.can_edit_call (drafts only)")
def edit(call_id: int):
    """Change a draft call's terms and criteria."""
    grant_call = _call(call_id)
    require(policy.can_edit_call(current_user, grant_call), grant_call)
    local = (calls.to_local(grant_call.opens_at, grant_call.office).replace(tzinfo=None),
             calls.to_local(grant_call.closes_at, grant_call.office).replace(tzinfo=None))
    form, status = call_form(grant_call, local_times=local), form_status()
    if form.validate_on_submit():
        try:
            calls.update_call(current_user, grant_call, form.values(), form.criterion_rows())
        except CallError as exc:
            db.session.rollback()
            _call_error(form, exc)
        else:
            db.session.commit()
            flash(_("The call was saved."), "success")
            return redirect(url_for("grant_calls.detail", call_id=grant_call.id))
    return _form_page(form, grant_call, status)


@bp.get("/<int:call_id>")
@object_rule(*STAFF_ROLES, description="grants.policy.is_office_staff")
def detail(call_id: int):
    """A call's terms, budget, committed, disbursed and remaining, and its applications."""
    grant_call = _call(call_id)
    require(policy.is_office_staff(current_user, grant_call), grant_call)
    return _detail_page(grant_call)


def _detail_page(grant_call: GrantCall, status: int = 200):
    state = request.args.get("state") or None
    sort = request.args.get("sort", "submitted")
    listing = pages.call_applications(grant_call, state, sort,
                                      parse_page(request.args.get("page")), 25)
    return render_template(
        "grants/staff/call.html", call=grant_call, figures=calls.figures(grant_call),
        page=listing, state=state, sort=sort, events=pages.call_events(grant_call),
        reviews_done=pages.reviews_done([a.id for a in listing.items]),
        actions=workflow.allowed_actions(grant_call, current_user),
        can_edit=policy.can_edit_call(current_user, grant_call),
        form=ConfirmForm(formdata=None)), status


@bp.route("/<int:call_id>/publish", methods=["POST"])
@object_rule(*MANAGERS, description="workflow: a manager of the office publishes")
def publish(call_id: int):
    grant_call = _call(call_id)
    require(policy.is_office_manager(current_user, grant_call), grant_call)
    if ConfirmForm().validate_on_submit():
        return _transition(grant_call, lambda: calls.publish(current_user, grant_call),
                           _("The call was published."))
    abort(400)


@bp.route("/<int:call_id>/close", methods=["GET", "POST"])
@object_rule(*MANAGERS, description="workflow: a manager of the office closes early")
def close(call_id: int):
    """Confirm, then stop taking applications now."""
    grant_call = _call(call_id)
    require(policy.is_office_manager(current_user, grant_call), grant_call)
    form = MessageForm()
    if form.validate_on_submit():
        return _transition(grant_call, lambda: calls.close_early(current_user, grant_call,
                                                                 form.message.data or ""),
                           _("The call was closed."))
    return render_template("grants/staff/call_close.html", call=grant_call,
                           form=form), form_status()


@bp.route("/<int:call_id>/extend", methods=["GET", "POST"])
@object_rule(*MANAGERS, description="workflow: a manager of the office extends")
def extend(call_id: int):
    """Move the closing date later (a call closed early opens again)."""
    grant_call = _call(call_id)
    require(policy.is_office_manager(current_user, grant_call), grant_call)
    form, status = ExtendForm(), form_status()
    if form.validate_on_submit():
        try:
            calls.extend(current_user, grant_call, form.closes_at.data, form.message.data or "")
        except CallError as exc:
            db.session.rollback()
            form.closes_at.errors = [*form.closes_at.errors, exc.message]
        except WorkflowError as exc:
            db.session.rollback()
            form.closes_at.errors = [*form.closes_at.errors, exc.message]
            status = exc.status
        else:
            db.session.commit()
            flash(_("The call was extended."), "success")
            return redirect(url_for("grant_calls.detail", call_id=grant_call.id))
    return render_template("grants/staff/call_extend.html", call=grant_call, form=form), status


def _transition(grant_call, change, done_message):
    try:
        change()
    except WorkflowError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _detail_page(grant_call, exc.status)
    db.session.commit()
    flash(done_message, "success")
    return redirect(url_for("grant_calls.detail", call_id=grant_call.id))
