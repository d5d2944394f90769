"""CSV and XLSX exports of records; cells that Excel would run as formulas are neutralised."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable

import xlsxwriter
from flask import Response, send_file
from flask_babel import gettext as _

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.db import utcnow

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str | int:
    """Return a value Excel shows as text: a leading formula character gets an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def headers() -> list[str]:
    return [_("Family name"), _("Given name"), _("Family name (Cyrillic)"),
            _("Given name (Cyrillic)"), _("Gender"), _("Year of birth"), _("Office"), _("Region"),
            _("Organization"), _("Position"), _("E-mail"), _("Phone"), _("Sectors")]


def row(record: AlumnusRecord) -> list:
    return [safe_cell(v) for v in (
        record.family_name, record.given_name, record.family_name_cyr, record.given_name_cyr,
        record.gender, record.birth_year, record.office.code,
        record.region.name_en if record.region else "", record.organization, record.position,
        record.email, record.phone, ", ".join(s.name_en for s in record.sectors),
    )]


def _csv_file(records: Iterable[AlumnusRecord]):
    """Write the CSV while the database session is open; UTF-8 with BOM so Excel shows Cyrillic."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(headers())
    for record in records:
        writer.writerow(row(record))
    text.flush()
    text.detach()
    handle.seek(0)
    return handle


def _xlsx_file(records: Iterable[AlumnusRecord]):
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it
    book = xlsxwriter.Workbook(handle, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    sheet = book.add_worksheet("Alumni")
    sheet.write_row(0, 0, headers())
    for index, record in enumerate(records, start=1):
        sheet.write_row(index, 0, row(record))
    book.close()
    handle.seek(0)
    return handle


def response(fmt: str, records: Iterable[AlumnusRecord]) -> Response:
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        return send_file(_csv_file(records), as_attachment=True,
                         download_name=f"alumni-{stamp}.csv", mimetype="text/csv")
    return send_file(_xlsx_file(records), as_attachment=True,
                     download_name=f"alumni-{stamp}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
