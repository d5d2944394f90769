"""The grant pages as people use them: forms, refusals with their messages, nothing lost."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.grants.models import ApplicationVersion, BudgetLine, GrantApplication, GrantCall
from alumni_app.grants.review_models import GrantComment
from tests import sample_files as files
from tests.grants import factories as f

D = Decimal


def form_data(**extra) -> dict:
    data = {"title": "Teachers' ICT course", "summary": "A course for 40 teachers.",
            "problem": "Few teachers use computers.", "objectives": "40 trained teachers.",
            "activities": "Two weeks of training in Khujand.",
            "starts_on": (f.today() + timedelta(days=40)).isoformat(),
            "ends_on": (f.today() + timedelta(days=100)).isoformat(), "region_id": "0",
            "target_group": "Teachers", "people_to_reach": "40", "plan_id": "0",
            "language": "ru",
            "budget-0-category": "venue", "budget-0-description": "Hall rent",
            "budget-0-quantity": "10", "budget-0-unit_cost": "1 250,50",
            "budget-1-category": "materials", "budget-1-description": "Handouts",
            "budget-1-quantity": "40", "budget-1-unit_cost": "12.5"}
    data.update(extra)
    return data


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def edit_form(http, application) -> dict:
    page = http.get(f"/grants/applications/{application.id}/edit").get_data(as_text=True)
    version = re.search(r'name="edit_version" type="hidden" value="(\d+)"', page).group(1)
    token = re.search(r'name="submit_token" type="hidden" value="([^"]+)"', page).group(1)
    return {"edit_version": version, "submit_token": token}


@pytest.fixture
def call(office, users):
    return f.make_call(office, users["manager"], ceiling=D("20000.00"),
                       total_budget=D("50000.00"))


@pytest.fixture
def applicant(office, users):
    return f.eligible_alumnus(office, users["alumnus"])


@pytest.fixture
def application(call, applicant):
    return f.draft(call, applicant)


def test_manager_opens_a_call_with_amounts_typed_the_local_way(app, login, users):
    http = login(users["manager"])
    response = http.post("/staff/grants/calls/new", data={
        "title": "Mini-grants 2027", "description": "Education first.",
        "opens_at": "2027-01-10T09:00", "closes_at": "2027-02-28T18:00",
        "currency": "usd", "total_budget": "150 000,00", "ceiling": "15,000.00",
        "min_months_since_training": "6",
        "min_team_size": "2", "reviews_required": "2",
        "criteria-0-name": "Relevance", "criteria-0-weight": "2", "criteria-0-scale_max": "5",
        "criteria-1-name": "Budget", "criteria-1-weight": "1", "criteria-1-scale_max": "10"})
    assert response.status_code == 302
    call = db.session.scalar(sa.select(GrantCall))
    assert (call.total_budget, call.ceiling, call.state, call.currency) == (
        D("150000.00"), D("15000.00"), "draft", "USD")
    assert call.opens_at.hour == 4  # 09:00 in Dushanbe is 04:00 UTC
    assert [c.name for c in call.criteria] == ["Relevance", "Budget"]
    assert http.post(f"/staff/grants/calls/{call.id}/publish").status_code == 302
    assert http.post(f"/staff/grants/calls/{call.id}/publish").status_code == 409


@pytest.mark.parametrize(("field", "value", "message"), [
    ("ceiling", "20 000", "cannot be more than the call's total budget"),
    ("total_budget", "-5", "This cannot be negative."),
    ("total_budget", "12.345", "at most 2 decimal places"),
    ("closes_at", "2027-01-01T09:00", "must close after it opens"),
    ("currency", "dollars", "A three-letter code"),
])
def test_a_bad_call_is_refused_next_to_the_field_and_kept(app, login, users, field, value,
                                                           message):
    data = {"title": "Kept title", "opens_at": "2027-01-10T09:00",
            "closes_at": "2027-02-28T18:00", "total_budget": "10000", "ceiling": "1000",
            "min_months_since_training": "0", "min_team_size": "1", "reviews_required": "1",
            "criteria-0-name": "Relevance", "criteria-0-weight": "1",
            "criteria-0-scale_max": "5", field: value}
    response = login(users["manager"]).post("/staff/grants/calls/new", data=data)
    page = text(response)
    assert response.status_code == 400 and message in page
    assert 'value="Kept title"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GrantCall)) == 0


def test_an_officer_cannot_open_a_call(app, login, users):
    assert login(users["officer"]).get("/staff/grants/calls/new").status_code == 403


def test_alumnus_writes_saves_and_submits(app, login, application, applicant, outbox):
    http = login(applicant)
    saved = http.post(f"/grants/applications/{application.id}/edit",
                      data={**form_data(), **edit_form(http, application), "action": "save"})
    assert saved.status_code == 302
    db.session.expire_all()
    lines = db.session.scalars(sa.select(BudgetLine).order_by(BudgetLine.position)).all()
    assert [(line.quantity, line.unit_cost) for line in lines] == [
        (D("10.00"), D("1250.50")), (D("40.00"), D("12.50"))]
    submitted = http.post(f"/grants/applications/{application.id}/edit",
                          data={**form_data(), **edit_form(http, application),
                                "action": "submit"})
    assert submitted.status_code == 302
    db.session.expire_all()
    stored = db.session.get(GrantApplication, application.id)
    assert stored.state == "submitted" and stored.requested_amount == D("13005.00")
    page = http.get(f"/grants/applications/{application.id}").get_data(as_text=True)
    assert "13,005.00 TJS" in page and "submitted" in page
    assert any("received" in m["Subject"] for m in outbox)


@pytest.mark.parametrize(("extra", "message"), [
    ({"budget-0-quantity": "-2"}, "This cannot be negative."),
    ({"budget-0-quantity": "0"}, "The quantity must be more than zero."),
    ({"budget-0-unit_cost": "12.123456789012"}, "Use at most 2 decimal places."),
    ({"budget-0-unit_cost": "lots"}, "Enter a number, like 1 250,50 or 1250.50."),
    ({"budget-1-quantity": ""}, "Enter the quantity."),
    ({"people_to_reach": "-4"}, "Enter a number from 0 up."),
    ({"region_id": "99999"}, "Not a valid choice"),
])
def test_bad_budget_input_is_refused_and_what_was_typed_comes_back(
        app, login, application, applicant, extra, message):
    http = login(applicant)
    data = {**form_data(**extra), **edit_form(http, application), "action": "save"}
    response = http.post(f"/grants/applications/{application.id}/edit", data=data)
    page = text(response)
    assert response.status_code == 400 and message in page
    assert "Teachers' ICT course" in page  # nothing typed is lost
    for name, value in extra.items():
        if value and name != "region_id":
            assert f'value="{value}"' in page
    db.session.expire_all()
    assert db.session.get(GrantApplication, application.id).title != "Teachers' ICT course"


def test_a_budget_over_the_ceiling_is_saved_but_not_submitted(app, login, call, application,
                                                              applicant):
    http = login(applicant)
    data = {**form_data(**{"budget-0-quantity": "100"}), **edit_form(http, application),
            "action": "submit"}
    response = http.post(f"/grants/applications/{application.id}/edit", data=data)
    page = text(response)
    assert response.status_code == 400
    assert "more than the ceiling of 20,000.00" in page
    db.session.expire_all()
    stored = db.session.get(GrantApplication, application.id)
    assert stored.state == "draft" and stored.title == "Teachers' ICT course"


def test_a_deadline_passed_while_the_form_was_open(app, login, call, application, applicant):
    http = login(applicant)
    data = {**form_data(), **edit_form(http, application), "action": "submit"}
    db.session.execute(sa.update(GrantCall).values(closes_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    response = http.post(f"/grants/applications/{application.id}/edit", data=data)
    assert response.status_code == 409
    assert "applications can no longer be submitted" in text(response)
    db.session.expire_all()
    stored = db.session.get(GrantApplication, application.id)
    assert stored.state == "draft" and stored.summary == "A course for 40 teachers."


def test_a_double_click_and_a_second_tab_submit_once(app, login, application, applicant):
    http = login(applicant)
    first_tab = {**form_data(), **edit_form(http, application), "action": "submit"}
    second_tab = {**form_data(title="Other tab"), **edit_form(http, application),
                  "action": "submit"}
    assert http.post(f"/grants/applications/{application.id}/edit",
                     data=first_tab).status_code == 302
    again = http.post(f"/grants/applications/{application.id}/edit", data=first_tab)
    assert again.status_code == 302  # the same click again: told it was submitted
    other = http.post(f"/grants/applications/{application.id}/edit", data=second_tab)
    assert other.status_code == 409
    assert 'value="Other tab"' in text(other)
    versions = db.session.scalar(sa.select(sa.func.count()).select_from(ApplicationVersion))
    assert versions == 1
    db.session.expire_all()
    assert db.session.get(GrantApplication, application.id).title == "Teachers' ICT course"


def test_form_fields_cannot_set_state_or_amounts(app, login, application, applicant):
    http = login(applicant)
    data = {**form_data(), **edit_form(http, application), "action": "save",
            "state": "approved", "approved_amount": "999999", "applicant_id": "1",
            "requested_amount": "1"}
    assert http.post(f"/grants/applications/{application.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    stored = db.session.get(GrantApplication, application.id)
    assert (stored.state, stored.approved_amount, stored.requested_amount) == ("draft", None,
                                                                               None)


def test_autosave_answers_the_new_version(app, login, application, applicant):
    http = login(applicant)
    form = edit_form(http, application)
    response = http.post(f"/grants/applications/{application.id}/edit",
                         data={**form_data(title="Autosaved"), **form, "action": "save"},
                         headers={"X-Autosave": "1"})
    assert response.status_code == 200
    assert response.get_json()["version"] == int(form["edit_version"]) + 1
    stale = http.post(f"/grants/applications/{application.id}/edit",
                      data={**form_data(title="Stale"), **form, "action": "save"})
    assert stale.status_code == 409
    db.session.expire_all()
    assert db.session.get(GrantApplication, application.id).title == "Autosaved"


def test_another_alumnus_guessing_the_id_is_refused(app, login, office, application):
    stranger = f.eligible_alumnus(office)
    http = login(stranger)
    for url in (f"/grants/applications/{application.id}",
                f"/grants/applications/{application.id}/edit",
                f"/grants/applications/{application.id}/versions"):
        assert http.get(url).status_code == 404, url
    response = http.post(f"/grants/applications/{application.id}/edit",
                         data={**form_data(title="Hijack"), "action": "save"})
    assert response.status_code == 404


def test_staff_of_another_office_see_nothing(app, login, other_office, make_user, call,
                                             office, users):
    application = f.submitted(call, f.eligible_alumnus(office))
    stranger = make_user(role="officer", office=other_office)
    http = login(stranger)
    assert http.get(f"/staff/grants/applications/{application.id}").status_code == 404
    assert http.get(f"/staff/grants/calls/{call.id}").status_code == 404
    assert b"Mini-grants 2026" not in http.get("/staff/grants/calls").data


def test_an_unverified_alumnus_is_told_why_and_cannot_start(app, login, office, call):
    newcomer = f.eligible_alumnus(office, verified=False)
    http = login(newcomer)
    page = http.get(f"/grants/calls/{call.id}").get_data(as_text=True)
    assert "has not verified your record yet" in page and "Start an application" not in page
    assert http.post(f"/grants/calls/{call.id}/apply").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GrantApplication)) == 0


def test_a_reviewer_not_assigned_cannot_post_scores(app, login, office, users, call):
    application = f.in_review(f.submitted(call, f.eligible_alumnus(office)), users["officer"])
    response = login(users["officer"]).post(
        f"/staff/grants/applications/{application.id}/review",
        data={f"score_{c.id}": "5" for c in call.criteria} | {"action": "submit",
                                                              "recommendation": "fund"})
    assert response.status_code == 403


def test_reviewers_see_each_others_scores_only_after_their_own(app, login, office, users, call):
    application = f.in_review(f.submitted(call, f.eligible_alumnus(office)), users["officer"])
    second = f.factories.make_user("officer", office)
    f.review_by(application, users["officer"], users["manager"], scores=(5, 1))
    from alumni_app.grants import reviews

    reviews.assign(users["manager"], application, second)
    db.session.commit()
    http = login(second)
    before = http.get(f"/staff/grants/applications/{application.id}").get_data(as_text=True)
    assert "once you submit your own review" in before and "5 / 5" not in before
    scores = {f"score_{c.id}": "3" for c in call.criteria}
    response = http.post(f"/staff/grants/applications/{application.id}/review",
                         data={**scores, "recommendation": "fund_with_changes",
                               "action": "submit", "version": "1"})
    assert response.status_code == 302
    after = http.get(f"/staff/grants/applications/{application.id}").get_data(as_text=True)
    assert "5 / 5" in after and "3 / 5" in after


def test_a_review_missing_a_score_is_refused(app, login, office, users, call):
    application = f.in_review(f.submitted(call, f.eligible_alumnus(office)), users["officer"])
    from alumni_app.grants import reviews

    reviews.assign(users["manager"], application, users["officer"])
    db.session.commit()
    first = call.criteria[0]
    response = login(users["officer"]).post(
        f"/staff/grants/applications/{application.id}/review",
        data={f"score_{first.id}": "4", "recommendation": "fund", "action": "submit",
              "version": "1"})
    assert response.status_code == 400 and "Score every criterion." in response.get_data(
        as_text=True)


def test_internal_comments_stay_internal(app, login, office, users, call):
    applicant = f.eligible_alumnus(office)
    application = f.submitted(call, applicant)
    staff = login(users["officer"])
    staff.post(f"/staff/grants/applications/{application.id}/comments",
               data={"body": "Budget looks padded."})
    staff.post(f"/staff/grants/applications/{application.id}/comments",
               data={"body": "Please send the venue quote.", "shared": "y"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GrantComment)) == 2
    page = login(applicant).get(f"/grants/applications/{application.id}").get_data(as_text=True)
    assert "Please send the venue quote." in page and "Budget looks padded." not in page


def test_an_approval_over_the_remaining_budget_is_refused_with_the_form_kept(
        app, login, office, users):
    call = f.make_call(office, users["manager"], total_budget=D("2000.00"),
                       ceiling=D("2000.00"))
    f.approved(f.reviewed_application(office, users, call=call), users["manager"])
    second = f.reviewed_application(office, users, call=call)
    response = login(users["manager"]).post(
        f"/staff/grants/applications/{second.id}/approve",
        data={"amount": "1 500,00", "usd_rate": "0,0915", "conditions": "Quarterly reports",
              "tranches-0-amount": "1500", "tranches-0-planned_on": f.today().isoformat(),
              "tranches-0-report_due_on": (f.today() + timedelta(days=60)).isoformat()})
    page = text(response)
    assert response.status_code == 409
    assert "Only 500.00 of the call's budget is left" in page
    assert "Quarterly reports" in page
    db.session.expire_all()
    assert db.session.get(GrantApplication, second.id).state == "in_review"


def test_versions_show_what_changed(app, login, office, users, call):
    applicant = f.eligible_alumnus(office)
    application = f.in_review(f.submitted(call, applicant), users["officer"])
    from alumni_app.grants import applications, reviews

    reviews.request_revision(users["officer"], application, "Say which schools.")
    applications.save_draft(applicant, application,
                            f.proposal(summary="Filters for the ten schools of Khujand."),
                            f.BUDGET, None)
    applications.submit(applicant, application, "second")
    db.session.commit()
    page = login(applicant).get(f"/grants/applications/{application.id}/versions")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert ("Filters for <ins>the </ins>ten <del>schools.</del><ins>schools of Khujand.</ins>"
            in text)
    assert "What changed from version 1 to version 2" in text


def test_a_renamed_executable_is_not_a_receipt(app, login, office, users):
    applicant = f.eligible_alumnus(office)
    application = f.approved(f.reviewed_application(office, users, applicant=applicant),
                             users["manager"])
    from alumni_app.grants import money

    money.release(users["manager"], money.tranches(application)[0], "")
    db.session.commit()
    report = money.reports(application)[0]
    line = application.budget_lines[0]
    http = login(applicant)
    response = http.post(f"/grants/reports/{report.id}/receipts", data={
        "budget_line": str(line.id), "paid_on": f.today().isoformat(), "amount": "100",
        "description": "Filters", "scan": (io.BytesIO(files.executable()), "receipt.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert "whatever its name says" in text(response)
    over = http.post(f"/grants/reports/{report.id}/receipts", data={
        "budget_line": str(line.id), "paid_on": f.today().isoformat(), "amount": "5 000",
        "description": "Filters", "scan": (io.BytesIO(files.pdf()), "receipt.pdf")},
        content_type="multipart/form-data")
    assert over.status_code == 400 and "over its budget" in text(over)
    assert report.receipts == []


@pytest.mark.parametrize("url", ["/grants/applications/{id}/comments",
                                 "/staff/grants/applications/{id}/comments"])
def test_staff_cannot_comment_on_a_draft_they_cannot_open(app, login, office, users, outbox,
                                                          application, url):
    outbox.clear()
    for staff in ("officer", "manager"):
        response = login(users[staff]).post(url.format(id=application.id),
                                            data={"message": "Hello", "body": "Hello",
                                                  "shared": "y"})
        assert response.status_code in (403, 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GrantComment)) == 0
    assert outbox == []
    from alumni_app.mail import OutboundEmail

    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == 0


def test_inviting_saves_what_was_typed_in_the_proposal(app, login, office, application,
                                                       applicant):
    partner = f.eligible_alumnus(office)
    http = login(applicant)
    response = http.post(f"/grants/applications/{application.id}/team", data={
        **form_data(title="Typed, then invited"), **edit_form(http, application),
        "email": partner.email, "role": "Trainer"})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(GrantApplication, application.id)
    assert stored.title == "Typed, then invited"
    assert [m.user_id for m in stored.team] == [partner.id]


def test_a_refused_invitation_keeps_the_proposal_as_typed_and_saves_nothing(
        app, login, application, applicant):
    http = login(applicant)
    response = http.post(f"/grants/applications/{application.id}/team", data={
        **form_data(title="Typed, not yet saved"), **edit_form(http, application),
        "email": "nobody@example.org"})
    page = text(response)
    assert response.status_code == 400 and "No alumnus with a linked record" in page
    assert 'value="Typed, not yet saved"' in page and 'value="nobody@example.org"' in page
    db.session.expire_all()
    stored = db.session.get(GrantApplication, application.id)
    assert stored.title != "Typed, not yet saved" and stored.team == []


def test_an_invitation_waits_for_a_proposal_that_can_be_saved(app, login, office,
                                                              application, applicant):
    partner = f.eligible_alumnus(office)
    http = login(applicant)
    response = http.post(f"/grants/applications/{application.id}/team", data={
        **form_data(title="Kept", **{"budget-0-quantity": "-1"}),
        **edit_form(http, application), "email": partner.email})
    page = text(response)
    assert response.status_code == 400 and "correct the marked fields" in page
    assert "This cannot be negative." in page and 'value="Kept"' in page
    db.session.expire_all()
    assert db.session.get(GrantApplication, application.id).team == []


def test_attaching_and_removing_save_what_was_typed(app, login, office, application,
                                                    applicant):
    http = login(applicant)
    attached = http.post(f"/grants/applications/{application.id}/files", data={
        **form_data(summary="Typed, then attached"), **edit_form(http, application),
        "attachment": (io.BytesIO(files.pdf()), "plan.pdf")},
        content_type="multipart/form-data")
    assert attached.status_code == 302
    db.session.expire_all()
    stored = db.session.get(GrantApplication, application.id)
    assert stored.summary == "Typed, then attached" and len(stored.files) == 1
    removed = http.post(
        f"/grants/applications/{application.id}/files/{stored.files[0].id}/remove",
        data={**form_data(summary="Typed, then removed"), **edit_form(http, application)})
    assert removed.status_code == 302
    db.session.expire_all()
    stored = db.session.get(GrantApplication, application.id)
    assert stored.summary == "Typed, then removed" and stored.files == []


def test_the_invite_and_attach_buttons_belong_to_the_proposals_form(app, login, application,
                                                                    applicant):
    page = text(login(applicant).get(f"/grants/applications/{application.id}/edit"))
    # One form of the application: every button on the page posts (and saves) the text.
    assert page.count('<form method="post" action="/grants/') == 1
    assert 'form="proposal" formaction="/grants/applications/' in page
    assert re.search(r'<input[^>]*form="proposal"[^>]*name="email"|<input[^>]*name="email"'
                     r'[^>]*form="proposal"', page)


def test_a_refused_attachment_saves_nothing_and_keeps_the_text(app, login, application,
                                                                applicant):
    """The proposal's save and the file are one transaction, committed by the view or not."""
    http = login(applicant)
    response = http.post(f"/grants/applications/{application.id}/files", data={
        **form_data(title="Typed with a bad file"), **edit_form(http, application),
        "attachment": (io.BytesIO(files.executable()), "plan.pdf")},
        content_type="multipart/form-data")
    page = text(response)
    assert response.status_code == 400 and "whatever its name says" in page
    assert 'value="Typed with a bad file"' in page
    db.session.expire_all()
    stored = db.session.get(GrantApplication, application.id)
    assert stored.title != "Typed with a bad file" and stored.files == []


def test_report_evidence_is_attached_and_a_bad_file_refused(app, login, office, users):
    from alumni_app.grants import money

    applicant = f.eligible_alumnus(office)
    grant = f.approved(f.reviewed_application(office, users, applicant=applicant),
                       users["manager"])
    money.release(users["manager"], money.tranches(grant)[0], "")
    db.session.commit()
    report = money.reports(grant)[0]
    http = login(applicant)
    url = f"/grants/reports/{report.id}/evidence"
    bad = http.post(url, data={"attachment": (io.BytesIO(files.executable()), "photo.pdf")},
                    content_type="multipart/form-data")
    assert bad.status_code == 400 and "whatever its name says" in text(bad)
    good = http.post(url, data={"attachment": (io.BytesIO(files.pdf()), "photos.pdf")},
                     content_type="multipart/form-data")
    assert good.status_code == 302
    db.session.expire_all()
    from alumni_app.grants.money_models import GrantReport

    assert [e.original_name for e in db.session.get(GrantReport, report.id).evidence] == [
        "photos.pdf"]


def _input(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    assert match, name
    return match.group(0)


def test_amount_and_count_boxes_are_text_boxes_that_take_a_decimal_comma(
        app, login, application, applicant):
    """No type=number: browsers refuse "12,5" there (or "12.5", by their language)."""
    http = login(applicant)
    page = http.get(f"/grants/applications/{application.id}/edit").get_data(as_text=True)
    assert 'type="number"' not in page
    for name in ("budget-0-quantity", "budget-0-unit_cost"):
        assert 'inputmode="decimal"' in _input(page, name)
    assert 'inputmode="numeric"' in _input(page, "people_to_reach")
    saved = http.post(f"/grants/applications/{application.id}/edit", data={
        **form_data(**{"budget-0-quantity": "2,5", "budget-0-unit_cost": "12,5"}),
        **edit_form(http, application), "action": "save"})
    assert saved.status_code == 302
    db.session.expire_all()
    line = db.session.scalar(sa.select(BudgetLine).order_by(BudgetLine.position))
    assert (line.quantity, line.unit_cost) == (D("2.50"), D("12.50"))
