"""Calls for the office: draft, publish, close early, extend; the call's figures and list."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alumni_app.extensions import db
from alumni_app.forms import attempt, form_status
from alumni_app.grants import calls, pages, policy, workflow
from alumni_app.grants.forms import ConfirmForm, MessageForm
from alumni_app.grants.models import GrantCall
from alumni_app.grants.staff_forms import ExtendForm, call_form
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
        outcome = attempt(form, calls.create_call, current_user, office_id, form.values(),
                          form.criterion_rows())
        if outcome:
            flash(_("The call was saved as a draft. Alumni see it once it is published."),
                  "success")
            return redirect(url_for("grant_calls.detail", call_id=outcome.value.id))
        status = outcome.status
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
        outcome = attempt(form, calls.update_call, current_user, grant_call, form.values(),
                          form.criterion_rows())
        if outcome:
            flash(_("The call was saved."), "success")
            return redirect(url_for("grant_calls.detail", call_id=grant_call.id))
        status = outcome.status
    return _form_page(form, grant_call, status)


@bp.get("/<int:call_id>")
@object_rule(*STAFF_ROLES, description="grants.policy.is_office_staff")
def detail(call_id: int):
    """A call's terms, budget, committed, disbursed and remaining, and its applications."""
    grant_call = _call(call_id)
    require(policy.is_office_staff(current_user, grant_call), grant_call)
    return _detail_page(grant_call)


def _detail_page(grant_call: GrantCall, status: int = 200, refused=None):
    """The call's page; `refused`: a form posted from it (or its confirmation pages) whose
    refusal it shows at the top."""
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
        form=ConfirmForm(formdata=None), refused=refused), status


def _call_rule(call_id: int, action: str) -> GrantCall:
    """The call, if this user is who the workflow names to take `action` on it."""
    grant_call = _call(call_id)
    require(workflow.takes_part(current_user, grant_call, action), grant_call)
    return grant_call


@bp.route("/<int:call_id>/publish", methods=["POST"])
@object_rule(*MANAGERS, description="grants.workflow: the table's actor for 'publish' (a "
             "manager of the office); a call no longer a draft is refused with a 409")
def publish(call_id: int):
    grant_call = _call_rule(call_id, "publish")
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    return _transition(grant_call, form, _("The call was published."), calls.publish,
                       current_user, grant_call)


@bp.route("/<int:call_id>/close", methods=["GET", "POST"])
@object_rule(*MANAGERS, description="grants.workflow: the table's actor for 'close' (a "
             "manager of the office); a call not published is refused with a 409")
def close(call_id: int):
    """Confirm, then stop taking applications now."""
    grant_call = _call_rule(call_id, "close")
    form = MessageForm()
    if form.validate_on_submit():
        return _transition(grant_call, form, _("The call was closed."), calls.close_early,
                           current_user, grant_call, form.message.data or "")
    return render_template("grants/staff/call_close.html", call=grant_call,
                           form=form), form_status()


@bp.route("/<int:call_id>/extend", methods=["GET", "POST"])
@object_rule(*MANAGERS, description="grants.workflow: the table's actor for 'extend' (a "
             "manager of the office); a draft call is refused with a 409")
def extend(call_id: int):
    """Move the closing date later (a call closed early opens again)."""
    grant_call = _call_rule(call_id, "extend")
    form, status = ExtendForm(), form_status()
    if form.validate_on_submit():
        outcome = attempt(form, calls.extend, current_user, grant_call, form.closes_at.data,
                          form.message.data or "")
        if outcome:
            flash(_("The call was extended."), "success")
            return redirect(url_for("grant_calls.detail", call_id=grant_call.id))
        status = outcome.status
    return render_template("grants/staff/call_extend.html", call=grant_call, form=form), status


def _transition(grant_call, form, done_message, service, *args):
    """Take a one-step action on the call; refused, its page again with the reason on top."""
    outcome = attempt(form, service, *args)
    if not outcome:
        return _detail_page(grant_call, outcome.status, refused=form)
    flash(done_message, "success")
    return redirect(url_for("grant_calls.detail", call_id=grant_call.id))
