"""Who declared a conflict of interest on an application takes no part in handling it."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.grants import money, reviews, workflow
from alumni_app.grants.models import GrantApplication
from alumni_app.grants.money_models import GrantReport, Tranche
from alumni_app.grants.review_models import GrantComment
from tests import factories
from tests.grants import factories as f


def _state(application) -> str:
    return db.session.scalar(sa.select(GrantApplication.state).where(
        GrantApplication.id == application.id))


def _conflicted(application, user, manager) -> None:
    review = reviews.own_review(user, application) or reviews.assign(manager, application, user)
    reviews.declare_conflict(user, review, "My cousin leads the project.")
    db.session.commit()


def test_a_conflicted_officer_does_not_screen(app, login, office, users):
    application = f.submitted(f.make_call(office, users["manager"]), f.eligible_alumnus(office))
    _conflicted(application, users["officer"], users["manager"])
    assert workflow.allowed_actions(application, users["officer"]) == []
    response = login(users["officer"]).post(
        f"/staff/grants/applications/{application.id}/screen", data={"decision": "eligible"})
    assert response.status_code == 403 and _state(application) == "submitted"
    page = login(users["officer"]).get(f"/staff/grants/applications/{application.id}")
    assert "you take no part in screening, deciding or paying it" in page.get_data(as_text=True)


def test_a_conflicted_manager_neither_sends_back_nor_decides(app, login, office, users):
    application = f.in_review(f.submitted(f.make_call(office, users["manager"]),
                                          f.eligible_alumnus(office)), users["officer"])
    http = login(users["manager"])
    assert http.post(f"/staff/grants/applications/{application.id}/reviewers",
                     data={"reviewer_id": str(users["manager"].id)}).status_code == 302
    assert http.post(f"/staff/grants/applications/{application.id}/review/conflict",
                     data={"note": "My cousin."}).status_code == 302
    f.review_by(application, users["officer"], users["admin"])
    f.review_by(application, factories.make_user("officer", office), users["admin"])
    revision = http.post(f"/staff/grants/applications/{application.id}/revision",
                         data={"message": "Change it."})
    assert revision.status_code == 403
    due = (f.TODAY + timedelta(days=60)).isoformat()
    for url, data in [("approve", {"amount": "1500", "usd_rate": "0.09",
                                   "tranches-0-amount": "1500",
                                   "tranches-0-planned_on": f.TODAY.isoformat(),
                                   "tranches-0-report_due_on": due}),
                      ("reject", {"reason": "No."})]:
        response = http.post(f"/staff/grants/applications/{application.id}/{url}", data=data)
        assert response.status_code == 403, url
    assert http.post(f"/staff/grants/applications/{application.id}/reviewers",
                     data={"reviewer_id": str(users["admin"].id)}).status_code == 403
    assert _state(application) == "in_review"
    f.approved(application, users["admin"])  # another manager decides
    assert _state(application) == "approved"


def test_a_conflicted_officer_does_not_accept_the_reports(app, login, office, users):
    applicant = f.eligible_alumnus(office)
    application = f.reviewed_application(office, users, applicant=applicant)
    conflicted = factories.make_user("officer", office)
    _conflicted(application, conflicted, users["manager"])
    f.approved(application, users["manager"])
    money.release(users["manager"], money.tranches(application)[0], "PO-1")
    db.session.commit()
    interim = money.reports(application)[0]
    f.spend(application, applicant, interim, amount="750.00")
    money.submit_report(applicant, interim, {"narrative": "Done."})
    db.session.commit()
    http = login(conflicted)
    response = http.post(f"/staff/grants/reports/{interim.id}/review",
                         data={"decision": "accept"})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(GrantReport.state).where(
        GrantReport.id == interim.id)) == "submitted"
    assert http.post(f"/staff/grants/applications/{application.id}/refunds",
                     data={"amount": "1", "returned_on": f.TODAY.isoformat()}
                     ).status_code == 403
    money.review_report(users["officer"], interim, True, "")  # a colleague without one can
    db.session.commit()
    assert db.session.get(GrantReport, interim.id).state == "accepted"
    second = money.tranches(application)[1]
    assert workflow.allowed_actions(second, conflicted) == []
    assert db.session.get(Tranche, second.id).state == "planned"


def test_a_conflicted_officer_neither_comments_nor_reads_the_internal_notes(app, login, office,
                                                                          users, outbox):
    application = f.submitted(f.make_call(office, users["manager"]), f.eligible_alumnus(office))
    reviews.screen(users["officer"], application, True, "Record checked by phone.")
    colleague = factories.make_user("officer", office, display_name="Zarina Colleague")
    reviews.assign(users["manager"], application, colleague)
    reviews.add_comment(users["manager"], application, "Internal: the budget looks padded.",
                        shared=False)
    reviews.add_comment(users["manager"], application, "Please send the venue quote.",
                        shared=True)
    db.session.commit()
    conflicted = factories.make_user("officer", office)
    _conflicted(application, conflicted, users["manager"])
    http = login(conflicted)
    outbox.clear()
    response = http.post(f"/staff/grants/applications/{application.id}/comments",
                         data={"body": "I know them well.", "shared": "y"})
    assert response.status_code == 403 and outbox == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GrantComment).where(
        GrantComment.author_id == conflicted.id)) == 0
    page = http.get(f"/staff/grants/applications/{application.id}").get_data(as_text=True)
    assert "Please send the venue quote." in page  # what the applicant reads too
    for internal in ("the budget looks padded", "Record checked by phone", "Zarina Colleague",
                     "Reviewer assigned", "Add comment"):
        assert internal not in page, internal
    # A colleague without a conflict reads and writes all of it.
    page = login(users["officer"]).get(f"/staff/grants/applications/{application.id}")
    text = page.get_data(as_text=True)
    for internal in ("the budget looks padded", "Record checked by phone", "Zarina Colleague",
                     "Reviewer assigned", "Add comment"):
        assert internal in text, internal


def test_a_conflicted_manager_does_not_remind_the_reviewers(app, login, office, users, outbox):
    application = f.in_review(f.submitted(f.make_call(office, users["manager"]),
                                          f.eligible_alumnus(office)), users["officer"])
    waiting = factories.make_user("officer", office)
    reviews.assign(users["admin"], application, waiting)
    db.session.commit()
    _conflicted(application, users["manager"], users["admin"])
    http = login(users["manager"])
    assert "Remind the reviewers" not in http.get(
        f"/staff/grants/applications/{application.id}").get_data(as_text=True)
    outbox.clear()
    response = http.post(f"/staff/grants/applications/{application.id}/remind")
    assert response.status_code == 403 and outbox == []
    assert reviews.own_review(waiting, application).reminded_at is None
    other = login(users["admin"])  # a manager without a conflict can
    assert other.post(f"/staff/grants/applications/{application.id}/remind").status_code == 302
    assert [m["To"] for m in outbox] == [waiting.email]
