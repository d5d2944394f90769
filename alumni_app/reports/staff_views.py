"""Staff pages: an office's figures (administrators: every office, side by side)."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from alumni_app import jobs
from alumni_app.extensions import db
from alumni_app.forms import positive_int
from alumni_app.offices.models import Office
from alumni_app.permissions import STAFF_ROLES, Role, object_rule, role_required
from alumni_app.plans.forms import STATUS_LABELS
from alumni_app.reports import (
    comparison,
    factsheet,
    filters,
    needs_cache,
    policy,
    refresh,
    sections,
    services,
    tasks,
)
from alumni_app.reports.queries import Scope
from alumni_app.reports.rules import current_fiscal_year, withheld_note

bp = Blueprint("reports", __name__, url_prefix="/reports")
OFFICE_RULE = "reports.policy.can_view_figures (the office's staff; administrators)"
FIRST_YEAR_OFFERED = 1993  # the first courses in Central Asia


bp.add_app_template_filter(sections.amount, "report_amount")


def office_or_404(office_id: int) -> Office:
    """The office whose figures the user may see; any other is 404."""
    office = db.session.get(Office, office_id)
    if not policy.can_view_figures(current_user, office):
        abort(404)
    return office


def context(office_id: int | None, strict: bool = False):
    """The page's context from the query string, and the notices about values ignored."""
    offered = filters.choices(office_id)
    if strict:
        chosen, problems = filters.parse_strict(request.args, offered), []
    else:
        chosen, problems = filters.parse(request.args, offered)
    ctx = sections.Context(Scope(current_user, office_id), chosen, offered, date.today())
    return ctx, problems


def years_offered(today: date) -> list[int]:
    return list(range(current_fiscal_year(today), FIRST_YEAR_OFFERED - 1, -1))


def render_figures(office: Office | None, ctx, problems: list[str]):
    shown = sections.build(ctx)
    compared = None
    if office is None:
        compared = comparison.compare(ctx, {s.section.key: s.figures for s in shown})
    offices = (db.session.scalars(db.select(Office).order_by(Office.name)).all()
               if policy.can_view_all_offices(current_user) else [])
    return render_template(
        "reports/figures.html", office=office, ctx=ctx, shown=shown, problems=problems,
        compared=compared, offices=offices, years=years_offered(ctx.today),
        withheld_note=withheld_note(), show_office=office is None,
        report_year=current_fiscal_year(ctx.today) - 1, fact_sheet_languages=factsheet.LANGUAGES,
        refreshed_at=refresh.refreshed_at(office.id if office else None))


@bp.get("")
@role_required(*STAFF_ROLES)
def index():
    """Send staff to their office's figures, administrators to every office's."""
    if policy.can_view_all_offices(current_user):
        return redirect(url_for("reports.all_offices"))
    return redirect(url_for("reports.office_figures", office_id=current_user.office_id))


@bp.get("/figures")
@role_required(Role.ADMIN)
def all_offices():
    """Every office's figures together, and the offices side by side."""
    chosen = positive_int(request.args.get("office"))
    if chosen is not None:
        args = {k: v for k, v in request.args.items() if k in filters.ARGS}
        return redirect(url_for("reports.office_figures", office_id=chosen, **args))
    ctx, problems = context(None)
    return render_figures(None, ctx, problems)


def _back(endpoint: str, **values):
    """Back to the page the refresh button was on, with its filters."""
    args = {k: v for k, v in request.form.items() if k in filters.ARGS and v}
    return redirect(url_for(endpoint, **values, **args), 303)


def recount(office_id: int | None) -> None:
    """Recount now: in the request for a small office, on the queue for a large one."""
    if not tasks.is_large(office_id):
        refresh.refresh_figures(office_id)
        db.session.commit()
        flash(_("The figures were recounted."), "success")
    elif jobs.enqueue(tasks.recount, office_id, actor_id=current_user.id):
        flash(_("The recount was queued: the figures will be up to date in a minute or two "
                "(reload the page then)."), "success")
    else:
        flash(_("The job queue cannot be reached just now, so the figures were not recounted. "
                "They are recounted every %(minutes)s minutes anyway.",
                minutes=tasks.REFRESH_MINUTES), "danger")


@bp.post("/refresh")
@role_required(Role.ADMIN)
def refresh_all():
    """Rebuild every office's figures now (queued when they are large)."""
    recount(None)
    return _back("reports.all_offices")


@bp.post("/offices/<int:office_id>/refresh")
@object_rule(*STAFF_ROLES, description=OFFICE_RULE)
def refresh_office(office_id: int):
    """Rebuild the office's figures now (they are otherwise rebuilt every ten minutes)."""
    office = office_or_404(office_id)
    recount(office.id)
    return _back("reports.office_figures", office_id=office.id)


@bp.get("/offices/<int:office_id>/figures")
@object_rule(*STAFF_ROLES, description=OFFICE_RULE)
def office_figures(office_id: int):
    """An office's figures: trained, plans, activities, grants, retention, with charts."""
    office = office_or_404(office_id)
    ctx, problems = context(office.id)
    return render_figures(office, ctx, problems)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(body: bytes, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def fiscal_year_asked() -> int:
    """The `fy` of a yearly report: a year the form offers, else a 400 with the reason."""
    year = positive_int(request.args.get("fy"), max_digits=4)
    if year is None or year not in years_offered(date.today()):
        raise filters.FilterError([_("Choose the fiscal year of the report, like %(year)s.",
                                     year=current_fiscal_year(date.today()) - 1)])
    return year


@bp.get("/offices/<int:office_id>/figures.xlsx")
@object_rule(*STAFF_ROLES, description=OFFICE_RULE)
def office_workbook(office_id: int):
    """The page's figures, with its filters, as a workbook (a sheet per topic)."""
    office = office_or_404(office_id)
    ctx, _problems = context(office.id, strict=True)
    body = services.figures_workbook(ctx, _("Figures: %(office)s", office=office.name))
    return attachment(body, XLSX, f"figures-{office.code}.xlsx")


@bp.get("/figures.xlsx")
@role_required(Role.ADMIN)
def all_workbook():
    """Every office's figures, with the page's filters, as a workbook."""
    ctx, _problems = context(None, strict=True)
    return attachment(services.figures_workbook(ctx, _("Figures: all offices")), XLSX,
                      "figures-all-offices.xlsx")


@bp.get("/offices/<int:office_id>/yearly.xlsx")
@object_rule(*STAFF_ROLES, description=OFFICE_RULE)
def yearly_workbook(office_id: int):
    """The yearly report for headquarters: one workbook for the office and a fiscal year."""
    office = office_or_404(office_id)
    year = fiscal_year_asked()
    chosen = filters.parse_strict(request.args, filters.choices(office.id))
    # Generated in the request: one office and one year take under a second at 200,000
    # records (bench/dashboard.py), below the moment that would call for the queue (README,
    # "Figures and reports"); a task can call the same function with the same plain values.
    body = services.build_yearly_workbook(office.id, year, chosen, actor=current_user)
    return attachment(body, XLSX, f"yearly-report-{office.code}-FY{year}.xlsx")


@bp.get("/offices/<int:office_id>/fact-sheet.pdf")
@object_rule(*STAFF_ROLES, description=OFFICE_RULE)
def fact_sheet(office_id: int):
    """A two-page fact sheet of the office's year, in English, Russian or Japanese."""
    office = office_or_404(office_id)
    year = fiscal_year_asked()
    lang = request.args.get("lang") if request.args.get("lang") in factsheet.LANGUAGES else "en"
    chosen = filters.parse_strict(request.args, filters.choices(office.id))
    body = services.build_fact_sheet(office.id, year, chosen, actor=current_user, locale=lang)
    return attachment(body, "application/pdf", f"fact-sheet-{office.code}-FY{year}-{lang}.pdf")


@bp.get("/offices/<int:office_id>/needs")
@object_rule(*STAFF_ROLES, description=OFFICE_RULE)
def needs(office_id: int):
    """Barriers and support needs, ranked, and feedback per host institution in Japan."""
    office = office_or_404(office_id)
    ctx, problems = context(office.id)
    found, institutions, counted_at = needs_cache.needs_and_hosts(
        ctx.scope, ctx.filters, ctx.choices, str(get_locale()))
    return render_template(
        "reports/needs.html", office=office, ctx=ctx, problems=problems, needs=found,
        hosts=institutions, counted_at=counted_at, years=years_offered(ctx.today),
        status_labels=STATUS_LABELS, withheld_note=withheld_note())


@bp.get("/offices/<int:office_id>/needs.xlsx")
@object_rule(*STAFF_ROLES, description=OFFICE_RULE)
def needs_workbook(office_id: int):
    """The needs for next year's course requests as a workbook to attach to them."""
    office = office_or_404(office_id)
    ctx, _problems = context(office.id, strict=True)
    body = services.needs_workbook(ctx, _("Needs for course requests: %(office)s",
                                         office=office.name))
    return attachment(body, XLSX, f"needs-{office.code}.xlsx")
