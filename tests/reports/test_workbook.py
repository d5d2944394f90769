"""The yearly workbook: the page's figures, a sheet per topic, safe cells, translated titles."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
from babel.numbers import format_decimal

from alumni_app.extensions import db
from alumni_app.plans.models import Barrier
from alumni_app.reports import filters, services
from tests import factories
from tests.reports import factories as f

TRAINED = "Ex-participants trained"
TABLES = [  # (page table, sheet, the title above the table in the sheet: None at the top)
    ("trained-per-year-table", TRAINED, "Ex-participants trained per fiscal year"),
    ("trained-by-program-table", TRAINED, "Ex-participants by program type"),
    ("trained-by-sector-table", TRAINED, "Ex-participants by sector of the course"),
    ("trained-by-region-table", TRAINED, "Ex-participants by region"),
    ("trained-by-gender-table", TRAINED, "Ex-participants by gender"),
    ("trained-by-org-kind-table", TRAINED, "Ex-participants by kind of organization"),
    ("plans-by-status-table", "Action plans", "Action plans by status"),
    ("reach-by-sector-table", "Activities and people reached",
     "People reached by sector of the activity"),
    ("reach-by-region-table", "Activities and people reached", "People reached by region"),
    ("applications-by-state-table", "Mini-grants and money", "Applications by state"),
    ("retention-table", "Retention", None),
]


def _year_of_figures(ids, users) -> None:
    """Plans (three per course), updates with barriers, activities and a grant in FY 2023."""
    barrier = db.session.scalar(db.select(Barrier.id).order_by(Barrier.id))
    for part, status in zip(ids.participations, ["in_progress", "completed", "stalled",
                                                 "in_progress", "completed", "stalled",
                                                 "draft"], strict=False):
        plan = f.plan(part, status)
        f.update(plan, barriers=[barrier], check_in_month=3, posted_on=date(2023, 9, 1))
    for part, total in zip(ids.participations[3:], (25, 1234, 7), strict=False):
        f.activity(part, total=total, women=5, men=2, held_on=date(2023, 10, 1),
                   sector_id=ids.energy, region_id=ids.sughd)
    call = f.call(ids.office, opens_on=date(2023, 5, 2),
                  title='=HYPERLINK("http://evil.example","Click")')
    grant = f.application(call, ids.people[3], factories.make_user(role="alumnus"),
                          requested="2000.00", approved="1500.00", usd_rate="0.09",
                          submitted_on=date(2023, 6, 1), decided_on=date(2023, 7, 1),
                          decider=users["manager"])
    f.paid(grant, "1000.00", date(2023, 8, 1))
    f.rate("TJS", date(2023, 5, 1), usd="0.09", jpy="13")
    f.refresh()




def _as_page(value) -> str:
    if isinstance(value, int | float):
        return format_decimal(value, locale="en")
    return str(value)


def test_the_yearly_workbook_has_the_figures_the_page_shows(figures_office, users, login,
                                                            tables):
    _year_of_figures(figures_office, users)
    http = login(users["officer"])
    office_id = figures_office.office.id
    page = http.get(f"/reports/offices/{office_id}/figures?fy_from=2023&fy_to=2023")
    shown = tables(page.get_data(as_text=True))
    response = http.get(f"/reports/offices/{office_id}/yearly.xlsx?fy=2023")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="yearly-report-TJ-FY2023.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Cover", "Ex-participants trained", "Action plans",
                               "Barriers and needs", "Activities and people reached",
                               "Mini-grants and money", "Retention", "Events and attendance",
                               "Announcements and bulk messages"]
    compared = 0
    for table_id, sheet, title in TABLES:
        in_book = f.sheet_table(book[sheet], title)
        for label, cells in shown[table_id].items():
            assert [_as_page(c) for c in in_book[label]] == cells, (table_id, label)
            compared += 1
    assert compared > 40
    cover = {row[0]: row[1] for row in book["Cover"].iter_rows(values_only=True) if row[0]}
    assert cover["Ex-participants trained in the period"] == 5
    assert "5 ex-participants trained" in page.get_data(as_text=True)
    assert cover["People reached"] == 1266 and cover["Approved, converted to USD"] == 135
    assert cover["Period"].startswith("fiscal year 2023 (April 2023 to March 2024)")


def test_cells_are_numbers_dates_and_text_never_formulas(figures_office, users, login):
    _year_of_figures(figures_office, users)
    response = login(users["officer"]).get(
        f"/reports/offices/{figures_office.office.id}/yearly.xlsx?fy=2023")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["Mini-grants and money"]
    row = next(r for r in sheet.iter_rows() if str(r[0].value).startswith("=HYPERLINK"))
    assert row[0].data_type == "s"  # text, not a formula
    assert isinstance(row[2].value, datetime) and row[2].value.date() == date(2023, 5, 2)
    assert row[4].value == 1 and row[6].value == 100000  # applications, budget: numbers
    assert not any(c.data_type == "f" for r in sheet.iter_rows() for c in r)


def test_the_workbook_in_russian_and_for_a_task(figures_office, users):
    _year_of_figures(figures_office, users)
    chosen = filters.Filters(sector_id=figures_office.energy)
    body = services.build_yearly_workbook(figures_office.office.id, 2023, chosen, locale="ru",
                                          today=date(2024, 5, 1))
    book = openpyxl.load_workbook(io.BytesIO(body))
    assert book.sheetnames[:3] == ["Титульный лист", "Обученные бывшие участники",
                                   "Планы действий"]
    cover = {row[0]: row[1] for row in book["Титульный лист"].iter_rows(values_only=True)
             if row[0]}
    assert cover["Отрасль"] == "Энергетика"
    assert cover["Обучено бывших участников за период"] == 4  # C2's four, Energy only


def test_a_yearly_report_needs_a_year_it_offers(figures_office, users, login):
    http = login(users["officer"])
    for year in ("", "1900", "x", "2101"):
        response = http.get(f"/reports/offices/{figures_office.office.id}/yearly.xlsx?fy={year}")
        assert response.status_code == 400
        assert "Choose the fiscal year of the report" in response.get_data(as_text=True)
