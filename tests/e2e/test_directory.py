"""Journeys through the directory: finding people under any spelling, and a staff export."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_language import log_in

pytestmark = pytest.mark.e2e


def search(page: Page, text: str) -> None:
    page.get_by_label("Name, organization or position").fill(text)
    page.get_by_role("button", name="Search", exact=True).click()


@pytest.mark.parametrize("spelling", ["Dzhalolov", "Джалолов", "jalolov"])
def test_alumnus_finds_a_colleague_under_any_spelling(page: Page, live_server: str, spelling):
    log_in(page, live_server, "alumnus@example.org")
    page.get_by_role("link", name="Directory", exact=True).click()
    search(page, f"Farrukh {spelling}")
    # The demo data holds several people of that name; every result is one of them.
    results = page.get_by_role("table").get_by_role("row")
    expect(results.first).to_be_visible()
    names = page.get_by_role("table").get_by_role("link").all_inner_texts()
    assert names and all(name in ("Farrukh Jalolov", "Фаррух Джалолов") for name in names)
    page.get_by_role("link", name="Farrukh Jalolov", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Farrukh Jalolov")


def test_officer_searches_in_cyrillic_and_exports_the_list(page: Page, live_server: str):
    log_in(page, live_server, "officer.tj@example.org")
    page.get_by_role("banner").get_by_role("button", name="English", exact=True).click()
    page.goto(f"{live_server}/directory")
    search(page, "Дилноза Гуломшоева")
    expect(page.get_by_role("link", name="Dilnoza Ghulomshoyeva", exact=True).first).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    content = download_info.value.path().read_text(encoding="utf-8-sig")
    assert "Ghulomshoyeva" in content and "Гуломшоева" in content
    assert "Nazarov" not in content  # only the filtered list


def test_an_unknown_name_gets_a_clear_empty_state(page: Page, live_server: str):
    log_in(page, live_server, "alumnus@example.org")
    page.goto(f"{live_server}/directory")
    search(page, "Zzyzxquorp")
    expect(page.get_by_text("Nobody matches")).to_be_visible()
