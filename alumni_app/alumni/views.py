"""The alumni directory: search, filters, a person's page, and exports for staff."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from alumni_app import hooks
from alumni_app.alumni import exports, policy
from alumni_app.alumni.directory import (
    COUNT_LIMIT,
    Filters,
    build_query,
    choose_walk,
    count_query,
    counts_from_terms,
    term_count_query,
)
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.forms import positive_int
from alumni_app.offices.models import Office
from alumni_app.pagination import paginate, parse_page
from alumni_app.permissions import (
    STAFF_ROLES,
    authenticated,
    is_staff,
    object_rule,
    role_required,
    scope_to_office,
)
from alumni_app.training.models import Course, Participation, ProgramType, Region, Sector

bp = Blueprint("directory", __name__, url_prefix="/directory")
PER_PAGE_CHOICES = (25, 50, 100)
EXPORT_LIMIT = 100_000


def _int_arg(name: str) -> int | None:
    return positive_int(request.args.get(name))


def _filters() -> Filters:
    program = request.args.get("program_type")
    return Filters(
        q=request.args.get("q", "").strip()[:200],
        office_id=_int_arg("office"),
        region_id=_int_arg("region"),
        sector_id=_int_arg("sector"),
        program_type=program if program in {p.value for p in ProgramType} else None,
        course_id=_int_arg("course"),
        fiscal_year=_int_arg("fy"),
        include_inactive=(policy.can_list_inactive(current_user)
                          and request.args.get("inactive") == "1"),
        sort=request.args.get("sort", "name")[:20],
    )


_OWN_UNKNOWN = object()


def scoped_query(filters: Filters, *, walk: bool = False, own=_OWN_UNKNOWN) -> sa.Select:
    """The directory query for the current user: filters, then what they may see."""
    own = policy.own_record(current_user) if own is _OWN_UNKNOWN else own
    return policy.visible_records(build_query(filters, walk=walk), current_user, own=own)


def _choices() -> dict:
    offices = db.session.scalars(
        sa.select(Office).where(Office.is_active).order_by(Office.name)).all()
    regions = db.session.scalars(
        sa.select(Region).where(Region.is_active).order_by(Region.office_id, Region.name_en)).all()
    sectors = db.session.scalars(
        sa.select(Sector).where(Sector.is_active).order_by(Sector.name_en)).all()
    years = db.session.scalars(sa.select(Course.fiscal_year).distinct()
                               .where(Course.fiscal_year.is_not(None))
                               .order_by(Course.fiscal_year.desc())).all()
    return {"offices": offices, "regions": regions, "sectors": sectors, "years": years,
            "program_types": list(ProgramType)}


@bp.get("")
@authenticated
def index():
    """Search and filter the people the user may see."""
    filters = _filters()
    per_page = _int_arg("per_page")
    per_page = per_page if per_page in PER_PAGE_CHOICES else PER_PAGE_CHOICES[0]
    own = policy.own_record(current_user)
    if is_staff(current_user) and counts_from_terms(filters):
        counted = term_count_query(
            filters, lambda query, column: scope_to_office(query, column, current_user))
    else:
        counted = count_query(
            filters, lambda query: policy.visible_records(query, current_user, own=own))

    def window(total: int, capped: bool, offset: int) -> sa.Select:
        walk = choose_walk(filters, total, capped, offset, per_page)
        return scoped_query(filters, walk=walk, own=own).options(
            selectinload(AlumnusRecord.sectors))

    page = paginate(window, parse_page(request.args.get("page")), per_page,
                    max_count=COUNT_LIMIT, count_query=counted)
    return render_template("directory/index.html", page=page, filters=filters, args=request.args,
                           per_page_choices=PER_PAGE_CHOICES, **_choices(), **_course_chip(filters),
                           can_list_inactive=policy.can_list_inactive(current_user))


def _course_chip(filters: Filters) -> dict:
    """The course the list is filtered by, and the address of the list without that filter."""
    if not filters.course_id:
        return {"course": None, "without_course": None}
    args = {k: v for k, v in request.args.items(multi=True) if k not in ("course", "page")}
    return {"course": db.session.get(Course, filters.course_id),
            "without_course": url_for("directory.index", **args)}


@bp.get("/<int:record_id>")
@object_rule(description="alumni.policy.can_view_record")
def record(record_id: int):
    """Show one person, with contact details only where allowed."""
    person = db.session.get(AlumnusRecord, record_id) or abort(404)
    own = policy.own_record(current_user)
    if not policy.can_view_record(current_user, person, own):
        abort(404)  # do not reveal that a hidden record exists
    participations = db.session.scalars(
        sa.select(Participation).where(Participation.record_id == person.id)
        .join(Course).order_by(Course.start_on.desc().nulls_last())).all()
    return render_template(
        "directory/record.html", person=person, participations=participations,
        posts=person.positions,
        show_email=policy.can_see_contact(current_user, person, "email", own),
        show_phone=policy.can_see_contact(current_user, person, "phone", own),
        can_edit=policy.can_edit_record(current_user, person),
        sections=record_sections(current_user, person),
    )


def register_record_section(app, key: str, section) -> None:
    """Let a higher feature add a part to a person's page: `section(user, record)` returns
    None (nothing for this reader) or a dict naming its "template" and what the template shows
    (the template reads it as `section`)."""
    hooks.register(app, hooks.RECORD_SECTIONS, key, section)


def record_sections(user, record: AlumnusRecord) -> list[dict]:
    shown = (section(user, record) for section in hooks.registered(hooks.RECORD_SECTIONS).values())
    return [s for s in shown if s is not None]


@bp.get("/export.<any(csv, xlsx):fmt>")
@role_required(*STAFF_ROLES)
def export(fmt: str):
    """Download the filtered list (staff only; formulas neutralised)."""
    query = scoped_query(_filters()).options(selectinload(AlumnusRecord.sectors))
    rows = db.session.scalars(query.limit(EXPORT_LIMIT)).yield_per(1000)
    return exports.response(fmt, rows)
