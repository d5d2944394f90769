"""On a 360 px phone no page of the main journeys is wider than the screen, in either language.

Each page is also saved as a full-page screenshot (in the session's temporary folder, or in
$PHONE_SCREENSHOTS when set) for a person to look over.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.journeys import LANGUAGES, PAGES
from tests.e2e.test_language import russian

pytestmark = pytest.mark.e2e

PHONE = 360
CASES = [pytest.param(lang, role, name, path, id=f"{lang}-{role}-{name}")
         for lang in ("en", "ru") for role, name, path in PAGES]
# What sticks out past the right edge: the widest elements first, to say what to fix.
OVERFLOWING = """width => [...document.querySelectorAll("body *")]
    .filter(e => e.checkVisibility() && e.getBoundingClientRect().right > width + 0.5)
    .sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right)
    .slice(0, 5)
    .map(e => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}.${[...e.classList].join(".")}`
              + ` right=${Math.round(e.getBoundingClientRect().right)}`)"""


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    folder = os.environ.get("PHONE_SCREENSHOTS")
    return Path(folder) if folder else tmp_path_factory.mktemp("phone-screenshots")


@pytest.mark.parametrize(("lang", "role", "name", "path"), CASES)
def test_no_page_is_wider_than_a_phone(journeys, screenshots: Path, lang: str, role: str,
                                       name: str, path: str):
    page = journeys.open(role, lang, PHONE, path, bypass_csp=False)
    screenshots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=screenshots / f"{lang}-{role}-{name}.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, (f"{page.url} is {width} px wide on a {PHONE} px screen: "
                            f"{page.evaluate(OVERFLOWING, PHONE)}")


def text(msgid: str, lang: str) -> str:
    return russian(msgid) if lang == "ru" else msgid


def test_the_phone_header_is_one_line_and_its_menu_works_without_javascript(journeys,
                                                                            screenshots: Path):
    page = journeys.new_page("manager", java_script_enabled=False,
                             viewport={"width": PHONE, "height": 800})
    try:
        page.goto(journeys.path("/dashboard"))
        banner = page.get_by_role("banner")
        lang = page.locator("html").get_attribute("lang")  # as the account's preference is now
        accounts = banner.get_by_role("link", name=text("Accounts", lang), exact=True)
        expect(accounts).to_be_hidden()
        assert banner.bounding_box()["height"] <= 64  # the name and the menu button: one line

        banner.get_by_text(text("Menu", lang), exact=True).click()
        expect(accounts).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
        page.screenshot(path=screenshots / f"{lang}-menu-open.png")
        # The language is chosen in the menu too, and a link in it leads where it says.
        other = "en" if lang == "ru" else "ru"
        banner.get_by_role("button", name=LANGUAGES[other], exact=True).click()
        expect(page.locator("html")).to_have_attribute("lang", other)
        banner.get_by_text(text("Menu", other), exact=True).click()
        banner.get_by_role("link", name=text("Accounts", other), exact=True).click()
        expect(page).to_have_url(journeys.path("/admin/users"))
        expect(page.get_by_role("heading", level=1)).to_have_text(text("Accounts", other))
    finally:
        page.context.close()


def test_a_table_wider_than_the_phone_scrolls_in_a_region_the_keyboard_reaches(journeys):
    page = journeys.open("officer", "en", PHONE, "/staff/grants/applications/{grant}",
                         bypass_csp=False)
    region = page.get_by_role("region", name="Spending by budget line", exact=True)
    assert region.evaluate("e => e.scrollWidth > e.clientWidth")  # the table does not fit
    page.get_by_role("region", name="Payments and reports", exact=True).focus()
    for _stop in range(3):  # past the links in the payments table, Tab reaches the region
        page.keyboard.press("Tab")
        if region.evaluate("e => e === document.activeElement"):
            break
    expect(region).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("e => e.scrollLeft > 0", arg=region.element_handle())


def test_a_select_shows_the_whole_of_a_long_option(journeys):
    page = journeys.open("alumnus", "en", PHONE, "/activities/{activity}/edit", bypass_csp=False)
    plan = page.get_by_label("Action plan it belongs to", exact=True)
    expect(plan).to_have_value(str(journeys.ids["plan"]))
    # The plan's title is wider than the phone: it wraps onto more lines instead of being cut.
    lines = plan.evaluate("""s => Math.round((s.clientHeight - parseFloat(getComputedStyle(s)
        .paddingTop) - parseFloat(getComputedStyle(s).paddingBottom))
        / parseFloat(getComputedStyle(s).lineHeight))""")
    assert lines >= 2
