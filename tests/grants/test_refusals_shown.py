"""A refusal is shown once, where the user looks: next to its field, above the form that was
sent, or at the top of the page when that form is no longer on it."""

from __future__ import annotations

import html
import re

from alumni_app.extensions import db
from alumni_app.grants import reviews
from alumni_app.grants.models import GrantApplication
from tests.grants import factories as f
from tests.grants.test_views import edit_form, form_data


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_publishing_a_call_twice_says_why_once(app, login, office, users):
    call = f.make_call(office, users["manager"])
    page = login(users["manager"]).post(f"/staff/grants/calls/{call.id}/publish")
    assert page.status_code == 409
    assert text(page).count("This cannot be done now: the call is published.") == 1


def test_a_submission_refused_keeps_the_draft_and_says_what_is_missing(app, login, office,
                                                                      users):
    call = f.make_call(office, users["manager"], min_team_size=2)
    applicant = f.eligible_alumnus(office, users["alumnus"])
    application = f.draft(call, applicant)
    http = login(applicant)
    page = http.post(f"/grants/applications/{application.id}/edit", data={
        **form_data(title="Computers for teachers"), **edit_form(http, application),
        "action": "submit"})
    assert page.status_code == 400
    shown = text(page)
    assert shown.count("Your draft was saved, but it cannot be submitted yet: see the marked "
                       "fields.") == 1
    assert shown.count("This call asks for a team of at least 2 people: 1 confirmed so far, "
                       "you included.") == 1
    db.session.expire_all()
    kept = db.session.get(GrantApplication, application.id)
    assert (kept.title, kept.state) == ("Computers for teachers", "draft")


def test_a_taken_email_is_refused_next_to_the_team_field(app, login, office, users):
    call = f.make_call(office, users["manager"])
    applicant = f.eligible_alumnus(office, users["alumnus"])
    application = f.draft(call, applicant)
    http = login(applicant)
    page = http.post(f"/grants/applications/{application.id}/team", data={
        **form_data(), **edit_form(http, application), "email": applicant.email,
        "role": "Lead"})
    assert page.status_code == 400
    shown = text(page)
    assert shown.count("You are the applicant already.") == 1
    after_input = re.search(r'<input[^>]*name="email"[^>]*>\s*<div[^>]*invalid-feedback[^>]*>'
                            r'\s*You are the applicant already.', shown)
    assert after_input and "is-invalid" in after_input.group(0)


def test_a_manager_with_a_conflict_may_not_open_the_closing_page(app, login, office, users,
                                                                 make_user):
    """Was a 200 (any manager of the office saw the page, then could not close it): the
    table's actor for 'close' is a manager of the office without a declared conflict."""
    stepped_aside = make_user(role="manager", office=office, second_factor=True)
    application = f.reviewed_application(office, users)
    review = reviews.assign(users["manager"], application, stepped_aside)
    reviews.declare_conflict(stepped_aside, review, "My cousin's school.")
    db.session.commit()
    grant = f.approved(application, users["manager"])
    url = f"/staff/grants/applications/{grant.id}/close"
    assert login(users["manager"]).get(url).status_code == 200
    assert login(stepped_aside).get(url).status_code == 403
    assert login(stepped_aside).post(url, data={"message": ""}).status_code == 403
    assert db.session.get(GrantApplication, grant.id).state == "approved"
