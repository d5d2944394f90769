"""The figures as an XLSX workbook: a cover sheet with the headline figures, a sheet per topic.

The sheets are written from the very figures the page shows (sections.build), so they agree
with it. Numbers are numbers, dates are dates; every string is written as text, never as a
formula (plans.outcomes.WORKBOOK_OPTIONS: "=HYPERLINK(...)" in a call's title stays text).
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter
from flask_babel import gettext as _

from alumni_app.plans.outcomes import WORKBOOK_OPTIONS
from alumni_app.reports import headline, sheets
from alumni_app.reports.rules import WITHHELD, withheld_note

SHEET_NAME_UNSAFE = re.compile(r"[\[\]:*?/\\]")


class Sheet:
    """Rows written one after another on a worksheet, with the workbook's formats."""

    def __init__(self, book: Book, name: str):
        self.book = book
        self.ws = book.workbook.add_worksheet(book.unique_name(name))
        self.row = 0
        self.ws.set_column(0, 0, 42)
        self.ws.set_column(1, 30, 16)

    def title(self, text: str) -> None:
        if self.row:
            self.row += 1
        self.ws.write_string(self.row, 0, text, self.book.bold)
        self.row += 1

    def line(self, cells: list, bold: bool = False) -> None:
        for column, value in enumerate(cells):
            self.book.write(self.ws, self.row, column, value, bold)
        self.row += 1

    def table(self, head: list[str], rows: list[list]) -> None:
        self.line(head, bold=True)
        for cells in rows:
            self.line(cells)

    def note(self, text: str) -> None:
        self.ws.write_string(self.row, 0, text, self.book.note)
        self.row += 1


class Book:
    def __init__(self, buffer):
        self.workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
        self.bold = self.workbook.add_format({"bold": True})
        self.bold_number = self.workbook.add_format({"bold": True, "num_format": "#,##0.##"})
        self.number = self.workbook.add_format({"num_format": "#,##0.##"})
        self.date = self.workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.note = self.workbook.add_format({"italic": True, "font_color": "#495057"})
        self.names: set[str] = set()

    def unique_name(self, name: str) -> str:
        """A sheet name Excel takes: at most 31 characters, none of []:*?/\\, not repeated."""
        base = SHEET_NAME_UNSAFE.sub(" ", name).strip()[:31] or "Sheet"
        candidate, n = base, 2
        while candidate.casefold() in self.names:
            candidate = f"{base[:28]} {n}"
            n += 1
        self.names.add(candidate.casefold())
        return candidate

    def write(self, ws, row: int, column: int, value, bold: bool = False) -> None:
        if value is None:
            ws.write_string(row, column, WITHHELD)
        elif isinstance(value, bool):
            ws.write_string(row, column, _("yes") if value else _("no"))
        elif isinstance(value, int | float | Decimal):
            ws.write_number(row, column, float(value), self.bold_number if bold else self.number)
        elif isinstance(value, datetime | date):
            moment = value if isinstance(value, datetime) else datetime(value.year, value.month,
                                                                       value.day)
            ws.write_datetime(row, column, moment.replace(tzinfo=None), self.date)
        else:
            ws.write_string(row, column, str(value), self.bold if bold else None)


def _filter_notes(sheet, ctx, section) -> None:
    """What the page says under a section's title about the filters chosen."""
    notes = []
    if ctx.filters.is_set and section.ignored_filters:
        notes.append(_("Not filtered by: %(filters)s.",
                       filters=", ".join(section.ignored_filters)))
    if section.partly_filtered(ctx.filters):
        notes.append(str(section.section.partly_note))
    if notes:
        sheet.row += 1
    for text in notes:
        sheet.note(text)


def build(ctx, shown: list, title: str, extra_sheets: list) -> bytes:
    """The workbook of a page's sections; `extra_sheets` are (position, name, writer)."""
    buffer = io.BytesIO()
    book = Book(buffer)
    cover = Sheet(book, _("Cover"))
    headline.write_cover(cover, ctx, shown, title)
    writers = [(s.section.title, sheets.writer_for(s), s) for s in shown]
    for position, name, writer in sorted(extra_sheets, key=lambda e: -e[0]):
        writers.insert(position, (name, writer, None))
    for name, writer, section in writers:
        sheet = Sheet(book, str(name))
        writer(sheet, section)
        if section is not None:
            _filter_notes(sheet, ctx, section)
    cover.row += 1
    cover.note(withheld_note())
    book.workbook.close()
    return buffer.getvalue()
