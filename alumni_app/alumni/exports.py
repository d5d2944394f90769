"""CSV and XLSX exports of records; cells that Excel would run as formulas are neutralised."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable

import xlsxwriter
from flask import Response, send_file
from flask_babel import get_locale
from flask_babel import gettext as _

from alumni_app.alumni.forms import GENDER_LABELS
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.db import utcnow

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A phone number as people write it: "+992 93 123 4567", "(3712) 62-44-01". Excel shows it as
# text, so it keeps its value: no apostrophe in front.
PHONE_LIKE = re.compile(r"^\+?[\d(][\d\s().\-]*$")


def csv_cell(value) -> str | int:
    """A CSV value that Excel cannot run: one that would start a formula gets an apostrophe.

    Only a value starting with = + - @, a tab or a carriage return can run; a phone number
    starting with + cannot, and is left as it is.
    """
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_START) and not PHONE_LIKE.match(text):
        return "'" + text
    return text


def xlsx_cell(value) -> str | int:
    """An XLSX value as it is: the workbook writes every string as text, never as a formula."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return str(value)


def headers() -> list[str]:
    return [_("Family name"), _("Given name"), _("Family name (Cyrillic)"),
            _("Given name (Cyrillic)"), _("Gender"), _("Year of birth"), _("Office"), _("Region"),
            _("Organization"), _("Position"), _("E-mail"), _("Phone"), _("Sectors")]


def values(record: AlumnusRecord, locale: str) -> list:
    """The record's columns, with names and labels in the language of the export."""
    return [
        record.family_name, record.given_name, record.family_name_cyr, record.given_name_cyr,
        str(GENDER_LABELS.get(record.gender, record.gender)), record.birth_year,
        record.office.code, record.region.name(locale) if record.region else "",
        record.organization, record.position, record.email, record.phone,
        ", ".join(s.name(locale) for s in record.sectors),
    ]


def _csv_file(records: Iterable[AlumnusRecord]):
    """Write the CSV while the database session is open; UTF-8 with BOM so Excel shows Cyrillic."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(headers())
    locale = str(get_locale())
    for record in records:
        writer.writerow([csv_cell(v) for v in values(record, locale)])
    text.flush()
    text.detach()
    handle.seek(0)
    return handle


def _xlsx_file(records: Iterable[AlumnusRecord]):
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it
    # Strings are written as text: never formulas, links or numbers, so nothing runs and a
    # phone number or "=HYPERLINK(...)" reads exactly as it was saved.
    book = xlsxwriter.Workbook(handle, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    sheet = book.add_worksheet("Alumni")
    sheet.write_row(0, 0, headers())
    locale = str(get_locale())
    for index, record in enumerate(records, start=1):
        sheet.write_row(index, 0, [xlsx_cell(v) for v in values(record, locale)])
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
