"""The course catalog, and the lists of sectors and regions that staff extend."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from alumni_app import hooks
from alumni_app.extensions import db
from alumni_app.forms import form_status, positive_int
from alumni_app.offices.models import Office
from alumni_app.pagination import paginate, parse_page
from alumni_app.permissions import (
    STAFF_ROLES,
    Role,
    authenticated,
    object_rule,
    require,
    role_required,
    scope_to_office,
)
from alumni_app.search_text import contains_ci
from alumni_app.training import policy, services
from alumni_app.training.forms import FISCAL_YEAR_MISMATCH, CourseForm, RegionForm, SectorForm
from alumni_app.training.labels import name_choices
from alumni_app.training.models import (
    Course,
    ProgramType,
    Region,
    Sector,
    fiscal_year,
)

bp = Blueprint("courses", __name__)


@bp.get("/courses")
@authenticated
def index():
    """List courses with search by code or title and filters."""
    query = sa.select(Course).order_by(Course.start_on.desc().nulls_last(), Course.code)
    if q := request.args.get("q", "").strip()[:100]:
        query = query.where(sa.or_(contains_ci(Course.code, q), contains_ci(Course.title, q)))
    if (program := request.args.get("program_type")) in {p.value for p in ProgramType}:
        query = query.where(Course.program_type == program)
    if year := positive_int(request.args.get("fy"), max_digits=4):
        query = query.where(Course.fiscal_year == year)
    page = paginate(query, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
    return render_template("courses/index.html", page=page, args=request.args,
                           program_types=list(ProgramType))


@bp.get("/courses/<int:course_id>")
@authenticated
def detail(course_id: int):
    """Show a course and how many of the viewer's office took it."""
    course = db.session.get(Course, course_id) or abort(404)
    # The records (and so their offices) belong to alumni, above training: it counts.
    participants = sum(count(course.id, current_user)
                       for count in hooks.registered(hooks.COURSE_PEOPLE).values())
    return render_template("courses/detail.html", course=course, participants=participants)


def _course_form(course: Course | None) -> CourseForm:
    form = CourseForm(obj=course, data={"sector_id": (course.sector_id if course else 0) or 0})
    form.sector_id.choices = [(0, "—"), *name_choices(db.session.scalars(sa.select(Sector)))]
    return form


def _save_course(course: Course | None):
    form = _course_form(course)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in (
            "code", "title", "program_type", "host_institution", "host_city", "start_on",
            "end_on", "fiscal_year")}
        values["sector_id"] = form.sector_id.data or None
        values["host_institution"] = values["host_institution"] or ""
        values["host_city"] = values["host_city"] or ""
        try:
            course = services.save_course(current_user, course, values)
        except services.DuplicateCode:
            form.code.errors.append(_("Another course already has this code."))
        except services.FiscalYearMismatch:
            form.fiscal_year.errors.append(str(FISCAL_YEAR_MISMATCH) % {
                "date": format_date(values["start_on"]), "year": fiscal_year(values["start_on"])})
        else:
            db.session.commit()
            flash(_("The course was saved."), "success")
            return redirect(url_for("courses.detail", course_id=course.id))
    return render_template("courses/form.html", form=form, course=course), form_status()


@bp.route("/courses/new", methods=["GET", "POST"])
@role_required(*STAFF_ROLES)
def create():
    """Add a course to the catalog."""
    return _save_course(None)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF_ROLES)
def edit(course_id: int):
    """Change a course of the catalog."""
    return _save_course(db.session.get(Course, course_id) or abort(404))


@bp.get("/admin/sectors")
@object_rule(*STAFF_ROLES, description="training.policy.can_manage_sectors")
def sectors():
    """List the sectors."""
    require(policy.can_manage_sectors(current_user))
    items = db.session.scalars(sa.select(Sector).order_by(Sector.name_en)).all()
    return render_template("courses/sectors.html", items=items,
                           can_change=policy.can_change_sector(current_user))


@bp.route("/admin/sectors/new", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="training.policy.can_add_sector")
def sector_new():
    """Add a sector to the list every office shares."""
    require(policy.can_add_sector(current_user))
    return _save_sector(None)


@bp.route("/admin/sectors/<int:sector_id>", methods=["GET", "POST"])
@object_rule(Role.ADMIN, description="training.policy.can_change_sector")
def sector_form(sector_id: int):
    """Rename a sector, or take it out of use (administrators: every office uses it)."""
    require(policy.can_change_sector(current_user))
    return _save_sector(db.session.get(Sector, sector_id) or abort(404))


def _save_sector(sector: Sector | None):
    form = SectorForm(obj=sector)
    if form.validate_on_submit():
        values = {f: getattr(form, f).data for f in ("name_en", "name_ru", "is_active")}
        clash = db.session.scalar(sa.select(Sector.id).where(Sector.name_en == values["name_en"]))
        if clash is not None and clash != getattr(sector, "id", None):
            form.name_en.errors.append(_("This sector already exists."))
        else:
            services.save_named(current_user, Sector, sector, values, tuple(values))
            db.session.commit()
            flash(_("The sector was saved."), "success")
            return redirect(url_for("courses.sectors"))
    return render_template("courses/named_form.html", form=form, kind="sector"), form_status()


@bp.get("/admin/regions")
@role_required(*STAFF_ROLES)
def regions():
    """List the regions of the offices the user works for."""
    items = db.session.scalars(scope_to_office(sa.select(Region), Region.office_id, current_user)
                               .order_by(Region.office_id, Region.name_en)).all()
    return render_template("courses/regions.html", items=items,
                           can_manage=policy.can_manage_regions(current_user))


@bp.route("/admin/regions/new", methods=["GET", "POST"], defaults={"region_id": None})
@bp.route("/admin/regions/<int:region_id>", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="training.policy.can_manage_region")
def region_form(region_id: int | None):
    """Add or rename a region of one's office."""
    region = db.session.get(Region, region_id) or abort(404) if region_id else None
    require(policy.can_manage_region(current_user, region.office_id) if region
            else policy.can_manage_regions(current_user), region)
    form = RegionForm(obj=region)
    form.office_id.choices = [(o.id, o.name) for o in db.session.scalars(
        scope_to_office(sa.select(Office), Office.id, current_user).order_by(Office.name))]
    if form.validate_on_submit():
        require(policy.can_manage_region(current_user, form.office_id.data),
                db.session.get(Office, form.office_id.data))
        values = {f: getattr(form, f).data for f in ("office_id", "name_en", "name_ru",
                                                     "is_active")}
        clash = db.session.scalar(sa.select(Region.id).where(
            Region.office_id == values["office_id"], Region.name_en == values["name_en"]))
        if clash is not None and clash != region_id:
            form.name_en.errors.append(_("This office already has a region with this name."))
        else:
            services.save_named(current_user, Region, region, values, tuple(values))
            db.session.commit()
            flash(_("The region was saved."), "success")
            return redirect(url_for("courses.regions"))
    return render_template("courses/named_form.html", form=form, kind="region"), form_status()
