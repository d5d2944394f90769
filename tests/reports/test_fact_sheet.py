"""The two-page fact sheet (PDF) of an office's year, in English or Russian."""

from __future__ import annotations

import re
from datetime import date

from tests.reports import factories as f


def _title(pdf: bytes) -> str:
    literal = re.search(rb"/Title \((.*?)\)\n", pdf)
    if literal:
        return literal[1].decode("latin-1")
    encoded = re.search(rb"/Title <([0-9A-Fa-f]+)>", pdf)
    return bytes.fromhex(encoded[1].decode()).decode("utf-16")


def test_the_fact_sheet_has_two_pages_in_the_language_chosen(figures_office, login, users):
    f.activity(figures_office.participations[0], total=40, held_on=date(2023, 9, 1),
               sector_id=figures_office.health)
    f.refresh()
    http = login(users["officer"])
    path = f"/reports/offices/{figures_office.office.id}/fact-sheet.pdf?fy=2023"
    for lang, title in (("en", "Fact sheet 2023: Tajikistan Office"),
                        ("ru", "Информационный листок 2023: Tajikistan Office")):
        response = http.get(f"{path}&lang={lang}")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="fact-sheet-TJ-FY2023-{lang}.pdf"')
        pdf = response.data
        assert pdf.startswith(b"%PDF-") and len(re.findall(rb"/Type /Page\b", pdf)) == 2
        assert _title(pdf) == title
        assert f"/Lang ({lang})".encode() in pdf
        assert b"NotoSans" in pdf and b"/FontFile2" in pdf  # the vendored font, embedded
    assert http.get(f"{path}&lang=xx").headers["Content-Disposition"].endswith('-en.pdf"')
