"""Co-applicants, withdrawal, calls closed and extended, conflicts of interest, reminders."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.grants import applications, calls, reviews
from alumni_app.grants.models import GrantApplication, GrantCall
from alumni_app.grants.review_models import Review
from tests import factories
from tests.grants import factories as f


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _sector(record_user, name):
    sector = factories.make_sector(name_en=name)
    record = db.session.scalar(sa.select(AlumnusRecord).filter_by(user_id=record_user.id))
    record.sectors.append(sector)
    db.session.commit()


def test_a_co_applicant_confirms_and_a_cross_sector_team_is_shown(app, login, office, users):
    call = f.make_call(office, users["manager"])
    applicant, partner = f.eligible_alumnus(office), f.eligible_alumnus(office)
    _sector(applicant, "Health")
    _sector(partner, "Education")
    application = f.draft(call, applicant)
    response = login(applicant).post(f"/grants/applications/{application.id}/team",
                                     data={"email": partner.email.upper(), "role": "Trainer"})
    assert response.status_code == 302
    member = application.team[0]
    assert member.state == "invited"
    partner_http = login(partner)
    assert partner_http.get(f"/grants/applications/{application.id}").status_code == 200
    partner_http.post(f"/grants/team/{member.id}/answer", data={"accept": "yes"})
    db.session.refresh(member)
    assert member.state == "confirmed"
    page = text(login(applicant).get(f"/grants/applications/{application.id}"))
    assert "Cross-sector team" in page and "Education" in page


def test_only_alumni_of_the_office_with_a_record_can_join(app, login, office, other_office,
                                                          users, make_user):
    call = f.make_call(office, users["manager"])
    applicant = f.eligible_alumnus(office)
    application = f.draft(call, applicant)
    http = login(applicant)
    foreign = f.eligible_alumnus(other_office)
    no_record = make_user(role="alumnus")
    for email, message in [(foreign.email, "same country as the call"),
                           (no_record.email, "No alumnus with a linked record"),
                           (users["officer"].email, "No alumnus with a linked record"),
                           (applicant.email, "You are the applicant already")]:
        response = http.post(f"/grants/applications/{application.id}/team",
                             data={"email": email})
        assert response.status_code == 400 and message in text(response), email
    assert application.team == []


def test_someone_else_cannot_answer_an_invitation(app, login, office, users):
    call = f.make_call(office, users["manager"])
    applicant, partner = f.eligible_alumnus(office), f.eligible_alumnus(office)
    application = f.draft(call, applicant)
    member = applications.add_team_member(applicant, application, partner.email)
    db.session.commit()
    response = login(applicant).post(f"/grants/team/{member.id}/answer", data={"accept": "yes"})
    assert response.status_code == 403
    db.session.refresh(member)
    assert member.state == "invited"


def test_the_applicant_withdraws_after_confirming(app, login, office, users):
    call = f.make_call(office, users["manager"])
    applicant = f.eligible_alumnus(office)
    application = f.submitted(call, applicant)
    http = login(applicant)
    page = http.get(f"/grants/applications/{application.id}/withdraw")
    assert page.status_code == 200 and "cannot be submitted again" in text(page)
    assert http.post(f"/grants/applications/{application.id}/withdraw",
                     data={"message": "Moved to another ministry."}).status_code == 302
    db.session.expire_all()
    assert db.session.get(GrantApplication, application.id).state == "withdrawn"
    again = http.post(f"/grants/applications/{application.id}/withdraw", data={})
    assert again.status_code == 302 and db.session.get(
        GrantApplication, application.id).state == "withdrawn"


def test_a_call_closed_early_takes_no_application_until_extended(app, login, office, users):
    call = f.make_call(office, users["manager"])
    applicant = f.eligible_alumnus(office)
    application = f.draft(call, applicant)
    http = login(users["manager"])
    assert http.post(f"/staff/grants/calls/{call.id}/close",
                     data={"message": "Budget used up."}).status_code == 302
    newcomer = login(f.eligible_alumnus(office))
    refused = newcomer.post(f"/grants/calls/{call.id}/apply")
    assert refused.status_code == 403 and "not open for applications" in text(refused)
    late = login(applicant).post(f"/grants/applications/{application.id}/edit", data={
        **{k: v for k, v in f.proposal().items() if not k.endswith("_on")},
        "starts_on": str(f.today() + timedelta(days=40)),
        "ends_on": str(f.today() + timedelta(days=90)), "region_id": "0", "plan_id": "0",
        "budget-0-category": "venue", "budget-0-description": "Hall",
        "budget-0-quantity": "1", "budget-0-unit_cost": "100", "action": "submit"})
    assert late.status_code == 409 and "closed this call early" in text(late)
    new_close = (utcnow() + timedelta(days=60)).replace(tzinfo=None) + timedelta(hours=5)
    early = http.post(f"/staff/grants/calls/{call.id}/extend",
                      data={"closes_at": "2020-01-01T10:00"})
    assert early.status_code == 400 and "must be later" in text(early)
    assert http.post(f"/staff/grants/calls/{call.id}/extend", data={
        "closes_at": new_close.strftime("%Y-%m-%dT%H:%M")}).status_code == 302
    db.session.expire_all()
    reopened = db.session.get(GrantCall, call.id)
    assert reopened.state == "published" and reopened.is_open()
    applications.submit(applicant, db.session.get(GrantApplication, application.id), "tok")
    db.session.commit()


def test_a_published_call_cannot_be_edited(app, login, office, users):
    call = f.make_call(office, users["manager"])
    assert login(users["manager"]).get(f"/staff/grants/calls/{call.id}/edit").status_code == 403


def test_a_reviewer_with_a_conflict_cannot_score(app, login, office, users):
    call = f.make_call(office, users["manager"])
    application = f.in_review(f.submitted(call, f.eligible_alumnus(office)), users["officer"])
    http = login(users["manager"])
    assert http.post(f"/staff/grants/applications/{application.id}/reviewers",
                     data={"reviewer_id": str(users["officer"].id)}).status_code == 302
    officer = login(users["officer"])
    assert officer.post(f"/staff/grants/applications/{application.id}/review/conflict",
                        data={"note": "My cousin."}).status_code == 302
    scores = {f"score_{c.id}": "5" for c in call.criteria}
    response = officer.post(f"/staff/grants/applications/{application.id}/review",
                            data={**scores, "recommendation": "fund", "action": "submit"})
    assert response.status_code == 409
    review = db.session.scalar(sa.select(Review))
    assert review.state == "conflict" and review.scores == []


def test_managers_remind_the_missing_reviewers(app, login, office, users, outbox):
    call = f.make_call(office, users["manager"])
    application = f.in_review(f.submitted(call, f.eligible_alumnus(office)), users["officer"])
    second = factories.make_user("officer", office)
    reviews.assign(users["manager"], application, users["officer"])
    reviews.assign(users["manager"], application, second)
    db.session.commit()
    f.review_by(application, users["officer"], users["manager"])
    outbox.clear()
    response = login(users["manager"]).post(f"/staff/grants/applications/{application.id}/remind")
    assert response.status_code == 302
    assert [m["To"] for m in outbox] == [second.email]
    assert "missing" in outbox[0]["Subject"]
    page = text(login(users["manager"]).get(f"/staff/grants/applications/{application.id}"))
    assert "1 of 2 required reviews are in." in page


def test_an_officer_cannot_assign_reviewers_or_decide(app, login, office, users):
    application = f.reviewed_application(office, users)
    http = login(users["officer"])
    assert http.post(f"/staff/grants/applications/{application.id}/reviewers",
                     data={"reviewer_id": str(users["officer"].id)}).status_code == 403
    assert http.get(f"/staff/grants/applications/{application.id}/approve").status_code == 403
    assert http.post(f"/staff/grants/applications/{application.id}/reject",
                     data={"reason": "No."}).status_code == 403
    db.session.expire_all()
    assert db.session.get(GrantApplication, application.id).state == "in_review"


def test_staff_do_not_open_drafts(app, login, office, users):
    application = f.draft(f.make_call(office, users["manager"]), f.eligible_alumnus(office))
    assert login(users["officer"]).get(
        f"/staff/grants/applications/{application.id}").status_code == 404


def test_times_are_typed_and_shown_in_the_office_zone(app, login, office, users):
    http = login(users["manager"])
    http.post("/staff/grants/calls/new", data={
        "title": "Dushanbe time", "opens_at": "2026-01-10T09:00", "closes_at": "2036-02-28T18:00",
        "total_budget": "1000", "ceiling": "100", "min_months_since_training": "0",
        "min_team_size": "1", "reviews_required": "1", "criteria-0-name": "Relevance",
        "criteria-0-weight": "1", "criteria-0-scale_max": "5"})
    call = db.session.scalar(sa.select(GrantCall).filter_by(title="Dushanbe time"))
    assert (call.closes_at.hour, calls.to_local(call.closes_at, office).hour) == (13, 18)
    http.post(f"/staff/grants/calls/{call.id}/publish")
    alumnus = login(f.eligible_alumnus(office))  # an alumnus of the office: its zone too
    page = " ".join(text(alumnus.get(f"/grants/calls/{call.id}")).split())
    assert "to 2/28/36, 18:00 (Dushanbe time)" in page


def test_the_data_download_holds_the_persons_grants_and_plans(app, login, office, users):
    import json

    from tests.plans import factories as plan_factories

    applicant = f.eligible_alumnus(office)
    f.submitted(f.make_call(office, users["manager"]), applicant)
    record = db.session.scalar(sa.select(AlumnusRecord).filter_by(user_id=applicant.id))
    from alumni_app.plans import services as plan_services
    from alumni_app.plans.services import MilestoneRow

    plan_services.ensure_default_barriers()
    plan_factories.make_plan(record.participations[0], applicant, title="Clean rivers plan",
                             milestones=[MilestoneRow("Seminar", f.today())])
    http = login(applicant)
    data = json.loads(http.get("/me/data.json").get_data(as_text=True))
    grant = data["grant_applications"][0]
    assert (grant["title"], grant["state"], grant["requested_amount"]) == (
        "Clean water for Khujand schools", "submitted", "1500.00")
    assert [line["description"] for line in grant["budget"]] == ["Water filters",
                                                                 "Installation"]
    assert data["action_plans"][0]["title"] == "Clean rivers plan"
    page = text(http.get("/me/data"))
    assert "Mini-grant applications" in page and "Clean water for Khujand schools" in page
    assert "Action plans" in page and "Clean rivers plan" in page


def _revised_after_reviews(office, users):
    """Reviewed at version 1 by the officer and the admin, then revised: version 2."""
    application = f.reviewed_application(office, users)
    reviews.request_revision(users["manager"], application, "Say which schools.")
    applications.save_draft(application.applicant, application,
                            f.proposal(summary="Filters for the ten schools of Khujand."),
                            f.BUDGET, None)
    applications.submit(application.applicant, application, "revised-1")
    db.session.commit()
    return application


def _approval(**extra) -> dict:
    return {"amount": "1500", "usd_rate": "0.09", "conditions": "Quarterly",
            "tranches-0-amount": "1500", "tranches-0-planned_on": f.today().isoformat(),
            "tranches-0-report_due_on": (f.today() + timedelta(days=60)).isoformat(), **extra}


def test_a_decision_on_reviews_of_an_earlier_version_is_taken_knowingly(app, login, office,
                                                                        users):
    application = _revised_after_reviews(office, users)
    http = login(users["manager"])
    staff_page = text(http.get(f"/staff/grants/applications/{application.id}"))
    assert staff_page.count("scored version 1") == 2 and "an earlier version" in staff_page
    form = text(http.get(f"/staff/grants/applications/{application.id}/approve"))
    assert "scored an earlier version of the application" in form
    assert "Decide on reviews of an earlier version" in form
    refused = http.post(f"/staff/grants/applications/{application.id}/approve",
                        data=_approval())
    page = text(refused)
    assert refused.status_code == 400 and "Tick “Decide on reviews of an earlier" in page
    assert "Quarterly" in page  # the form comes back as typed
    db.session.expire_all()
    assert db.session.get(GrantApplication, application.id).state == "in_review"
    rejected = http.post(f"/staff/grants/applications/{application.id}/reject",
                         data={"reason": "Not now."})
    assert rejected.status_code == 400
    assert db.session.get(GrantApplication, application.id).state == "in_review"
    approved = http.post(f"/staff/grants/applications/{application.id}/approve",
                         data=_approval(confirm_earlier="y"))
    assert approved.status_code == 302
    db.session.expire_all()
    assert db.session.get(GrantApplication, application.id).state == "approved"


def test_enough_reviews_of_the_current_version_need_no_confirmation(app, login, office, users):
    application = _revised_after_reviews(office, users)
    for _ in range(2):
        f.review_by(application, factories.make_user("officer", office), users["manager"])
    assert {r.version_number for r in reviews.reviews_of(application)} == {1, 2}
    # Two of version 2 are in, as many as the call requires: the decision needs no more.
    assert reviews.earlier_version_reviews(application) == []
    form = text(login(users["manager"]).get(
        f"/staff/grants/applications/{application.id}/reject"))
    assert "Decide on reviews of an earlier version" not in form
    response = login(users["manager"]).post(
        f"/staff/grants/applications/{application.id}/reject", data={"reason": "Not this year."})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(GrantApplication, application.id).state == "rejected"


def test_a_review_of_a_version_revised_meanwhile_is_refused_and_kept(app, login, office, users):
    """The reviewer opened the form at version 1; the applicant revised it before they sent
    it: the review is not recorded as one of version 2 unread, and nothing typed is lost."""
    application = f.in_review(f.submitted(f.make_call(office, users["manager"]),
                                          f.eligible_alumnus(office)), users["officer"])
    reviewer = factories.make_user("officer", office)
    reviews.assign(users["manager"], application, reviewer)
    db.session.commit()
    http = login(reviewer)
    url = f"/staff/grants/applications/{application.id}/review"
    opened = text(http.get(url))
    seen = re.search(r'name="version" type="hidden" value="(\d+)"', opened).group(1)
    assert seen == "1"
    reviews.request_revision(users["manager"], application, "Say which schools.")
    applications.save_draft(application.applicant, application,
                            f.proposal(summary="Filters for the ten schools of Khujand."),
                            f.BUDGET, None)
    applications.submit(application.applicant, application, "revised-while-reviewed")
    db.session.commit()
    data = {**{f"score_{c.id}": "4" for c in application.call.criteria},
            "recommendation": "fund", "comment": "My careful comment.", "action": "submit",
            "version": seen}
    refused = http.post(url, data=data)
    page = text(refused)
    assert refused.status_code == 409 and "revised this application since you opened" in page
    assert "version 2 is the current one" in page and "My careful comment." in page
    review = reviews.own_review(reviewer, application)
    db.session.refresh(review)
    assert (review.state, review.version_number, review.scores) == ("assigned", None, [])
    again = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    assert again == "2"  # read the changes, then submit again: a review of version 2
    assert http.post(url, data={**data, "version": again}).status_code == 302
    db.session.refresh(review)
    assert (review.state, review.version_number) == ("submitted", 2)


def test_the_review_page_shows_the_proposal_and_budget_being_scored(app, login, office, users):
    """A reviewer reads the version they score next to the form, not in a second tab: above
    the form in the page (a phone shows it first), beside it on a wide screen."""
    call = f.make_call(office, users["manager"])
    application = f.in_review(f.submitted(call, f.eligible_alumnus(office),
                                          problem="Unsafe water in ten schools.",
                                          objectives="Safe water for 3,000 pupils."),
                              users["officer"])
    reviewer = factories.make_user("officer", office)
    reviews.assign(users["manager"], application, reviewer)
    # What the applicant types in a later revision is not what this reviewer scores.
    application.problem = "A draft of the next version."
    db.session.commit()
    page = text(login(reviewer).get(f"/staff/grants/applications/{application.id}/review"))
    proposal = page[page.index("The proposal you score"):page.index('name="version"')]
    for shown in ("Version 1, submitted", "Filters for ten schools.",
                  "Unsafe water in ten schools.", "Safe water for 3,000 pupils.",
                  "Buy and install filters; train caretakers.", "Pupils (3,000)",
                  "Water filters", "120.00", "1,200.00", "Installation", "300.00",
                  "1,500.00 TJS"):
        assert shown in proposal, shown
    assert "A draft of the next version." not in page
    assert 'class="col-lg-6"' in page  # two columns from a wide screen on


def test_the_review_page_in_russian_shows_the_proposal_in_the_readers_words(
        app, login, office, users):
    application = f.in_review(f.submitted(f.make_call(office, users["manager"]),
                                          f.eligible_alumnus(office)), users["officer"])
    reviewer = factories.make_user("officer", office, preferred_language="ru")
    reviews.assign(users["manager"], application, reviewer)
    db.session.commit()
    page = text(login(reviewer).get(f"/staff/grants/applications/{application.id}/review"))
    proposal = page[page.index("Заявка, которую вы оцениваете"):]
    assert "Оборудование" in proposal
    assert "1 500,00 TJS" in proposal.replace("\u00a0", " ").replace("\u202f", " ")
