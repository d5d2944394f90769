"""The whole mini-grant cycle through the services: call, application, review, decision, money."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.grants import applications, calls, decisions, money, reviews, workflow
from alumni_app.grants.applications import ApplicationError, SubmissionRefused
from alumni_app.grants.models import AppState, GrantApplication, GrantEvent
from alumni_app.grants.workflow import WorkflowError
from alumni_app.mail import OutboundEmail
from tests.grants import factories as f

D = Decimal


def test_the_done_when_cycle_adds_up(app, office, users):
    manager, officer, admin = users["manager"], users["officer"], users["admin"]
    call = f.make_call(office, manager, min_team_size=2)
    applicant = f.eligible_alumnus(office, preferred_language="ru")
    partner = f.eligible_alumnus(office)

    application = f.draft(call, applicant)
    applications.add_team_member(applicant, application, partner.email, "Teacher")
    db.session.commit()
    with pytest.raises(SubmissionRefused) as refused:
        applications.submit(applicant, application, "t1")
    assert [p.code for p in refused.value.problems] == ["team-size"]
    db.session.rollback()

    applications.answer_invitation(partner, application.team[0], accept=True)
    applications.submit(applicant, application, "t1")
    db.session.commit()
    assert application.state == "submitted" and application.requested_amount == D("1500.00")

    f.in_review(application, officer)
    f.review_by(application, officer, manager)
    f.review_by(application, admin, manager)
    reviews.request_revision(manager, application, "Add a caretaker training line.")
    db.session.commit()
    budget = [*f.BUDGET, applications.BudgetRow("personnel", "Caretaker training", D("2"),
                                                D("50.00"))]
    applications.save_draft(applicant, application, f.proposal(), budget, None)
    applications.submit(applicant, application, "t2")
    db.session.commit()
    assert application.state == "in_review" and application.requested_amount == D("1600.00")
    assert [v.number for v in applications.versions(application)] == [1, 2]

    with pytest.raises(decisions.DecisionError) as earlier:  # the reviews scored version 1
        f.approved(application, manager, D("1600.00"), parts=2)
    assert earlier.value.code == "earlier-reviews"
    db.session.rollback()
    f.approved(application, manager, D("1600.00"), parts=2, earlier_reviews_confirmed=True)
    first, second = money.tranches(application)
    interim, final = money.reports(application)
    money.release(manager, first, "PO-1")
    db.session.commit()
    with pytest.raises(WorkflowError) as early:
        money.release(manager, second, "PO-2")
    assert early.value.code == "previous-report"
    db.session.rollback()

    f.spend(application, applicant, interim, 0, "800.00")
    money.submit_report(applicant, interim, {"narrative": "Filters bought.", "people_reached": 0})
    money.review_report(officer, interim, accept=True, message="")
    money.release(manager, second, "PO-2")
    db.session.commit()
    f.spend(application, applicant, final, 1, "300.00")
    f.spend(application, applicant, final, 2, "100.00")
    money.submit_report(applicant, final, {"narrative": "All installed.", "people_reached": 3000,
                                           "women": 1600, "men": 1400})
    money.review_report(officer, final, accept=True, message="Thank you.")
    db.session.commit()
    with pytest.raises(WorkflowError) as unsettled:
        money.close(manager, application)
    assert unsettled.value.code == "money-unsettled"
    db.session.rollback()
    money.record_refund(officer, application, D("400.00"), f.today(), "Bank 77")
    money.close(manager, application)
    db.session.commit()

    db.session.refresh(call)
    assert application.state == "closed"
    assert (call.committed, call.disbursed, call.returned) == (D("1600.00"), D("1600.00"),
                                                               D("400.00"))
    figures = calls.figures(call)
    assert figures.remaining + figures.committed == figures.budget == D("10000.00")
    actions = db.session.scalars(sa.select(GrantEvent.action).where(
        GrantEvent.application_id == application.id).order_by(GrantEvent.id)).all()
    assert actions[:2] == ["created", "team_invited"]
    assert {"submit", "mark_eligible", "request_revision", "resubmit", "approve",
            "tranche_release", "report_submit", "report_accept", "refund_recorded",
            "close"} <= set(actions)
    queued = db.session.execute(sa.select(OutboundEmail.recipient, OutboundEmail.subject)
                                .order_by(OutboundEmail.id)).all()
    to_applicant = [subject for recipient, subject in queued if recipient == applicant.email]
    # In the applicant's language: submission (twice), revision, decision, two payments, two
    # reports accepted, closing.
    assert len(to_applicant) == 9
    assert to_applicant[0].startswith("Ваша заявка получена")
    assert any(r == partner.email for r, _ in queued)
    assert any(r == admin.email and "review" in s for r, s in queued)


def test_an_approval_over_the_remaining_budget_is_refused_and_nothing_changes(
        app, office, users):
    call = f.make_call(office, users["manager"], total_budget=D("2000.00"),
                       ceiling=D("2000.00"))
    first = f.reviewed_application(office, users, call=call)
    second = f.reviewed_application(office, users, call=call)
    f.approved(first, users["manager"], D("1500.00"))
    with pytest.raises(decisions.DecisionError) as refused:
        decisions.approve(users["manager"], second, D("1500.00"), D("0.09"), "",
                          f.schedule(D("1500.00")))
    assert refused.value.code == "over-budget"
    db.session.rollback()
    db.session.refresh(second)
    db.session.refresh(call)
    assert second.state == "in_review" and second.approved_amount is None
    assert call.committed == D("1500.00")


def test_a_reviewer_cannot_decide_and_decisions_wait_for_the_reviews(app, office, users):
    call = f.make_call(office, users["manager"])
    application = f.in_review(f.submitted(call, f.eligible_alumnus(office)), users["officer"])
    with pytest.raises(WorkflowError) as waiting:
        decisions.reject(users["manager"], application, "No.")
    assert waiting.value.code == "reviews-missing"
    f.review_by(application, users["officer"], users["manager"])
    f.review_by(application, users["manager"], users["manager"])
    with pytest.raises(WorkflowError) as own:
        decisions.reject(users["manager"], application, "No.")
    assert own.value.code == "decider-reviewed" and own.value.status == 403
    decisions.reject(users["admin"], application, "Not this year.")
    db.session.commit()
    assert application.state == "rejected" and application.decision_reason == "Not this year."


def test_submitting_twice_with_the_same_token_submits_once(app, office, users):
    call = f.make_call(office, users["manager"])
    applicant = f.eligible_alumnus(office)
    application = f.draft(call, applicant)
    applications.submit(applicant, application, "same")
    db.session.commit()
    with pytest.raises(ApplicationError) as again:
        applications.submit(applicant, application, "same")
    assert again.value.code == "already-submitted"
    db.session.rollback()
    assert len(applications.versions(application)) == 1


def test_a_stale_form_cannot_overwrite_a_submitted_application(app, office, users):
    call = f.make_call(office, users["manager"])
    applicant = f.eligible_alumnus(office)
    application = f.draft(call, applicant)
    opened_at = application.edit_version
    applications.submit(applicant, application, "tok")
    db.session.commit()
    with pytest.raises(ApplicationError) as frozen:
        applications.save_draft(applicant, application, f.proposal(title="Changed"), f.BUDGET,
                                opened_at)
    assert frozen.value.code == "frozen"
    db.session.rollback()
    assert db.session.get(GrantApplication, application.id).title != "Changed"


def test_every_transition_is_on_record_with_who_and_when(app, office, users):
    call = f.make_call(office, users["manager"])
    application = f.submitted(f.make_call(office, users["manager"]),
                              f.eligible_alumnus(office))
    event = workflow.apply_transition(application, "mark_ineligible", actor=users["officer"],
                                      message="Not an alumnus of this country.")
    db.session.commit()
    assert (event.from_state, event.to_state, event.actor_id) == (
        "submitted", "ineligible", users["officer"].id)
    assert event.occurred_at is not None and event.message.startswith("Not an alumnus")
    assert call.state == "published"
    assert application.state == AppState.INELIGIBLE.value
