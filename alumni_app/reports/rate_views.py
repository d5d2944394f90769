"""Administrators' pages for the monthly exchange rates (USD and JPY)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alumni_app.extensions import db
from alumni_app.forms import attempt, form_status
from alumni_app.pagination import paginate, parse_page
from alumni_app.permissions import Role, role_required
from alumni_app.reports import services
from alumni_app.reports.forms import RateForm
from alumni_app.reports.models import ExchangeRate

bp = Blueprint("rates", __name__, url_prefix="/admin/rates")


@bp.get("")
@role_required(Role.ADMIN)
def index():
    """List the rates, newest month first, optionally of one currency."""
    query = sa.select(ExchangeRate).order_by(ExchangeRate.month.desc(), ExchangeRate.currency)
    currency = request.args.get("currency", "").strip().upper()[:3]
    if currency:
        query = query.where(ExchangeRate.currency == currency)
    page = paginate(query, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
    return render_template("reports/rates.html", page=page, currency=currency)


@bp.route("/new", methods=["GET", "POST"], defaults={"rate_id": None})
@bp.route("/<int:rate_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(rate_id: int | None):
    """Add a month's rate, or correct one."""
    rate = (db.session.get(ExchangeRate, rate_id) or abort(404)) if rate_id else None
    form = RateForm(obj=rate)
    if rate is not None and request.method == "GET":
        form.month.data = rate.month.strftime("%Y-%m")
    if form.validate_on_submit() and attempt(
            form, services.save_rate, current_user, rate, form.currency.data, form.month_start,
            form.usd.data, form.jpy.data):
        flash(_("The rate was saved."), "success")
        return redirect(url_for("rates.index"))
    return render_template("reports/rate_form.html", form=form, rate=rate), form_status()
