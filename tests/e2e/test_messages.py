"""Announcements and e-mail to alumni in a browser: an officer publishes an announcement in
English and Russian to the alumni of a course, previews and sends it by e-mail; the demo
alumnus sees it on her dashboard; the e-mail's one-click unsubscribe link works without
logging in."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import current_app
from playwright.sync_api import expect

from alumni_app.extensions import db
from alumni_app.training.models import Course
from tests.e2e.conftest import serve_demo
from tests.e2e.test_language import ALUMNUS_EMAIL, log_in

pytestmark = pytest.mark.e2e

OFFICER_EMAIL = "reviewer.tj@example.org"  # an officer who reads English


@pytest.fixture
def served(tmp_path):
    found = {}

    def remember():
        found["app"] = current_app._get_current_object()
        found["course"] = db.session.scalar(sa.select(Course.id).where(
            Course.code == "J2004102"))

    with serve_demo(tmp_path, remember) as base:
        found["base"] = base
        yield found


def test_publish_preview_send_read_and_unsubscribe(browser, served):
    base, app = served["base"], served["app"]
    officer = browser.new_context(locale="en-US").new_page()
    log_in(officer, base, OFFICER_EMAIL)
    expect(officer).to_have_url(f"{base}/dashboard")
    officer.goto(f"{base}/staff/announcements")
    officer.get_by_role("link", name="Write an announcement").click()
    officer.get_by_label("Title in English").fill("Health alumni meet-up")
    officer.get_by_label("Text in English").fill("Join us on **12 May**.")
    officer.get_by_label("Title in Russian").fill("Встреча выпускников-медиков")
    officer.get_by_label("Text in Russian").fill("Приходите **12 мая**.")
    officer.get_by_label("Who reads it").select_option("group")
    officer.get_by_label("Course", exact=True).select_option(str(served["course"]))
    officer.get_by_role("button", name="Save").click()
    expect(officer.get_by_text("The announcement was saved.")).to_be_visible()

    officer.get_by_role("link", name="Send by e-mail").click()
    counts = officer.locator("#recipient-counts")
    expect(counts).to_contain_text("people will receive it")
    receiving = int(re.search(r"(\d+) people will receive it", counts.inner_text()).group(1))
    expect(officer.get_by_text("Приходите")).to_be_visible()
    officer.get_by_role("button", name=f"Send to {receiving} people").click()
    expect(officer.locator("#tally")).to_contain_text(f"Sent ({receiving})")

    alumnus = browser.new_context(locale="en-US").new_page()
    log_in(alumnus, base, ALUMNUS_EMAIL)
    expect(alumnus.locator("#news-title")).to_be_visible()
    expect(alumnus.get_by_role("link", name="Health alumni meet-up")).to_be_visible()

    with app.app_context():
        mail = [m for m in app.extensions["sent_mail"] if m["Subject"] in (
            "Health alumni meet-up", "Встреча выпускников-медиков")]
    assert len(mail) == receiving
    mail = [m for m in mail if m["To"] == ALUMNUS_EMAIL]
    assert mail[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<https?://[^/]+(/unsubscribe/[^>]+)>", mail[0]["List-Unsubscribe"])
    stranger = browser.new_context(locale="en-US").new_page()  # no login
    stranger.goto(base + link.group(1))
    stranger.get_by_role("button", name="Unsubscribe").click()
    expect(stranger.get_by_role("status")).to_contain_text(
        "you will no longer receive “Announcements and news”")
    alumnus.goto(f"{base}/account/mail")
    expect(alumnus.get_by_label("Announcements and news from the office")).not_to_be_checked()
    expect(alumnus.get_by_label("Event invitations and reminders")).to_be_checked()
