"""The figures page as a list of sections, each a provider of its figures and charts.

A section registered with `register()` appears on the page, in the workbook (a sheet of its
own) and wherever the sections are listed. Each section declares which of the page's filters
it applies (the page names the others) and which narrow only some of its figures.

Events and messages are registered here, at the end: reports reads the features it counts
(grants, plans, events, messages) and none of them imports reports, so the import direction
stays one way (tests/test_structure.py) and no start-up wiring outside reports is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from alumni_app.number_format import format_amount, format_number
from alumni_app.reports import charts, event_figures, message_figures, money, people, reach
from alumni_app.reports.filters import Choices, Filters
from alumni_app.reports.queries import Scope

ALL_FILTERS = ("period", "sector", "region", "program_type")
FILTER_LABELS = {"period": _l("period"), "sector": _l("sector"), "region": _l("region"),
                 "program_type": _l("program type")}


@dataclass
class Context:
    """What a page is about; figures that several sections use are counted once."""

    scope: Scope
    filters: Filters
    choices: Choices
    today: date
    memo: dict = field(default_factory=dict)

    def once(self, key: str, build: Callable[[], object]):
        if key not in self.memo:
            self.memo[key] = build()
        return self.memo[key]

    def kept(self, key: str, filters: Filters | None = None):
        """A section's raw counts as the last recount kept them, or None (count now)."""
        from alumni_app.reports import needs_cache

        filters = filters or self.filters
        return needs_cache.kept_figures(self.scope.office_id, filters, key)

    def trained(self) -> people.Trained:
        return self.once("trained", lambda: people.trained(self.scope, self.filters,
                                                           self.choices))

    def trained_until(self) -> people.Trained:
        """Everyone trained up to the end of the period (the multiplier's denominator)."""
        if self.filters.fy_from is None:
            return self.trained()
        until = replace(self.filters, fy_from=None)
        return self.once("trained_until", lambda: people.trained(self.scope, until,
                                                                 self.choices))


@dataclass(frozen=True)
class Section:
    key: str
    title: object  # a lazy string
    template: str
    figures: Callable[[Context], object]
    chart_list: Callable[[object], list[charts.Chart]] = lambda _figures: []
    applies: tuple[str, ...] = ALL_FILTERS
    note: object = None  # a lazy string: how the section counts
    # Filters that narrow only some of the figures (`applies` lists them too), and what a
    # reader is told when one is chosen (a lazy string).
    partly: tuple[str, ...] = ()
    partly_note: object = None


@dataclass
class Shown:
    """A section with its figures and charts, as the page and the exports show it."""

    section: Section
    figures: object
    charts: list[charts.Chart]

    def chart(self, chart_id: str) -> charts.Chart | None:
        return next((c for c in self.charts if c.id == chart_id), None)

    @property
    def ignored_filters(self) -> list[str]:
        return [str(FILTER_LABELS[f]) for f in ALL_FILTERS if f not in self.section.applies]

    def partly_filtered(self, filters: Filters) -> bool:
        """One of the filters chosen narrows only some of the figures."""
        chosen = {"period": filters.fy_from is not None or filters.fy_to is not None,
                  "sector": filters.sector_id is not None,
                  "region": filters.region_id is not None,
                  "program_type": filters.program_type is not None}
        return any(chosen[f] for f in self.section.partly)


SECTIONS: list[Section] = []


def register(section: Section) -> None:
    """Add a section at the end of the page (a later feature's figures)."""
    SECTIONS[:] = [s for s in SECTIONS if s.key != section.key] + [section]


def build(ctx: Context) -> list[Shown]:
    """Every section's figures and charts (a fixed number of queries per section)."""
    shown = []
    for section in SECTIONS:
        figures = section.figures(ctx)
        shown.append(Shown(section, figures, section.chart_list(figures)))
    return shown


def number(value) -> str:
    return format_number(value) if value is not None else "—"


def amount(value, currency: str | None = None) -> str:
    """Money in the reader's locale: yen in whole units, other currencies with cents."""
    if value is None:
        return "—"
    return format_amount(value, 0 if currency == "JPY" else 2)


def describe(rows: list[people.Row], unit: str) -> str:
    """What a screen reader hears for a chart: its size and its largest group."""
    shown = [r for r in rows if r.value is not None]
    if not shown:
        return _("No figures to show.")
    top = max(shown, key=lambda r: r.value)
    return _("%(count)s groups; the largest is %(label)s with %(value)s %(unit)s. The table "
             "next to the chart lists every group.", count=number(len(rows)), label=top.label,
             value=number(top.value), unit=unit)


def bars(chart_id: str, title: str, x_title: str, y_title: str, rows: list[people.Row],
         unit: str) -> charts.Chart:
    return charts.bar_chart(chart_id, title, x_title, y_title,
                            [(title, [(r.label, r.value) for r in rows])], number,
                            describe(rows, unit))


def _trained_charts(figures: people.Trained) -> list[charts.Chart]:
    people_word = _("ex-participants")
    count = _("Ex-participants")
    series = charts.line_chart(
        "trained-per-year", _("Ex-participants trained per fiscal year"), _("Fiscal year"),
        count, [(r.label, r.value) for r in figures.by_year], number,
        describe(figures.by_year, people_word))
    return [series, *[bars(f"trained-by-{key}", title, count, axis, getattr(figures, attr),
                           people_word) for key, title, axis, attr in (
        ("program", _("Ex-participants by program type"), _("Program type"), "by_program"),
        ("sector", _("Ex-participants by sector of the course"), _("Sector"), "by_sector"),
        ("region", _("Ex-participants by region"), _("Region"), "by_region"),
        ("gender", _("Ex-participants by gender"), _("Gender"), "by_gender"),
        ("org-kind", _("Ex-participants by kind of organization"), _("Kind of organization"),
         "by_org_kind"))]]


def _plan_charts(figures: people.Plans) -> list[charts.Chart]:
    if figures.withheld or not figures.total:
        return []
    return [bars("plans-by-status", _("Action plans by status"), _("Action plans"),
                 _("Status"), figures.by_status, _("action plans"))]


def _reach_charts(figures: reach.Reach) -> list[charts.Chart]:
    word = _("people reached")
    return [bars(f"reach-by-{key}", title, _("People reached"), axis, rows, word)
            for key, title, axis, rows in (
                ("sector", _("People reached by sector of the activity"), _("Sector"),
                 figures.by_sector),
                ("region", _("People reached by region"), _("Region"), figures.by_region))
            if rows]


def _money_charts(figures: money.Money) -> list[charts.Chart]:
    result = [bars("applications-by-state", _("Applications by state"), _("Applications"),
                   _("State"), figures.state_rows(), _("applications"))] if figures.calls else []
    series = []
    for measure, name in (("budget", _("Call budget")), ("approved", _("Approved")),
                          ("disbursed", _("Disbursed"))):
        series.append((name, [(call.title, _float(call.converted[(measure, "USD")].value))
                              for call in figures.calls]))
    if figures.calls:
        result.append(charts.bar_chart(
            "money-per-call", _("Grant money per call, in US dollars"), _("US dollars"),
            _("Call"), series, number,
            _("Budget, approved and disbursed amounts of each call, converted to US dollars at "
              "each amount's monthly rate. The table next to the chart gives them in the "
              "call's currency too; a missing rate shows as a dash.")))
    return result


def _float(value) -> float | None:
    return float(value) if value is not None else None


def _retention_charts(figures: people.Retention) -> list[charts.Chart]:
    org = [(r.label, _float(r.more["same_org"])) for r in figures.buckets]
    sector = [(r.label, _float(r.more["same_sector"])) for r in figures.buckets]
    if not any(v is not None for _l, v in org + sector):
        return []
    return [charts.bar_chart(
        "retention", _("Still in the nominating organization and sector, by years since "
                       "training"), _("Per cent of ex-participants"),
        _("Fiscal years since training"),
        [(_("Same organization"), org), (_("Same sector"), sector)], number,
        _("The share of ex-participants still in the organization that nominated them, and "
          "still working in the course's sector, for each bucket of years since training."))]


register(Section("trained", _l("Ex-participants trained"), "reports/sections/trained.html",
                 lambda ctx: ctx.trained(), _trained_charts))
register(Section("plans", _l("Action plans"), "reports/sections/plans.html",
                 lambda ctx: people.plans(ctx.scope, ctx.filters, ctx.today), _plan_charts))
register(Section("reach", _l("Activities and people reached"), "reports/sections/reach.html",
                 lambda ctx: reach.reach(ctx.scope, ctx.filters, ctx.choices,
                                         ctx.trained_until()), _reach_charts))
register(Section("money", _l("Mini-grants and money"), "reports/sections/money.html",
                 lambda ctx: money.money(ctx.scope, ctx.filters), _money_charts,
                 applies=("period", "sector", "region")))
register(Section("retention", _l("Retention"), "reports/sections/retention.html",
                 lambda ctx: people.retention(ctx.scope, ctx.filters, ctx.today),
                 _retention_charts))


def _event_charts(figures: event_figures.Events) -> list[charts.Chart]:
    result = [charts.bar_chart(
        "events-by-kind", _("Attendance by kind of event"), _("People who attended"),
        _("Kind of event"),
        [(_("Alumni"), [(r.label, r.more["alumni"]) for r in figures.by_kind]),
         (_("Guests"), [(r.label, r.more["guests"]) for r in figures.by_kind])], number,
        _("Alumni and guests who attended the events held, for each kind of event. The table "
          "next to the chart gives the number of events too."))]
    if figures.by_sector:
        result.append(bars("events-by-sector", _("Alumni who attended, by sector of work"),
                           _("Alumni who attended"), _("Sector"), figures.by_sector,
                           _("alumni who attended")))
    return result


def _message_charts(figures: message_figures.Messages) -> list[charts.Chart]:
    if not figures.recipients:
        return []
    return [charts.bar_chart(
        "messages-by-state", _("Recipients of bulk messages by outcome"), _("Recipients"),
        _("Outcome"), [(_("E-mail"), [(r.label, r.value) for r in figures.by_state]),
                       (_("Telegram"), [(r.label, r.more["telegram"])
                                        for r in figures.by_state])], number,
        _("What became of each recipient of the bulk messages sent in the period, by channel, "
          "as the delivery log recorded it at the last recount. The table next to the chart "
          "lists every outcome."))]


register(Section("events", _l("Events and attendance"), "reports/sections/events.html",
                 lambda ctx: event_figures.events(ctx.scope, ctx.filters, ctx.choices,
                                                  ctx.kept("events")),
                 _event_charts, partly=("sector", "region", "program_type"),
                 partly_note=_l("The sector, region and program type chosen narrow the alumni "
                                "counted (their sectors of work, their region, the courses "
                                "they took); the events and the guests are counted whatever "
                                "they are.")))
register(Section("messages", _l("Announcements and bulk messages"),
                 "reports/sections/messages.html",
                 lambda ctx: message_figures.messages(ctx.scope, ctx.filters, ctx.kept(
                     "messages", replace(ctx.filters, sector_id=None, region_id=None,
                                         program_type=None))), _message_charts,
                 applies=("period",)))
