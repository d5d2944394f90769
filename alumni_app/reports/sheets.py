"""One worksheet per topic, written from a section's figures (the page's own numbers).

A section without a writer here (one a later feature registers) gets the tables of its
charts, so its figures are in the workbook too.
"""

from __future__ import annotations

from flask_babel import gettext as _

from alumni_app.plans.outcomes import barrier_names
from alumni_app.reports.money import MEASURES, Money


def _rows(rows, more=()) -> list[list]:
    return [[r.label, r.value, *[r.more.get(k) for k in more]] for r in rows]


def trained(sheet, shown) -> None:
    f = shown.figures
    sheet.line([_("Ex-participants trained"), f.people], bold=True)
    for title, axis, rows in (
            (_("Ex-participants trained per fiscal year"), _("Fiscal year"), f.by_year),
            (_("Ex-participants by program type"), _("Program type"), f.by_program),
            (_("Ex-participants by sector of the course"), _("Sector"), f.by_sector),
            (_("Ex-participants by region"), _("Region"), f.by_region),
            (_("Ex-participants by gender"), _("Gender"), f.by_gender),
            (_("Ex-participants by kind of organization"), _("Kind of organization"),
             f.by_org_kind)):
        sheet.title(title)
        sheet.table([axis, _("Ex-participants")], _rows(rows))


def plans(sheet, shown) -> None:
    f = shown.figures
    sheet.table([_("Figure"), _("Value")], [
        [_("Action plans"), f.total],
        [_("With an update in the last six months"), f.recent],
        [_("Share with an update in the last six months (per cent)"), f.recent_share],
        [_("Progress updates"), f.updates], [_("Check-ins answered"), f.check_ins]])
    sheet.title(_("Action plans by status"))
    sheet.table([_("Status"), _("Action plans")], _rows(f.by_status))


def reach(sheet, shown) -> None:
    f = shown.figures
    sheet.table([_("Figure"), _("Value")], [
        [_("Activities"), f.activities], [_("People reached"), f.reached],
        [_("Women"), f.women], [_("Men"), f.men],
        [_("Ex-participants trained up to the end of the period"), f.trained],
        [_("People reached per ex-participant"), f.multiplier]])
    head = [_("People reached"), _("Activities"), _("Per ex-participant")]
    for title, axis, rows in ((_("People reached by sector of the activity"), _("Sector"),
                               f.by_sector),
                              (_("People reached by region"), _("Region"), f.by_region)):
        sheet.title(title)
        sheet.table([axis, *head], _rows(rows, ("activities", "per_person")))


def _converted_cells(converted) -> list:
    return [converted.value if converted.value is not None else _("rate missing"),
            converted.first, converted.last]


def money(sheet, shown) -> None:
    f: Money = shown.figures
    labels = dict(f.measures())
    head = [_("Call"), _("Office"), _("Opens"), _("Currency"), _("Applications"),
            _("Grants approved"), *[labels[m] for m in MEASURES]]
    sheet.title(_("Money per call, in the call's currency"))
    sheet.table(head, [[c.title, c.office, c.opens_at, c.currency, c.applications, c.grants,
                        *[c.amounts[m] for m in MEASURES]] for c in f.calls])
    sheet.title(_("Totals per currency (never added across currencies)"))
    sheet.table([_("Currency"), *[labels[m] for m in MEASURES]],
                [[cur, *[sums[m] for m in MEASURES]] for cur, sums in sorted(
                    f.by_currency.items())])
    for hq in ("USD", "JPY"):
        sheet.title(_("Converted to %(currency)s at each amount's monthly rate", currency=hq))
        sheet.table([_("Call"), _("Measure"), hq, _("Rates from"), _("Rates to")],
                    [[c.title, labels[m], *_converted_cells(c.converted[(m, hq)])]
                     for c in f.calls for m in MEASURES]
                    + [[_("All calls"), labels[m], *_converted_cells(f.converted[(m, hq)])]
                       for m in MEASURES])
    sheet.title(_("Applications by state"))
    sheet.table([_("State"), _("Applications")], _rows(f.state_rows()))


def retention(sheet, shown) -> None:
    f = shown.figures
    sheet.table([_("Fiscal years since training"), _("Organization known"),
                 _("Same organization (per cent)"), _("Same sector (per cent)")],
                _rows([*f.buckets, f.total], ("same_org", "same_sector")))


def events(sheet, shown) -> None:
    f = shown.figures
    sheet.table([_("Figure"), _("Value")], [[_("Events held"), f.held],
                                            [_("Planned, not held yet"), f.upcoming],
                                            [_("Cancelled"), f.cancelled]])
    sheet.title(_("Attendance of the events held: alumni and guests apart"))
    sheet.table([_("Figure"), _("Alumni"), _("Guests")], _rows(f.figure_rows(), ("guests",)))
    sheet.title(_("Attendance by kind of event"))
    sheet.table([_("Kind of event"), _("Events held"), _("Alumni who attended"),
                 _("Guests who attended")], _rows(f.by_kind, ("alumni", "guests")))
    sheet.title(_("Alumni who attended, by sector of work"))
    sheet.table([_("Sector"), _("Alumni who attended"), _("Alumni registered ahead"),
                 _("Attendance rate (per cent)")], _rows(f.by_sector, ("registered", "rate")))


def messages(sheet, shown) -> None:
    f = shown.figures
    sheet.table([_("Figure"), _("Value")], [[_("Announcements published"), f.announcements],
                                            [_("Bulk messages sent"), f.sent],
                                            [_("Recipients"), f.recipients]])
    sheet.title(_("Bulk messages by kind"))
    sheet.table([_("Kind of message"), _("Bulk messages sent"), _("Recipients")],
                _rows(f.by_kind, ("recipients",)))
    sheet.title(_("Recipients of bulk messages by outcome"))
    sheet.table([_("Outcome"), _("E-mail"), _("Telegram")], _rows(f.by_state, ("telegram",)))


def charts_only(sheet, shown) -> None:
    for chart in shown.charts:
        sheet.title(chart.title)
        sheet.table([chart.y_title, chart.x_title],
                    [[m.label, m.text] for m in chart.marks])


WRITERS = {"trained": trained, "plans": plans, "reach": reach, "money": money,
           "retention": retention, "events": events, "messages": messages}


def writer_for(shown):
    return WRITERS.get(shown.section.key, charts_only)


def needs_writer(figures, locale: str):
    """The "barriers and needs" sheet of `figures` (needs.Needs)."""
    names = barrier_names(locale)

    def write(sheet, _section) -> None:
        barrier_ids = list(names)
        head = [_("People reporting barriers"), _("Plans asking for support"),
                *[names[b] for b in barrier_ids]]
        for title, axis, rows in (
                (_("Barriers and support by sector"), _("Sector"),
                 [*figures.by_sector, figures.total]),
                (_("Barriers and support by organization"), _("Organization"),
                 figures.by_organization)):
            sheet.title(title)
            sheet.table([axis, *head], [
                [r.label, r.people, r.support,
                 *[None if r.barriers is None else r.barriers.get(b, 0) for b in barrier_ids]]
                for r in rows])
        sheet.title(_("Barriers raised in event discussions"))
        sheet.table([_("Barrier"), _("Discussion notes naming it")],
                    [[name, n] for name, n in figures.discussed_ranked()])

    return write


def hosts_writer(rows, locale: str, status_labels: dict):
    """The "host institutions in Japan" sheet: anonymised feedback per institution."""
    names = barrier_names(locale)

    def write(sheet, _section) -> None:
        statuses = list(status_labels)
        barrier_ids = list(names)
        sheet.table([_("Host institution in Japan"), _("Courses"), _("Ex-participants"),
                     _("Action plans"), *[str(status_labels[s]) for s in statuses],
                     _("Activities"), _("People reached"), _("Per ex-participant"),
                     *[_("Barrier: %(name)s", name=names[b]) for b in barrier_ids]],
                    [[r.label, r.courses, r.participants, r.plans,
                      *[None if r.by_status is None else r.by_status.get(s, 0)
                        for s in statuses],
                      r.activities, r.reached, r.per_person,
                      *[None if r.barriers is None else r.barriers.get(b, 0)
                        for b in barrier_ids]] for r in rows])

    return write
