"""Events in the browser: an officer creates and publishes a meeting, invites the demo alumna
by name; she answers yes; the officer sees the answer and checks her in on a 360 px phone,
finding her by her name in Cyrillic, without JavaScript.

Runs against the demo data (`alumni_app.demo`): the office's English-speaking officer (Zarina
Rahimova) and the demo alumna (Dilnoza Ghulomshoyeva, Дилноза Гуломшоева).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.test_language import ALUMNUS_EMAIL, ALUMNUS_NAME, log_in

pytestmark = pytest.mark.e2e

OFFICER_EMAIL = "reviewer.tj@example.org"
DAY = (date.today() + timedelta(days=20)).isoformat()


def _page(browser: Browser, **options):
    context = browser.new_context(locale="en-US", **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context.new_page()


def test_a_meeting_is_created_the_alumna_answers_and_is_checked_in_on_a_phone(
        browser: Browser, live_server: str):
    officer = _page(browser)
    log_in(officer, live_server, OFFICER_EMAIL)
    officer.get_by_role("navigation").get_by_role("link", name="Events", exact=True).click()
    officer.get_by_role("link", name="New event", exact=True).click()
    officer.get_by_label("Kind", exact=True).select_option(label="Workshop")
    officer.get_by_label("Title in English", exact=True).fill("Health sector workshop")
    officer.get_by_label("Title in Russian", exact=True).fill("Практикум по здравоохранению")
    officer.get_by_label("Starts (office time)", exact=True).fill(f"{DAY}T10:00")
    officer.get_by_label("Ends (office time)", exact=True).fill(f"{DAY}T09:00")
    officer.get_by_label("Venue", exact=True).fill("JICA Tajikistan Office")
    officer.get_by_label("Address", exact=True).fill("Dushanbe, 27 Bokhtar Street")
    officer.get_by_role("button", name="Save the event").click()
    # Refused next to the field; what was typed stays.
    expect(officer.get_by_text("The end must come after the start.")).to_be_visible()
    expect(officer.get_by_label("Title in English", exact=True)).to_have_value(
        "Health sector workshop")
    officer.get_by_label("Ends (office time)", exact=True).fill(f"{DAY}T16:00")
    officer.get_by_role("button", name="Save the event").click()
    expect(officer.get_by_text("The event was saved as a draft.")).to_be_visible()
    officer.get_by_role("button", name="Publish", exact=True).click()
    expect(officer.get_by_text("The event was published.")).to_be_visible()

    officer.get_by_role("link", name="Invite", exact=True).click()
    officer.get_by_label("Find alumni by name", exact=True).fill("Ghulomshoyeva")
    officer.get_by_role("button", name="Find", exact=True).click()
    officer.get_by_label(ALUMNUS_NAME).check()
    officer.get_by_role("button", name="Invite the people ticked").click()
    expect(officer.get_by_text("1 people were invited")).to_be_visible()
    expect(officer.get_by_text("Not answered: 1")).to_be_visible()

    alumna = _page(browser)
    log_in(alumna, live_server, ALUMNUS_EMAIL)
    alumna.get_by_role("link", name="Answer the invitation to “Health sector workshop”").click()
    alumna.get_by_role("button", name="Yes, I will come").click()
    expect(alumna.get_by_text("Thank you: you are registered.")).to_be_visible()
    expect(alumna.get_by_role("img", name="Your check-in QR code")).to_be_visible()

    officer.reload()
    expect(officer.get_by_text("Coming: 1")).to_be_visible()
    event_url = officer.url

    phone = _page(browser, viewport={"width": 360, "height": 740}, java_script_enabled=False)
    log_in(phone, live_server, OFFICER_EMAIL)
    phone.goto(f"{event_url}/check-in")
    expect(phone.get_by_text("0 present of 1 expected")).to_be_visible()
    phone.get_by_role("searchbox", name="Name").fill("Дилноза")
    phone.get_by_role("button", name="Find", exact=True).click()
    phone.get_by_role("button", name=f"Check in {ALUMNUS_NAME}", exact=True).click()
    expect(phone.get_by_text(f"{ALUMNUS_NAME} is checked in.")).to_be_visible()
    expect(phone.get_by_text("1 present of 1 expected")).to_be_visible()
    expect(phone.get_by_role("button", name=f"Check in {ALUMNUS_NAME}", exact=True)) \
        .to_have_count(0)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    for page in (officer, alumna, phone):
        page.context.close()
