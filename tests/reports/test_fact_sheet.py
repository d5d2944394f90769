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


def _text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_fact_sheet_in_japanese_has_japanese_headings(figures_office, login, users):
    f.activity(figures_office.participations[0], total=40, held_on=date(2023, 9, 1),
               sector_id=figures_office.health)
    f.refresh()
    path = f"/reports/offices/{figures_office.office.id}/fact-sheet.pdf?fy=2023&lang=ja"
    response = login(users["officer"]).get(path)
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="fact-sheet-TJ-FY2023-ja.pdf"')
    pdf = response.data
    assert _title(pdf) == "ファクトシート 2023年度：Tajikistan Office"
    assert b"/Lang (ja)" in pdf and b"NotoSansJP" in pdf
    text = _text(pdf)
    for heading in ("ファクトシート 2023年度", "期間中の研修員数", "アクションプラン", "波及人数",
                    "年度別の研修員数（当年度まで）", "2023年度（2023年4月～2024年3月）",
                    "個人が特定されないよう"):
        assert heading in text, heading
    assert "Ex-participants trained" not in text  # no English left where Japanese exists
    # The page's language stays English: Japanese is the fact sheet's alone.
    page = login(users["officer"]).get(f"/reports/offices/{figures_office.office.id}/figures")
    assert '<option value="ja" lang="ja"' in page.get_data(as_text=True)


def test_every_character_of_the_japanese_catalog_is_in_the_vendored_font():
    from pathlib import Path

    from babel.messages.pofile import read_po
    from fontTools.ttLib import TTFont

    reports = Path(__file__).resolve().parents[2] / "alumni_app" / "reports"
    with (reports / "translations/ja/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle)
    used = {c for m in catalog if m.id for s in (m.string if isinstance(m.string, tuple)
                                                  else (m.string,)) for c in s}
    assert len(used) > 150
    for style in ("Regular", "Bold"):
        cmap = TTFont(reports / f"fonts/NotoSansJP-{style}.ttf").getBestCmap()
        missing = sorted(c for c in used if ord(c) not in cmap)
        assert missing == [], f"NotoSansJP-{style} lacks {''.join(missing)}"
