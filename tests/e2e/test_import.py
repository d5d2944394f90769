"""The import journey: upload an office's spreadsheet, read the dry run, import, find the people."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_language import log_in

pytestmark = pytest.mark.e2e

# The header is in Russian, as offices keep it; one row has a date that is not a date.
SHEET = (
    "Список бывших участников\n"
    "Имя;Фамилия;Год рождения;Эл. почта;Организация;Код курса;Название курса;Начало;Окончание\n"
    "Zarina;Importova;1986;zarina.importova@example.org;Ministry of Health;J-2031;"
    "Primary health care;01.04.2019;30.04.2019\n"
    "Bakhtiyor;Importov;1979;bakhtiyor.importov@example.org;Khukumat of Khujand;J-2031;"
    "Primary health care;01.04.2019;30.04.2019\n"
    "Broken;Row;1990;broken.row@example.org;Somewhere;J-2031;Primary health care;"
    "someday;30.04.2019\n"
)


def summary(page: Page, label: str):
    return page.get_by_role("row", name=label).get_by_role("cell")


def test_officer_imports_a_russian_sheet_leaving_out_the_bad_row(
        page: Page, live_server_with_worker: str, tmp_path):
    """Through the queue and a worker, as in production: the page refreshes until each job ends."""
    live_server = live_server_with_worker
    sheet = tmp_path / "выпускники.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    log_in(page, live_server, "officer.tj@example.org")
    page.get_by_role("banner").get_by_role("button", name="English", exact=True).click()
    page.goto(f"{live_server}/directory")
    page.get_by_role("link", name="Import a spreadsheet").click()
    page.get_by_label("CSV or XLSX file").set_input_files(str(sheet))
    page.get_by_role("button", name="Upload and check").click()

    expect(page.get_by_text("Dry run: nothing has been saved yet")).to_be_visible()
    expect(summary(page, "New records")).to_have_text("2")
    expect(summary(page, "Rows with errors")).to_have_text("1")
    expect(page.get_by_role("cell", name="someday", exact=False)).to_be_visible()

    # Without leaving the bad row out, nothing is imported at all.
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Nothing was imported")).to_be_visible()

    page.get_by_label("Import the other rows and leave out the rows with errors").check()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Imported: 2 created, 0 updated, 0 unchanged.")).to_be_visible()
    expect(page.get_by_text("This file was imported.")).to_be_visible()

    page.goto(f"{live_server}/directory")
    page.get_by_label("Name, organization or position").fill("Импортова")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("link", name="Zarina Importova", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Broken Row", exact=True)).to_have_count(0)
