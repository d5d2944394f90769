"""Managing accounts: list, invite, change role, deactivate and reactivate."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alumni_app.accounts import policy, services, work
from alumni_app.accounts.forms import (
    ROLE_LABELS,
    ChangeRoleForm,
    InviteForm,
    ResetSecondFactorForm,
)
from alumni_app.accounts.models import User
from alumni_app.accounts.views import form_again
from alumni_app.audit import AuditEvent
from alumni_app.auth.forms import ConfirmForm
from alumni_app.extensions import db
from alumni_app.forms import form_status, positive_int
from alumni_app.offices.models import Office
from alumni_app.pagination import paginate, parse_page
from alumni_app.permissions import (
    Role,
    is_admin,
    object_rule,
    require,
    role_required,
    scope_to_office,
)
from alumni_app.search_text import contains_ci

bp = Blueprint("users", __name__, url_prefix="/admin/users")
MANAGERS = (Role.MANAGER, Role.ADMIN)

SORTS = {
    "name": User.display_name,
    "email": User.email,
    "role": User.role,
    "last_login": User.last_login_at,
    "created": User.created_at,
}


def _visible_users(actor) -> sa.Select:
    """Admins see all accounts; managers the staff of their office."""
    query = sa.select(User)
    if not is_admin(actor):
        query = query.where(User.role != Role.ALUMNUS.value)
    return scope_to_office(query, User.office_id, actor)


def _filtered(query: sa.Select, args) -> sa.Select:
    if q := args.get("q", "").strip()[:100]:
        query = query.where(sa.or_(contains_ci(User.display_name, q), contains_ci(User.email, q)))
    if (role := args.get("role")) in {r.value for r in Role}:
        query = query.where(User.role == role)
    if office := positive_int(args.get("office")):
        query = query.where(User.office_id == office)
    status = args.get("status", "active")
    if status in ("active", "inactive"):
        query = query.where(User.is_active.is_(status == "active"))
    elif status == "invited":
        query = query.where(work.invited_condition())
    sort = args.get("sort", "name")
    column = SORTS.get(sort.lstrip("-"), User.display_name)
    order = column.desc() if sort.startswith("-") else column.asc()
    return query.order_by(order, User.id)


def _office_choices(actor) -> list[tuple[int, str]]:
    query = scope_to_office(sa.select(Office).where(Office.is_active), Office.id, actor)
    return [(o.id, o.name) for o in db.session.scalars(query.order_by(Office.name))]


@bp.get("")
@role_required(*MANAGERS)
def index():
    """List accounts with search, filters, sorting and pagination."""
    query = _filtered(_visible_users(current_user), request.args)
    page = paginate(query, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
    return render_template("admin/users.html", page=page, roles=ROLE_LABELS,
                           offices=_office_choices(current_user), args=request.args)


def _load_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    require(policy.can_view_user(current_user, user), user)
    return user


def _invite_office_choices(actor) -> list[tuple[int, str]]:
    choices = _office_choices(actor)
    if is_admin(actor):
        choices.append((0, _("No office (administrators only)")))
    return choices


@bp.route("/invite", methods=["GET", "POST"])
@role_required(*MANAGERS)
def invite():
    """Invite a staff member: an account without a password and an e-mailed link to set one."""
    form = InviteForm()
    form.role.choices = [(r.value, ROLE_LABELS[r]) for r in policy.grantable_roles(current_user)]
    form.office_id.choices = _invite_office_choices(current_user)
    if form.validate_on_submit():
        role, office_id = Role(form.role.data), form.office_id.data or None
        require(policy.can_invite(current_user, role, office_id))
        try:
            user = services.invite_user(
                current_user, email=form.email.data, display_name=form.display_name.data,
                role=role, office_id=office_id, language=form.preferred_language.data)
        except services.EmailTaken:
            form.email.errors.append(_("An account with this e-mail address already exists."))
        except services.RoleNotAllowed:
            form.office_id.errors.append(_("Officers and managers must belong to an office."))
        else:
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            return redirect(url_for("users.detail", user_id=user.id))
    status = form_status()
    return render_template("admin/invite.html", form=form), status


@bp.get("/<int:user_id>")
@object_rule(*MANAGERS, description="accounts.policy.can_view_user")
def detail(user_id: int):
    """Show an account, its history and the actions the viewer may take."""
    user = _load_user(user_id)
    form = ChangeRoleForm(role=user.role, office_id=user.office_id or 0)
    _role_form_choices(form)
    history = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.subject_type == "User", AuditEvent.subject_id == user.id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(50)
    ).all()
    return render_template("admin/user_detail.html", user=user, role_form=form,
                           confirm_form=ConfirmForm(), history=history, roles=ROLE_LABELS,
                           policy=policy)


def _role_form_choices(form: ChangeRoleForm) -> None:
    form.role.choices = [(r.value, ROLE_LABELS[r]) for r in policy.grantable_roles(current_user)]
    form.office_id.choices = [(0, "—"), *_office_choices(current_user)]


@bp.post("/<int:user_id>/role")
@object_rule(Role.ADMIN, description="accounts.policy.can_change_role")
def change_role(user_id: int):
    """Change a staff member's role or office."""
    user = _load_user(user_id)
    require(policy.can_change_role(current_user, user), user)
    form = ChangeRoleForm()
    _role_form_choices(form)
    if form.validate_on_submit():
        try:
            services.change_role(current_user, user, Role(form.role.data),
                                 form.office_id.data or None)
        except services.RoleNotAllowed:
            flash(_("Officers and managers must belong to an office."), "danger")
            return redirect(url_for("users.detail", user_id=user.id))
        db.session.commit()
        flash(_("The role was changed. The person's sessions were ended."), "success")
        return redirect(url_for("users.detail", user_id=user.id))
    flash(_("Choose a role and an office."), "danger")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.route("/<int:user_id>/deactivate", methods=["GET", "POST"])
@object_rule(*MANAGERS, description="accounts.policy.can_deactivate")
def deactivate(user_id: int):
    """Ask for confirmation, then deactivate an account (accounts are never deleted)."""
    user = _load_user(user_id)
    require(policy.can_deactivate(current_user, user), user)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("admin/confirm_deactivate.html", user=user, form=form)
    services.deactivate(current_user, user)
    db.session.commit()
    flash(_("%(name)s was deactivated and logged out everywhere.", name=user.display_name), "info")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.post("/<int:user_id>/reactivate")
@object_rule(*MANAGERS, description="accounts.policy.can_deactivate")
def reactivate(user_id: int):
    """Reactivate a deactivated account."""
    user = _load_user(user_id)
    require(policy.can_deactivate(current_user, user), user)
    if ConfirmForm().validate_on_submit():
        services.reactivate(current_user, user)
        db.session.commit()
        flash(_("%(name)s can log in again.", name=user.display_name), "success")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.post("/<int:user_id>/resend-invitation")
@object_rule(*MANAGERS, description="accounts.policy.can_resend_invitation")
def resend_invitation(user_id: int):
    """Send a new invitation link (the old one stops working)."""
    user = _load_user(user_id)
    require(policy.can_resend_invitation(current_user, user), user)
    if ConfirmForm().validate_on_submit():
        services.send_invitation(current_user, user)
        db.session.commit()
        flash(_("A new invitation was sent to %(email)s.", email=user.email), "success")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.route("/<int:user_id>/reset-second-factor", methods=["GET", "POST"])
@object_rule(*MANAGERS, description="accounts.policy.can_reset_second_factor")
def reset_second_factor(user_id: int):
    """Ask for confirmation, then turn off a lost second factor and end the person's sessions."""
    user = _load_user(user_id)
    require(policy.can_reset_second_factor(current_user, user), user)
    form = ResetSecondFactorForm()
    form.user = current_user
    if not form.validate_on_submit():
        return form_again("admin/confirm_reset_second_factor.html", form, user=user,
                          voids_password=services.reset_voids_password(user))
    services.reset_second_factor(current_user, user, via="admin page")
    db.session.commit()
    flash(_("The second factor of %(name)s was reset and they were logged out everywhere.",
            name=user.display_name), "info")
    return redirect(url_for("users.detail", user_id=user.id))
