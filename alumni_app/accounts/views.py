"""A user's own account: profile, language, password, e-mail address and second factor."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from alumni_app.accounts import services
from alumni_app.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    DisableSecondFactorForm,
    NewRecoveryCodesForm,
    ProfileForm,
    SetUpSecondFactorForm,
)
from alumni_app.auth import totp
from alumni_app.auth.forms import ConfirmForm
from alumni_app.auth.tokens import find_token
from alumni_app.extensions import db
from alumni_app.forms import form_status
from alumni_app.i18n import choose_language
from alumni_app.permissions import SECOND_FACTOR_ROLES, Role, authenticated, public

bp = Blueprint("accounts", __name__, url_prefix="/account")


@bp.route("", methods=["GET", "POST"])
@authenticated
def settings():
    """Edit one's name and language."""
    form = ProfileForm(obj=current_user)
    if not form.validate_on_submit():
        return render_template("accounts/settings.html", form=form), form_status()
    services.update_profile(current_user, display_name=form.display_name.data,
                            language=form.preferred_language.data)
    choose_language(form.preferred_language.data)
    db.session.commit()
    flash(_("Your settings were saved."), "success")
    return redirect(url_for("accounts.settings"))


def form_again(template: str, form, **context):
    """Show a form again with its errors; keep the audit record of a failed password check."""
    if request.method == "POST":
        db.session.commit()  # only audit events are pending: no service ran
    if getattr(form, "retry_after", 0):
        body = render_template(template, form=form, **context)
        return body, 429, {"Retry-After": str(form.retry_after)}
    return render_template(template, form=form, **context), form_status()


@bp.route("/password", methods=["GET", "POST"])
@authenticated
def change_password():
    """Change one's password; every other session ends."""
    form = ChangePasswordForm()
    form.user = current_user
    if not form.validate_on_submit():
        return form_again("accounts/password.html", form)
    user = current_user._get_current_object()
    services.change_own_password(user, form.password.data)
    login_user(user)  # the cookie now points at the new session
    db.session.commit()
    flash(_("Your password was changed. Other devices were logged out."), "success")
    return redirect(url_for("accounts.settings"))


@bp.route("/email", methods=["GET", "POST"])
@authenticated
def change_email():
    """Ask to use a new e-mail address; it changes once the link sent there is confirmed."""
    form = ChangeEmailForm()
    form.user = current_user
    if form.validate_on_submit():
        try:
            services.request_email_change(current_user, form.new_email.data)
        except services.EmailTaken:
            form.new_email.errors.append(_("This address cannot be used. Choose another one."))
        else:
            db.session.commit()
            flash(_("We sent a confirmation link to %(email)s.", email=form.new_email.data), "info")
            return redirect(url_for("accounts.settings"))
    return form_again("accounts/email.html", form)


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
@public
def confirm_email(token: str):
    """Confirm a new e-mail address from the link sent to it."""
    form = ConfirmForm()
    row = find_token(token, "email_change")
    if row is None:
        return render_template("auth/invalid_link.html"), 410
    if not form.validate_on_submit():
        return render_template("accounts/confirm_email.html", form=form, new_email=row.new_email)
    try:
        services.confirm_email_change(token)
    except services.EmailTaken:
        db.session.rollback()
        flash(_("This address is already used by another account."), "danger")
        return redirect(url_for("core.index"))
    db.session.commit()
    flash(_("Your e-mail address was changed."), "success")
    return redirect(url_for("core.index"))


CODES_PREFIX = "codes"


def _second_factor_status(posted=None):
    """The status page; `posted` is the form that came back with errors, if any."""
    user = current_user
    disable_form, codes_form = (DisableSecondFactorForm(formdata=None),
                                NewRecoveryCodesForm(formdata=None, prefix=CODES_PREFIX))
    if isinstance(posted, DisableSecondFactorForm):
        disable_form = posted
    elif posted is not None:
        codes_form = posted
    return form_again("accounts/two_factor.html", posted or disable_form,
                       disable_form=disable_form, codes_form=codes_form,
                       codes_left=totp.remaining_recovery_codes(user),
                       required=Role(user.role) in SECOND_FACTOR_ROLES)


@bp.route("/two-factor", methods=["GET", "POST"])
@authenticated(before_second_factor=True)
def two_factor():
    """Show the second-factor status, or set up an authenticator app."""
    user = current_user
    if user.has_second_factor:
        return _second_factor_status()
    secret = session.get("totp_setup_secret") or totp.new_secret()
    session["totp_setup_secret"] = secret
    form = SetUpSecondFactorForm()
    form.user = user
    if form.validate_on_submit():
        counter = totp.matching_counter(secret, form.code.data)
        if counter is not None:
            codes = services.enable_second_factor(user, secret, counter)
            session.pop("totp_setup_secret", None)
            db.session.commit()
            session["fresh_recovery_codes"] = codes
            return redirect(url_for("accounts.recovery_codes"))
        form.code.errors.append(_("That code is not valid. Check the time on your phone."))
    uri = totp.provisioning_uri(user, secret)
    return form_again("accounts/two_factor_setup.html", form, secret=secret,
                      qr=totp.qr_data_uri(uri), required=Role(user.role) in SECOND_FACTOR_ROLES)


@bp.get("/two-factor/codes")
@authenticated(before_second_factor=True)
def recovery_codes():
    """Show freshly made recovery codes once."""
    codes = session.pop("fresh_recovery_codes", None)
    if not codes:
        return redirect(url_for("accounts.two_factor"))
    return render_template("accounts/recovery_codes.html", codes=codes)


@bp.post("/two-factor/codes")
@authenticated
def regenerate_codes():
    """Replace the recovery codes, after the current password."""
    if not current_user.has_second_factor:
        return redirect(url_for("accounts.two_factor"))
    form = NewRecoveryCodesForm(prefix=CODES_PREFIX)
    form.user = current_user
    if not form.validate_on_submit():
        return _second_factor_status(form)
    session["fresh_recovery_codes"] = services.regenerate_recovery_codes(current_user)
    db.session.commit()
    return redirect(url_for("accounts.recovery_codes"))


@bp.post("/two-factor/disable")
@authenticated
def disable_two_factor():
    """Turn the second factor off (not allowed for managers and administrators)."""
    if Role(current_user.role) in SECOND_FACTOR_ROLES:
        flash(_("Your role requires a second factor."), "danger")
        return redirect(url_for("accounts.two_factor"))
    if not current_user.has_second_factor:
        return redirect(url_for("accounts.two_factor"))
    form = DisableSecondFactorForm()
    form.user = current_user
    if not form.validate_on_submit():
        return _second_factor_status(form)
    services.disable_second_factor(current_user)
    db.session.commit()
    flash(_("The second factor is off."), "info")
    return redirect(url_for("accounts.two_factor"))
