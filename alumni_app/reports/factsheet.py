"""A two-page fact sheet (PDF) of an office's year: headline figures and two charts.

fpdf2 (pure Python, no system libraries: weasyprint would need pango) with Noto Sans vendored
in reports/fonts (Latin and Cyrillic subset, SIL Open Font License), and Noto Sans JP (a subset
to the Japanese fact sheet's strings) for the Japanese one, whose words come from its own
catalog (reports/translations/ja: the app's pages are not offered in Japanese). The charts are
drawn from the layouts the page's SVG comes from (reports.charts), with fpdf2's own primitives.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from fpdf import FPDF

from alumni_app.reports import charts, headline, sections
from alumni_app.reports.money import Converted
from alumni_app.reports.rules import withheld_note

FONTS = Path(__file__).parent / "fonts"
# fontTools logs every table it subsets at INFO: a dozen lines per fact sheet.
logging.getLogger("fontTools").setLevel(logging.WARNING)
FAMILY = "NotoSans"
JAPANESE = "NotoSansJP"
# The fact sheet's languages: the app's, and Japanese for headquarters in Tokyo.
LANGUAGES = {"en": "English", "ru": "Русский", "ja": "日本語"}
MARGIN = 15.0  # mm
WIDTH = 210.0 - 2 * MARGIN


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


class FactSheet(FPDF):
    def __init__(self, footer_text: str, japanese: bool = False):
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.add_font(FAMILY, "", str(FONTS / "NotoSans-Regular.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "NotoSans-Bold.ttf"))
        self.body_family = FAMILY
        if japanese:
            # Noto Sans JP first (it has Latin too), Noto Sans for what it lacks (Cyrillic
            # in a call's title): text() draws in the first, cells fall back to the second.
            self.add_font(JAPANESE, "", str(FONTS / "NotoSansJP-Regular.ttf"))
            self.add_font(JAPANESE, "B", str(FONTS / "NotoSansJP-Bold.ttf"))
            self.body_family = JAPANESE
            self.set_fallback_fonts([FAMILY])
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=18)

    def use(self, style: str, size: float) -> None:
        self.set_font(self.body_family, style, size)

    def footer(self) -> None:
        self.set_y(-13)
        self.use("", 7.5)
        self.set_text_color(*_rgb(charts.AXIS))
        self.cell(0, 5, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")


def _text(value, currency: str | None = None) -> str:
    if isinstance(value, Converted):
        if value.value is None:
            return _("rate missing")
        value = value.value
    if value is None:
        return "—"
    return sections.amount(value, currency) if currency else sections.number(value)


def _headline(pdf: FactSheet, pairs: list[tuple[str, object, str | None]]) -> None:
    """Headline figures in two columns: the number large, its label under it."""
    column = WIDTH / 2
    for index, (label, value, currency) in enumerate(pairs):
        x = MARGIN + (index % 2) * column
        if index % 2 == 0 and index:
            pdf.ln(14)
        y = pdf.get_y()
        pdf.set_xy(x, y)
        pdf.use("B", 13)
        pdf.set_text_color(*_rgb(charts.SERIES_COLOURS[0]))
        pdf.cell(column, 6, _text(value, currency))
        pdf.set_xy(x, y + 6)
        pdf.use("", 8)
        pdf.set_text_color(*_rgb(charts.TEXT))
        pdf.cell(column - 2, 5, label[:70])
        pdf.set_xy(MARGIN, y)
    pdf.ln(16)


def draw_chart(pdf: FactSheet, chart: charts.Chart, top: float) -> float:
    """Draw `chart` at `top` (mm) across the page's width; return the y below it."""
    k = WIDTH / chart.width
    x0, y0 = MARGIN, top

    def at(x: float, y: float) -> tuple[float, float]:
        return x0 + x * k, y0 + y * k

    pdf.use("B", 10)
    pdf.set_text_color(*_rgb(charts.TEXT))
    pdf.text(*at(8, 18), chart.title)
    if chart.empty:
        pdf.use("", 8)
        pdf.text(*at(8, 40), _("No figures to show."))
        return top + 50 * k
    left, top_, right, bottom = chart.plot
    pdf.use("", 6.5)
    pdf.set_draw_color(*_rgb(charts.GRID))
    pdf.set_line_width(0.1)
    pdf.set_dash_pattern(dash=0.6, gap=0.6)
    for tick in chart.ticks:
        if chart.kind == "bar":
            pdf.line(*at(tick.pos, top_), *at(tick.pos, bottom))
            pdf.text(*at(tick.pos - 6, bottom + 16), tick.text)
        else:
            pdf.line(*at(left, tick.pos), *at(right, tick.pos))
            pdf.text(*at(left - 6 - 5.5 * len(tick.text), tick.pos + 4), tick.text)
    pdf.set_dash_pattern()
    (_bars if chart.kind == "bar" else _line)(pdf, chart, at)
    pdf.use("B", 7)
    x, y = at((left + right) / 2, bottom + 36)
    pdf.text(x - pdf.get_string_width(chart.x_title) / 2, y, chart.x_title)
    if chart.kind == "bar":
        pdf.text(*at(8, top_ - 8), chart.y_title)
    else:
        x, y = at(16, (top_ + bottom) / 2)
        with pdf.rotation(90, x, y):
            pdf.text(x - pdf.get_string_width(chart.y_title) / 2, y, chart.y_title)
    return top + chart.height * k + 2


def _bars(pdf: FactSheet, chart: charts.Chart, at) -> None:
    left, top, _right, bottom = chart.plot
    pdf.set_draw_color(*_rgb(charts.AXIS))
    pdf.line(*at(left, top), *at(left, bottom))
    pdf.use("", 6.5)
    pdf.set_text_color(*_rgb(charts.TEXT))
    for tick in chart.categories:
        width = pdf.get_string_width(tick.text)
        x, y = at(left - 8, tick.pos + 4)
        pdf.text(x - width, y, tick.text)
    for mark in chart.marks:
        if mark.shown and mark.w > 0:
            pdf.set_fill_color(*_rgb(mark.colour))
            pdf.rect(*at(mark.x, mark.y), mark.w * WIDTH / chart.width,
                     mark.h * WIDTH / chart.width, style="F")
        pdf.text(*at(mark.x + mark.w + 4, mark.y + mark.h / 2 + 4), mark.text)
    for index, (colour, name) in enumerate(chart.legend):
        pdf.set_fill_color(*_rgb(colour))
        x, y = at(left + index * 140, bottom + 46)
        pdf.rect(x, y, 2.5, 2.5, style="F")
        pdf.text(x + 3.5, y + 2.3, name)


def _line(pdf: FactSheet, chart: charts.Chart, at) -> None:
    left, top, right, bottom = chart.plot
    pdf.set_draw_color(*_rgb(charts.AXIS))
    pdf.line(*at(left, bottom), *at(right, bottom))
    pdf.line(*at(left, top), *at(left, bottom))
    pdf.set_text_color(*_rgb(charts.TEXT))
    for tick in chart.categories:
        x, y = at(tick.pos, bottom + 16)
        pdf.text(x - pdf.get_string_width(tick.text) / 2, y, tick.text)
    shown = [m for m in chart.marks if m.shown]
    pdf.set_draw_color(*_rgb(charts.SERIES_COLOURS[0]))
    pdf.set_fill_color(*_rgb(charts.SERIES_COLOURS[0]))
    pdf.set_line_width(0.5)
    for first, second in zip(shown, shown[1:], strict=False):
        pdf.line(*at(first.x, first.y), *at(second.x, second.y))
    for mark in shown:
        x, y = at(mark.x, mark.y)
        pdf.circle(x, y, 0.7, style="F")
    pdf.set_line_width(0.2)


def build(ctx, shown: list, office_name: str, year: int, charts_shown: list) -> bytes:
    """The fact sheet's PDF bytes, in the current language."""
    pdf = FactSheet(_("KCCP Alumni Network · %(office)s · made on %(day)s", office=office_name,
                      day=format_date(ctx.today, "long")), japanese=str(get_locale()) == "ja")
    pdf.alias_nb_pages()
    pdf.set_lang(str(get_locale()))
    pdf.set_title(_("Fact sheet %(year)s: %(office)s", year=year, office=office_name))
    pdf.add_page()
    pdf.use("B", 16)
    pdf.multi_cell(WIDTH, 8, _("Fact sheet %(year)s: %(office)s", year=year, office=office_name),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.use("", 9)
    pdf.multi_cell(WIDTH, 5, "; ".join(f"{k}: {v}" for k, v in headline.describe_filters(ctx)),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _headline(pdf, headline.figures(ctx, shown))
    y = pdf.get_y()
    for chart in charts_shown[:1]:
        y = draw_chart(pdf, chart, y)
    pdf.add_page()
    y = pdf.get_y()
    for chart in charts_shown[1:2]:
        y = draw_chart(pdf, chart, y)
    pdf.set_xy(MARGIN, y + 4)
    money = next((s.figures for s in shown if s.section.key == "money"), None)
    if money is not None and money.calls:
        _calls(pdf, money)
    pdf.use("", 7.5)
    pdf.set_text_color(*_rgb(charts.TEXT))
    pdf.multi_cell(WIDTH, 4, withheld_note(), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _calls(pdf: FactSheet, money) -> None:
    """The calls of the year: money in the call's currency and converted to US dollars."""
    pdf.use("B", 10)
    pdf.cell(WIDTH, 7, _("Mini-grant calls"), new_x="LMARGIN", new_y="NEXT")
    pdf.use("", 7.5)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(*_rgb(charts.GRID))
    pdf.set_text_color(*_rgb(charts.TEXT))
    head = [_("Call"), _("Currency"), _("Call budget"), _("Approved"), _("Disbursed"),
            _("Approved, in USD"), _("Disbursed, in USD")]
    with pdf.table(col_widths=(50, 16, 22, 22, 22, 24, 24), text_align=(
            "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
            line_height=4.5) as table:
        table.row(head)
        for call in money.calls:
            table.row([call.title, call.currency,
                       *[sections.amount(call.amounts[m], call.currency)
                         for m in ("budget", "approved", "disbursed")],
                       *[_text(call.converted[(m, "USD")], "USD")
                         for m in ("approved", "disbursed")]])
    pdf.ln(4)


def charts_for(ctx, shown: list) -> list[charts.Chart]:
    """The fact sheet's two charts: trained per year since the first, and people reached."""
    until = ctx.trained_until()
    series = charts.line_chart(
        "fs-trained", _("Ex-participants trained per fiscal year, up to this one"),
        _("Fiscal year"), _("Ex-participants"), [(r.label, r.value) for r in until.by_year],
        sections.number, "")
    reach = next((s.figures for s in shown if s.section.key == "reach"), None)
    if reach is not None and reach.by_sector:
        second = sections.bars("fs-reach", _("People reached by sector of the activity"),
                               _("People reached"), _("Sector"), reach.by_sector[:12],
                               _("people reached"))
    else:
        second = sections.bars("fs-sector", _("Ex-participants by sector of the course"),
                               _("Ex-participants"), _("Sector"),
                               ctx.trained().by_sector[:12], _("ex-participants"))
    return [series, second]
