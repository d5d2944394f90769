"""Administrators' pages for country offices."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alumni_app.extensions import db
from alumni_app.forms import form_status
from alumni_app.offices import services
from alumni_app.offices.forms import FIELDS_ORDER, OfficeForm
from alumni_app.offices.models import Office
from alumni_app.pagination import paginate, parse_page
from alumni_app.permissions import Role, role_required
from alumni_app.search_text import contains_ci

bp = Blueprint("offices", __name__, url_prefix="/admin/offices")


@bp.get("")
@role_required(Role.ADMIN)
def index():
    """List offices with search and pagination."""
    query = sa.select(Office).order_by(Office.name)
    if q := request.args.get("q", "").strip()[:100]:
        query = query.where(sa.or_(contains_ci(Office.name, q), contains_ci(Office.code, q),
                                   contains_ci(Office.country, q)))
    page = paginate(query, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
    return render_template("admin/offices.html", page=page, args=request.args)


def _save(form: OfficeForm, office: Office | None):
    values = {name: getattr(form, name).data for name in FIELDS_ORDER}
    try:
        if office is None:
            office = services.create_office(current_user, **values)
        else:
            services.update_office(current_user, office, **values)
    except services.OfficeCodeTaken:
        db.session.rollback()
        form.code.errors.append(_("Another office already uses this code."))
        return None
    db.session.commit()
    return office


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def create():
    """Add an office."""
    form = OfficeForm()
    if form.validate_on_submit() and (office := _save(form, None)) is not None:
        flash(_("Office %(code)s was created.", code=office.code), "success")
        return redirect(url_for("offices.index"))
    status = form_status()
    return render_template("admin/office_form.html", form=form, office=None), status


@bp.route("/<int:office_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(office_id: int):
    """Change an office."""
    office = db.session.get(Office, office_id) or abort(404)
    form = OfficeForm(obj=office)
    if form.validate_on_submit() and _save(form, office) is not None:
        flash(_("Office %(code)s was saved.", code=office.code), "success")
        return redirect(url_for("offices.index"))
    status = form_status()
    return render_template("admin/office_form.html", form=form, office=office), status
