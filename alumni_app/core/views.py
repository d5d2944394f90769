"""Home, dashboards, language switching and the health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alumni_app.core import dashboard as figures
from alumni_app.extensions import db
from alumni_app.i18n import SUPPORTED, choose_language, language_name
from alumni_app.jobs import worker
from alumni_app.permissions import Role, authenticated, public, user_role
from alumni_app.security import safe_next

bp = Blueprint("core", __name__)


@bp.get("/")
@public
def index():
    """Send visitors to the login page and users to their dashboard."""
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    return redirect(url_for("auth.login"))


@bp.get("/dashboard")
@authenticated
def dashboard():
    """Show the dashboard for the user's role."""
    role = user_role(current_user)
    if role is Role.ALUMNUS:
        return render_template("core/dashboard_alumnus.html", **figures.alumnus(current_user))
    return render_template("core/dashboard_staff.html", **figures.staff(current_user))


@bp.post("/language")
@public
def set_language():
    """Switch the interface language for this session; `save` also makes it the account's."""
    lang = request.form.get("lang", "")
    if lang in SUPPORTED:
        choose_language(lang)
        if request.form.get("save") and current_user.is_authenticated:
            current_user.preferred_language = lang
            db.session.commit()
            flash(_("Saved: your account's language is now %(language)s, for e-mails too.",
                    language=language_name(lang)), "success")
    return redirect(safe_next(request.form.get("next"), url_for("core.index")))


@bp.get("/healthz")
@public
def healthz():
    """Answer 200 when the database answers, else 503; say how the queue and workers are."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "down"}, 503, {"Retry-After": "30"}
    # The web app serves without the queue (work waits, see README): still 200.
    return {"status": "ok", "database": "up", **worker.health()}
