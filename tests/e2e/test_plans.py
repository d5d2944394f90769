"""Action plans in the browser: the demo alumnus writes a plan and reports progress; the office
follows it up. English first, then the same steps in Russian with the office's officer.

Runs against the demo data (`alumni_app.demo`): the alumnus took Maternal and Child Health.
Russian texts are read from the catalog, so the test follows the translation.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from alumni_app.plans.services import DEFAULT_BARRIERS
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.test_language import (
    ALUMNUS_EMAIL,
    ALUMNUS_NAME,
    log_in,
    require_compiled_russian_catalog,
    russian,
)

pytestmark = pytest.mark.e2e

COURSE = "Maternal and Child Health"
OFFICER_EMAIL = "officer.tj@example.org"
OFFICER_NAME = "Malika Sharipova"
LATER = (date.today() + timedelta(days=60)).isoformat()
MUCH_LATER = (date.today() + timedelta(days=150)).isoformat()
BUDGET_RU = dict(DEFAULT_BARRIERS)["Budget"]


def open_new_plan_form(page: Page, my_plans: str, write: str) -> None:
    """From the main menu, open the form for a new plan on the demo alumnus's course."""
    page.get_by_role("navigation").get_by_role("link", name=my_plans, exact=True).click()
    course = page.get_by_role("region", name=re.compile(COURSE))
    course.get_by_role("link", name=write, exact=True).click()


def test_alumnus_writes_an_action_plan_and_posts_a_progress_update(page: Page,
                                                                    live_server: str):
    log_in(page, live_server, ALUMNUS_EMAIL)
    open_new_plan_form(page, "My action plans", "Write an action plan")
    expect(page.get_by_role("heading", level=1)).to_have_text("Write an action plan")

    page.get_by_label("Title", exact=True).fill("Safer births in Khatlon")
    page.get_by_label("The problem", exact=True).fill("Nurses in district clinics lack training")
    page.get_by_label("Objectives", exact=True).fill("Every district clinic has trained staff")
    page.get_by_label("Status", exact=True).select_option(label="In progress")
    seminar = page.get_by_role("group", name="Milestone 1")
    seminar.get_by_label("Activity planned", exact=True).fill("Seminar for district nurses")
    seminar.get_by_label("Target date", exact=True).fill("2001-05-01")  # before the course
    visits = page.get_by_role("group", name="Milestone 2")
    visits.get_by_label("Activity planned", exact=True).fill("Visit the pilot clinics")
    visits.get_by_label("Target date", exact=True).fill(MUCH_LATER)
    indicator = page.get_by_role("group", name="Indicator 1")
    indicator.get_by_label("Indicator", exact=True).fill("Nurses trained")
    indicator.get_by_label("Unit", exact=True).fill("people")
    indicator.get_by_label("Baseline", exact=True).fill("0")
    indicator.get_by_label("Target", exact=True).fill("60")
    page.get_by_role("button", name="Save the plan").click()

    # Refused next to the date it is about; nothing typed is lost.
    expect(seminar.get_by_text("a milestone cannot be dated before it")).to_be_visible()
    expect(page.get_by_label("Title", exact=True)).to_have_value("Safer births in Khatlon")
    expect(visits.get_by_label("Activity planned", exact=True)).to_have_value(
        "Visit the pilot clinics")
    expect(indicator.get_by_label("Target", exact=True)).to_have_value("60")
    seminar.get_by_label("Target date", exact=True).fill(LATER)
    page.get_by_role("button", name="Save the plan").click()

    expect(page.get_by_text("The action plan was saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Safer births in Khatlon")
    milestones = page.get_by_role("table", name="Milestones")
    expect(milestones.get_by_role("row", name=re.compile("Seminar for district nurses"))) \
        .to_contain_text("Planned")
    expect(page.get_by_role("table", name="Indicators").get_by_role(
        "row", name=re.compile("Nurses trained"))).to_contain_text("people")
    expect(page.get_by_role("region", name="Timeline")).to_contain_text("Plan written")
    expect(page.get_by_role("region", name="Progress updates")).to_contain_text(
        "No progress updates yet.")

    page.get_by_role("link", name="Post a progress update").click()
    page.get_by_label("What was done", exact=True).fill("Held the seminar for 25 nurses")
    page.get_by_label("Seminar for district nurses", exact=True).select_option(label="Done")
    page.get_by_label("Visit the pilot clinics", exact=True).select_option(label="Under way")
    page.get_by_label("Nurses trained", exact=True).fill("25")
    page.get_by_label("Budget", exact=True).check()
    page.get_by_label("Support needed from the office", exact=True).fill("A projector")
    page.get_by_role("button", name="Send the update").click()

    expect(page.get_by_text("Your update was saved.")).to_be_visible()
    updates = page.get_by_role("region", name="Progress updates")
    expect(updates).to_contain_text("Held the seminar for 25 nurses")
    expect(updates).to_contain_text("Barriers: Budget")
    expect(updates).to_contain_text("Support needed: A projector")
    expect(milestones.get_by_role("row", name=re.compile("Seminar for district nurses"))) \
        .to_contain_text("Done")
    expect(milestones.get_by_role("row", name=re.compile("Visit the pilot clinics"))) \
        .to_contain_text("Under way")
    reached = page.get_by_role("table", name="Indicators").get_by_role(
        "row", name=re.compile("Nurses trained")).get_by_role("cell").last
    expect(reached).to_have_text("25")
    timeline = page.get_by_role("region", name="Timeline").get_by_role("listitem")
    expect(timeline).to_have_count(2)
    expect(timeline.last).to_contain_text(f"Progress update posted · {ALUMNUS_NAME}")

    # The plan is listed under its course, with its status.
    page.get_by_role("link", name="← My action plans").click()
    course = page.get_by_role("region", name=re.compile(COURSE))
    expect(course.get_by_role("listitem")).to_have_text("Safer births in Khatlon In progress")


@pytest.fixture
def second_page(browser: Browser):
    """Another person at another computer: a fresh browser context asking for English."""
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_in_russian_the_officer_verifies_an_update_and_the_alumnus_answers_a_comment(
        page: Page, second_page: Page, live_server: str):
    require_compiled_russian_catalog()
    title = "Безопасные роды в Хатлоне"
    log_in(page, live_server, ALUMNUS_EMAIL)
    page.get_by_role("banner").get_by_role("button", name="Русский", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    open_new_plan_form(page, russian("My action plans"), russian("Write an action plan"))
    expect(page.get_by_role("heading", level=1)).to_have_text(russian("Write an action plan"))
    page.get_by_label(russian("Title"), exact=True).fill(title)
    milestone = page.get_by_role("group", name=russian("Milestone %(n)s") % {"n": 1})
    milestone.get_by_label(russian("Activity planned"), exact=True).fill("Семинар для медсестёр")
    milestone.get_by_label(russian("Target date"), exact=True).fill(LATER)
    indicator = page.get_by_role("group", name=russian("Indicator %(n)s") % {"n": 1})
    indicator.get_by_label(russian("Indicator"), exact=True).fill("Обучено медсестёр")
    indicator.get_by_label(russian("Target"), exact=True).fill("60")
    page.get_by_role("button", name=russian("Save the plan")).click()
    expect(page.get_by_text(russian("The action plan was saved."))).to_be_visible()

    page.get_by_role("link", name=russian("Post a progress update")).click()
    page.get_by_label(russian("What was done"), exact=True).fill("Провела семинар")
    page.get_by_label("Семинар для медсестёр", exact=True).select_option(
        label=russian("Under way"))
    page.get_by_label("Обучено медсестёр", exact=True).fill("12")
    page.get_by_label(BUDGET_RU, exact=True).check()
    page.get_by_role("button", name=russian("Send the update")).click()
    updates = page.get_by_role("region", name=russian("Progress updates"))
    expect(updates).to_contain_text("Провела семинар")
    expect(updates).to_contain_text(f"{russian('Barriers')}: {BUDGET_RU}")

    # The officer (who prefers Russian) finds the plan in the follow-up queue.
    officer = second_page
    log_in(officer, live_server, OFFICER_EMAIL)
    expect(officer.locator("html")).to_have_attribute("lang", "ru")
    officer.get_by_role("navigation").get_by_role("link", name=russian("Follow-up"),
                                                   exact=True).click()
    # A plan written today needs no follow-up yet: the officer lists all open plans, the
    # latest update first.
    officer.get_by_label(russian("Show"), exact=True).select_option(
        label=russian("All open plans"))
    officer.get_by_role("button", name=russian("Filter"), exact=True).click()
    for _direction in ("oldest first", "newest first"):
        officer.get_by_role("link", name=russian("Last update"), exact=True).click()
    officer.get_by_role("row", name=re.compile(title)).get_by_role("link", name=title).click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text(title)
    officer.get_by_label(russian("How it was verified (visit, documents ...)")).fill(
        "Визит в клинику")
    officer.get_by_role("button", name=russian("Mark verified")).click()
    expect(officer.get_by_text(russian("The update is marked verified."))).to_be_visible()
    officer_updates = officer.get_by_role("region", name=russian("Progress updates"))
    expect(officer_updates).to_contain_text(f"{russian('Verified')} Визит в клинику")
    expect(officer_updates.get_by_role("button", name=russian("Mark verified"))).to_have_count(0)
    officer.get_by_label(russian("Comment"), exact=True).fill("Сколько клиник участвовало?")
    officer.get_by_role("button", name=russian("Add comment")).click()
    expect(officer.get_by_text(russian("Your comment was added."))).to_be_visible()

    # The alumnus sees the office's comment and the verified update, and answers.
    page.reload()
    conversation = page.get_by_role("region", name=russian("Conversation with the office"))
    expect(conversation).to_contain_text("Сколько клиник участвовало?")
    expect(conversation).to_contain_text(
        russian("%(name)s (office)") % {"name": OFFICER_NAME})
    expect(page.get_by_role("region", name=russian("Progress updates"))).to_contain_text(
        russian("Verified"))
    page.get_by_label(russian("Comment"), exact=True).fill("Четыре клиники")
    page.get_by_role("button", name=russian("Send"), exact=True).click()
    expect(conversation).to_contain_text("Четыре клиники")
    timeline = page.get_by_role("region", name=russian("Timeline"))
    for step in ("Plan written", "Progress update posted", "Update verified by the office",
                 "Comment"):
        expect(timeline).to_contain_text(russian(step))
