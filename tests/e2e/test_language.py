"""Journeys through the browser: switching the dashboard to Russian, and the second factor.

Both run against the demo data (`alumni_app.demo`). Expected Russian texts are read from the
catalog at test time, so the test follows the translation instead of hard-coding it.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path

import pyotp
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

import alumni_app

PASSWORD = "silk-road-demo-2026"
ALUMNUS_EMAIL = "alumnus@example.org"
ALUMNUS_NAME = "Dilnoza Ghulomshoyeva"
MANAGER_EMAIL = "manager.tj@example.org"
MANAGER_NAME = "Rustam Nazarov"
DEMO_TOTP_SECRET = "KCCPDEMOALUMNIAPPTOTPSECRETBASE3"

RU_DIR = Path(alumni_app.__file__).parent / "translations" / "ru" / "LC_MESSAGES"
RU_PO = RU_DIR / "messages.po"
RU_MO = RU_DIR / "messages.mo"

pytestmark = pytest.mark.e2e


@functools.cache
def _russian_catalog() -> Catalog:
    with RU_PO.open("rb") as handle:
        return read_po(handle, locale="ru")


def russian(msgid: str) -> str:
    """The Russian msgstr for `msgid`; fail clearly while it is missing, empty or fuzzy."""
    message = _russian_catalog().get(msgid)
    if message is None:
        pytest.fail(f"{msgid!r} is not in {RU_PO}: run `make extract-messages`", pytrace=False)
    if not message.string:
        pytest.fail(f"the Russian translation of {msgid!r} is still empty in {RU_PO} "
                    "(translation in progress?)", pytrace=False)
    if message.fuzzy:
        pytest.fail(f"the Russian translation of {msgid!r} is marked fuzzy in {RU_PO}; "
                    "`pybabel compile` leaves fuzzy entries out", pytrace=False)
    return message.string


def require_compiled_russian_catalog() -> None:
    """The server reads messages.mo: it must exist and be newer than messages.po."""
    if not RU_MO.is_file() or RU_MO.stat().st_mtime < RU_PO.stat().st_mtime:
        pytest.fail(f"{RU_MO} is missing or older than messages.po: run `make translations`",
                    pytrace=False)


def log_in(page: Page, base_url: str, email: str) -> None:
    """Fill the login form by its labels and submit it."""
    page.goto(f"{base_url}/login")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()


def current_code() -> str:
    return pyotp.TOTP(DEMO_TOTP_SECRET).now()


def wrong_code() -> str:
    """A 6-digit code the server cannot accept now (nor one step either side)."""
    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    now = time.time()
    valid = {totp.at(now + drift * totp.interval) for drift in (-1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def submit_code(page: Page, code: str) -> None:
    page.get_by_label("Code from your authenticator app", exact=True).fill(code)
    page.get_by_role("button", name="Continue", exact=True).click()


def test_alumnus_switches_the_dashboard_to_russian_and_logs_out(page: Page, live_server: str):
    welcome_ru = russian("Welcome, %(name)s") % {"name": ALUMNUS_NAME}
    log_out_ru = russian("Log out")
    log_in_ru = russian("Log in")
    require_compiled_russian_catalog()

    log_in(page, live_server, ALUMNUS_EMAIL)

    expect(page).to_have_url(f"{live_server}/dashboard")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {ALUMNUS_NAME}")

    page.get_by_role("banner").get_by_role("button", name="Русский", exact=True).click()

    expect(page).to_have_url(f"{live_server}/dashboard")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text(welcome_ru)
    expect(page.get_by_role("banner").get_by_role("button", name="Русский", exact=True)) \
        .to_have_attribute("aria-pressed", "true")
    log_out = page.get_by_role("button", name=log_out_ru, exact=True)
    expect(log_out).to_be_visible()

    log_out.click()

    # The login page, still in the language the alumnus chose.
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text(log_in_ru)
    expect(page.locator("input[type=password]")).to_be_visible()
    expect(page.get_by_role("button", name=log_out_ru, exact=True)).to_have_count(0)


def test_russian_chosen_before_login_is_kept_and_can_be_made_the_preference(
    page: Page, browser, live_server: str
):
    welcome_ru = russian("Welcome, %(name)s") % {"name": ALUMNUS_NAME}
    always_ru = russian("Always use %(language)s") % {"language": "русский"}
    saved_ru = russian("Saved: your account's language is now %(language)s, for e-mails too.") \
        % {"language": "русский"}
    require_compiled_russian_catalog()
    page.goto(f"{live_server}/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("banner").get_by_role("button", name="Русский", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.get_by_label(russian("E-mail"), exact=True).fill(ALUMNUS_EMAIL)
    page.get_by_label(russian("Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=russian("Log in"), exact=True).click()

    # The demo alumnus's account says English; the choice made on the login page wins.
    expect(page).to_have_url(f"{live_server}/dashboard")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text(welcome_ru)
    page.get_by_role("button", name=always_ru, exact=True).click()

    expect(page).to_have_url(f"{live_server}/dashboard")
    expect(page.get_by_role("status").filter(has_text=saved_ru)).to_be_visible()
    expect(page.get_by_role("button", name=always_ru, exact=True)).to_have_count(0)

    # Another browser, asking for English and choosing nothing: the stored preference now.
    other = browser.new_context(locale="en-US")
    try:
        fresh = other.new_page()
        log_in(fresh, live_server, ALUMNUS_EMAIL)
        expect(fresh).to_have_url(f"{live_server}/dashboard")
        expect(fresh.locator("html")).to_have_attribute("lang", "ru")
        expect(fresh.get_by_role("heading", level=1)).to_have_text(welcome_ru)
    finally:
        other.close()


def test_manager_enters_the_authenticator_code_and_sees_the_office_table(
    page: Page, live_server: str
):
    log_in(page, live_server, MANAGER_EMAIL)
    expect(page).to_have_url(f"{live_server}/login/code")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")

    submit_code(page, current_code())

    expect(page).to_have_url(f"{live_server}/dashboard")
    # The demo manager prefers Russian: the dashboard follows the account's language.
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_contain_text(MANAGER_NAME)
    rows = page.get_by_role("table").get_by_role("row")
    # A header row and only the manager's own office: 3 active staff, no pending invitation.
    expect(rows).to_have_count(2)
    expect(rows.nth(1).get_by_role("cell")).to_have_text(
        ["JICA Tajikistan Office", "Таджикистан", "3", "0"]
    )


def test_manager_wrong_code_is_refused_on_the_code_page(page: Page, live_server: str):
    log_in(page, live_server, MANAGER_EMAIL)
    expect(page).to_have_url(f"{live_server}/login/code")

    submit_code(page, wrong_code())

    expect(page).to_have_url(f"{live_server}/login/code")
    expect(page.get_by_role("alert")).to_have_text("That code is not valid.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    expect(page.get_by_role("link", name="Dashboard")).to_have_count(0)

    # The pending login survives the mistake: the right code still gets through.
    submit_code(page, current_code())
    expect(page).to_have_url(f"{live_server}/dashboard")
    expect(page.get_by_role("heading", level=1)).to_contain_text(MANAGER_NAME)
