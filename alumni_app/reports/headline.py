"""The headline figures of a page: the workbook's cover sheet and the fact sheet show them
(the cover adds the events' and the messages')."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from alumni_app.extensions import db
from alumni_app.reports.models import ActivityCell, FigureRefresh, PlanCell, TrainingCell
from alumni_app.reports.money import Converted
from alumni_app.reports.queries import Scope
from alumni_app.reports.sections import FILTER_LABELS


def figures(ctx, shown: list) -> list[tuple[str, object, str | None]]:
    """(label, value, currency): a value None is withheld or missing, a Converted is money."""
    by_key = {s.section.key: s.figures for s in shown}
    result: list[tuple[str, object, str | None]] = []
    if (trained := by_key.get("trained")) is not None:
        result += [(_("Ex-participants trained in the period"), trained.people, None),
                   (_("Ex-participants trained up to the end of the period"),
                    ctx.trained_until().people, None)]
    if (plans := by_key.get("plans")) is not None:
        result += [(_("Action plans"), plans.total, None),
                   (_("Share with an update in the last six months (per cent)"),
                    plans.recent_share, None),
                   (_("Check-ins answered"), plans.check_ins, None)]
    if (reach := by_key.get("reach")) is not None:
        result += [(_("Activities"), reach.activities, None),
                   (_("People reached"), reach.reached, None),
                   (_("People reached per ex-participant"), reach.multiplier, None)]
    if (money := by_key.get("money")) is not None:
        result += _money(money)
    if (retention := by_key.get("retention")) is not None and retention.total is not None:
        result += [(_("Still in the nominating organization (per cent)"),
                    retention.total.more["same_org"], None)]
    return result


def _money(money) -> list[tuple[str, object, str | None]]:
    result: list[tuple[str, object, str | None]] = [(_("Grants approved"), money.grants, None)]
    for currency, sums in sorted(money.by_currency.items()):
        result.append((_("Approved, in %(currency)s", currency=currency), sums["approved"],
                       currency))
    for measure, label in (("approved", _("Approved")), ("disbursed", _("Disbursed"))):
        for hq in ("USD", "JPY"):
            result.append((_("%(measure)s, converted to %(currency)s", measure=label,
                             currency=hq), money.converted[(measure, hq)], hq))
    return result


def value_of(value):
    """A cell for a headline value: money converted is its sum (None when a rate is missing)."""
    return value.value if isinstance(value, Converted) else value


def describe_filters(ctx) -> list[tuple[str, str]]:
    """The filters applied, named, for the cover sheet and the fact sheet."""
    f, choices = ctx.filters, ctx.choices
    period = _("all fiscal years")
    if f.fy_from is not None or f.fy_to is not None:
        period = _("fiscal years %(first)s to %(last)s", first=f.fy_from or "…",
                   last=f.fy_to or "…")
        if f.fy_from == f.fy_to:
            period = _("fiscal year %(year)s (April %(year)s to March %(next)s)",
                       year=f.fy_from, next=f.fy_from + 1)
    rows = [(str(FILTER_LABELS["period"]).capitalize(), period)]
    named = {"sector": (f.sector_id, dict(choices.sectors)),
             "region": (f.region_id, dict(choices.regions)),
             "program_type": (f.program_type, dict(choices.program_types()))}
    for key, (value, labels) in named.items():
        if value is not None:
            rows.append((str(FILTER_LABELS[key]).capitalize(), labels.get(value, str(value))))
    return rows


def gatherings(shown: list) -> list[tuple[str, object, None]]:
    """Events and messages, for the cover only (the fact sheet keeps to its two pages)."""
    by_key = {s.section.key: s.figures for s in shown}
    result: list[tuple[str, object, None]] = []
    if (events := by_key.get("events")) is not None:
        result += [(_("Events held"), events.held, None),
                   (_("Alumni who attended"), events.alumni.attended, None),
                   (_("Guests who attended"), events.guests.attended, None)]
    if (messages := by_key.get("messages")) is not None:
        result += [(_("Announcements published"), messages.announcements, None),
                   (_("Bulk messages sent"), messages.sent, None),
                   (_("Recipients"), messages.recipients, None)]
    return result


def write_cover(sheet, ctx, shown: list, title: str) -> None:
    sheet.title(title)
    for label, text in describe_filters(ctx):
        sheet.line([label, text])
    sheet.line([_("Made on"), ctx.today])
    pairs = figures(ctx, shown) + gatherings(shown)
    if pairs:
        sheet.title(_("Headline figures"))
    for label, value, _currency in pairs:
        sheet.line([label, value_of(value)])


def dashboard_figures(user) -> dict:
    """The office's headline figures for the staff dashboard (administrators: every office),
    from the figure cells in one statement, and when they were counted."""
    scope = Scope(user, None)

    def total(column, model):
        query = sa.select(sa.func.coalesce(sa.func.sum(column), 0)).select_from(model)
        return scope.restrict(query, model.office_id).scalar_subquery()

    counted = scope.restrict(sa.select(sa.func.min(FigureRefresh.refreshed_at)),
                             FigureRefresh.office_id).scalar_subquery()
    trained, plans, activities, reached, at = db.session.execute(sa.select(
        total(TrainingCell.people, TrainingCell), total(PlanCell.plans, PlanCell),
        total(ActivityCell.activities, ActivityCell), total(ActivityCell.reached, ActivityCell),
        counted)).one()
    return {"figures": [(_("Ex-participants trained (courses taken)"), trained),
                        (_("Action plans"), plans), (_("Activities after training"), activities),
                        (_("People reached by these activities"), reached)],
            "counted_at": at}
