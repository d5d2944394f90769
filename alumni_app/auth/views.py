"""Logging in and out, registration, password reset, invitations and the second factor at login."""

from __future__ import annotations

import time

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from alumni_app import audit, throttle
from alumni_app.audit import client_ip
from alumni_app.auth import services
from alumni_app.auth.forms import (
    AcceptInvitationForm,
    ConfirmForm,
    EmailRequestForm,
    LoginForm,
    RecoveryCodeForm,
    RegisterForm,
    ResetPasswordForm,
    TotpForm,
)
from alumni_app.auth.models import User
from alumni_app.auth.sessions import end_session
from alumni_app.auth.tokens import find_token
from alumni_app.auth.totp import use_recovery_code, verify_totp
from alumni_app.extensions import db
from alumni_app.forms import form_status
from alumni_app.i18n import end_session_keeping_language, restart_session
from alumni_app.permissions import authenticated, public
from alumni_app.security import safe_next

bp = Blueprint("auth", __name__)

PENDING_SECONDS = 300


def _after_login_target(next_url: str | None) -> str:
    return safe_next(next_url, url_for("core.dashboard"))


def _throttled_response(form, template: str, wait: int):
    body = render_template(template, form=form, error=throttle.retry_message(wait))
    return body, 429, {"Retry-After": str(wait)}


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Check e-mail and password; continue to the second factor when the account has one."""
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        status = form_status()
        return render_template("auth/login.html", form=form), status
    try:
        user = services.check_credentials(form.email.data, form.password.data)
    except services.LoginThrottled as exc:
        db.session.commit()
        return _throttled_response(form, "auth/login.html", exc.retry_after)
    except services.LoginRefused:
        db.session.commit()
        error = _("E-mail or password is incorrect.")
        return render_template("auth/login.html", form=form, error=error), 401
    except services.EmailNotVerified as exc:
        services.send_verification(exc.user)
        db.session.commit()
        flash(_("Please confirm your e-mail address first: we sent you a new link."), "warning")
        return redirect(url_for("auth.login"))
    next_url = _after_login_target(form.next.data)
    restart_session()  # a fresh session at every login (a language picked on the page stays)
    if user.has_second_factor:
        session.update(pending_user=user.id, pending_at=time.time(),
                       pending_remember=bool(form.remember.data), pending_next=next_url)
        db.session.commit()
        return redirect(url_for("auth.second_factor"))
    services.complete_login(user, remember=bool(form.remember.data))
    db.session.commit()
    return redirect(next_url)


def _pending_user() -> User | None:
    user_id, started = session.get("pending_user"), session.get("pending_at", 0)
    if not user_id or time.time() - started > PENDING_SECONDS:
        return None
    user = db.session.get(User, user_id)
    # A factor reset meanwhile (a lost phone) restarts the login instead of refusing every code.
    return user if user is not None and user.is_active and user.has_second_factor else None


def _finish_second_factor(user: User, method: str):
    remember = bool(session.get("pending_remember"))
    next_url = _after_login_target(session.get("pending_next"))
    restart_session()
    services.complete_login(user, remember=remember, method=method)
    db.session.commit()
    return redirect(next_url)


def _second_factor_step(form, template: str, check, method: str):
    """Shared flow of the code and recovery-code steps: throttle, check, finish or refuse."""
    user = _pending_user()
    if user is None:
        flash(_("Your login took too long. Please start again."), "warning")
        return redirect(url_for("auth.login"))
    if not form.validate_on_submit():
        return render_template(template, form=form), form_status()
    wait = services.login_retry_after(user.email, user)
    if wait:
        return _throttled_response(form, template, wait)
    if check(user, form):
        return _finish_second_factor(user, method)
    services.record_login_failure(user.email, user, f"second-factor-{method}")
    db.session.commit()
    return render_template(template, form=form, error=_("That code is not valid.")), 401


@bp.route("/login/code", methods=["GET", "POST"])
@public
def second_factor():
    """Ask for the authenticator code after a correct password."""
    return _second_factor_step(
        TotpForm(), "auth/second_factor.html", lambda u, f: verify_totp(u, f.code.data), "totp"
    )


@bp.route("/login/recovery", methods=["GET", "POST"])
@public
def recovery_code():
    """Accept a one-time recovery code instead of the authenticator code."""
    return _second_factor_step(
        RecoveryCodeForm(),
        "auth/recovery_code.html",
        lambda u, f: use_recovery_code(u, f.recovery_code.data),
        "recovery-code",
    )


@bp.post("/logout")
@authenticated(before_second_factor=True)
def logout():
    """End this session on the server, so a copied cookie stops working."""
    audit.record("logout", actor=current_user, subject=current_user,
                 office_id=current_user.office_id)
    end_session(current_user.session_token)
    shown = str(get_locale())
    session.clear()
    logout_user()  # after clear(): it leaves the note that deletes the remember cookie
    end_session_keeping_language(shown)
    db.session.commit()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


def _throttle_email_requests() -> int:
    from flask import current_app

    limit = current_app.config["EMAIL_LIMIT_PER_ADDRESS"]
    wait = throttle.retry_after(limit, "mail-request", client_ip() or "-")
    if not wait:
        throttle.hit(limit, "mail-request", client_ip() or "-")
    return wait


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    """Let an alumnus create an account; it works once the e-mail address is confirmed."""
    form = RegisterForm(preferred_language=request.accept_languages.best_match(["en", "ru"]))
    if not form.validate_on_submit():
        status = form_status()
        return render_template("auth/register.html", form=form), status
    wait = _throttle_email_requests()
    if wait:
        return _throttled_response(form, "auth/register.html", wait)
    services.register_alumnus(
        email=form.email.data,
        display_name=form.display_name.data,
        password=form.password.data,
        language=form.preferred_language.data,
    )
    db.session.commit()
    return redirect(url_for("auth.check_inbox"))


@bp.get("/register/sent")
@public
def check_inbox():
    """Tell the visitor to open the link we e-mailed."""
    return render_template("auth/check_inbox.html")


def _invalid_link():
    return render_template("auth/invalid_link.html"), 410


@bp.route("/verify/<token>", methods=["GET", "POST"])
@public
def verify_email(token: str):
    """Confirm an e-mail address; the token is spent only by the POST."""
    form = ConfirmForm()
    if find_token(token, "verify") is None:
        return _invalid_link()
    if not form.validate_on_submit():
        return render_template("auth/verify_email.html", form=form)
    if services.verify_email(token) is None:
        return _invalid_link()
    db.session.commit()
    flash(_("Your e-mail address is confirmed. You can log in now."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/reset", methods=["GET", "POST"])
@public
def reset_request():
    """Send a password reset link; the answer is the same whether the address is known or not."""
    form = EmailRequestForm()
    if not form.validate_on_submit():
        status = form_status()
        return render_template("auth/reset_request.html", form=form), status
    wait = _throttle_email_requests()
    if wait:
        return _throttled_response(form, "auth/reset_request.html", wait)
    services.request_password_reset(form.email.data)
    db.session.commit()
    flash(_("If an account uses that address, we have sent it a link to choose a new password."),
          "info")
    return redirect(url_for("auth.login"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    """Choose a new password from an e-mailed link; every session of the account ends."""
    row = find_token(token, "reset")
    if row is None:
        return _invalid_link()
    form = ResetPasswordForm()
    form.email_for_policy = row.user.email
    form.name_for_policy = row.user.display_name
    if not form.validate_on_submit():
        status = form_status()
        return render_template("auth/reset_password.html", form=form), status
    if services.reset_password(token, form.password.data) is None:
        return _invalid_link()
    db.session.commit()
    flash(_("Your password was changed. Log in with the new one."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    """Let an invited staff member choose a password, then log them in."""
    row = find_token(token, "invite")
    if row is None or not row.user.is_active:
        return _invalid_link()
    form = AcceptInvitationForm(display_name=row.user.display_name)
    form.email_for_policy = row.user.email
    if not form.validate_on_submit():
        status = form_status()
        return render_template("auth/accept_invitation.html", form=form, invited=row.user), status
    user = services.accept_invitation(
        token, display_name=form.display_name.data, password=form.password.data
    )
    if user is None:
        abort(410)
    restart_session()
    services.complete_login(user, remember=False, method="invitation")
    db.session.commit()
    flash(_("Welcome! Your account is ready."), "success")
    return redirect(url_for("core.dashboard"))
