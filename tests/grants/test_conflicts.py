"""Who declared a conflict of interest on an application takes no part in handling it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.grants import money, reviews, workflow
from alumni_app.grants.models import GrantApplication
from alumni_app.grants.money_models import GrantReport, Refund, Tranche
from alumni_app.grants.review_models import GrantComment, Review
from tests import factories
from tests.grants import factories as f


def _state(application) -> str:
    return db.session.scalar(sa.select(GrantApplication.state).where(
        GrantApplication.id == application.id))


def _conflicted(application, user, manager) -> None:
    review = reviews.own_review(user, application) or reviews.assign(manager, application, user)
    reviews.declare_conflict(user, review, "My cousin leads the project.")
    db.session.commit()


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# Where an application stands when the conflicted person tries to act on it.
def _submitted(office, users) -> dict:
    application = f.submitted(f.make_call(office, users["manager"]), f.eligible_alumnus(office))
    return {"application": application}


def _reviews_in(office, users) -> dict:
    """In review with two reviews in, so nothing but the conflict holds a decision back."""
    application = f.in_review(f.submitted(f.make_call(office, users["manager"]),
                                          f.eligible_alumnus(office)), users["officer"])
    f.review_by(application, users["officer"], users["admin"])
    f.review_by(application, factories.make_user("officer", office), users["admin"])
    return {"application": application}


def _waiting_reviewer(office, users) -> dict:
    application = f.in_review(f.submitted(f.make_call(office, users["manager"]),
                                          f.eligible_alumnus(office)), users["officer"])
    waiting = factories.make_user("officer", office)
    reviews.assign(users["admin"], application, waiting)
    db.session.commit()
    return {"application": application, "waiting": waiting}


def _report_submitted(office, users) -> dict:
    applicant = f.eligible_alumnus(office)
    application = f.reviewed_application(office, users, applicant=applicant)
    f.approved(application, users["manager"])
    money.release(users["manager"], money.tranches(application)[0], "PO-1")
    db.session.commit()
    interim = money.reports(application)[0]
    f.spend(application, applicant, interim, amount="750.00")
    money.submit_report(applicant, interim, {"narrative": "Done."})
    db.session.commit()
    return {"application": application, "report": interim}


DUE = (f.today() + timedelta(days=60)).isoformat()
APPROVAL = {"amount": "1500", "usd_rate": "0.09", "tranches-0-amount": "1500",
            "tranches-0-planned_on": f.today().isoformat(), "tranches-0-report_due_on": DUE}


def _app_state(expected):
    return lambda case, outbox, conflicted: _state(case["application"]) == expected


def _no_comment(case, outbox, conflicted):
    return outbox == [] and _count(GrantComment, GrantComment.author_id == conflicted.id) == 0


def _nobody_reminded(case, outbox, conflicted):
    return outbox == [] and reviews.own_review(case["waiting"],
                                               case["application"]).reminded_at is None


def _report_unreviewed(case, outbox, conflicted):
    return db.session.scalar(sa.select(GrantReport.state).where(
        GrantReport.id == case["report"].id)) == "submitted"


def _no_refund(case, outbox, conflicted):
    return _count(Refund, Refund.application_id == case["application"].id) == 0


def _no_new_reviewer(case, outbox, conflicted):
    """Two reviews in and the conflicted manager's own: nobody else was assigned."""
    return _state(case["application"]) == "in_review" and _count(
        Review, Review.application_id == case["application"].id) == 3


# (where it stands, who is conflicted, what they post, the form, what must hold afterwards)
REFUSED = {
    "officer screens": (_submitted, "officer", "/applications/{a}/screen",
                        {"decision": "eligible"}, _app_state("submitted")),
    "manager sends back": (_reviews_in, "manager", "/applications/{a}/revision",
                           {"message": "Change it."}, _app_state("in_review")),
    "manager approves": (_reviews_in, "manager", "/applications/{a}/approve", APPROVAL,
                         _app_state("in_review")),
    "manager rejects": (_reviews_in, "manager", "/applications/{a}/reject", {"reason": "No."},
                        _app_state("in_review")),
    "manager assigns a reviewer": (_reviews_in, "manager", "/applications/{a}/reviewers",
                                   {"reviewer_id": "{admin}"}, _no_new_reviewer),
    "officer comments": (_submitted, "officer", "/applications/{a}/comments",
                         {"body": "I know them well.", "shared": "y"}, _no_comment),
    "manager reminds the reviewers": (_waiting_reviewer, "manager", "/applications/{a}/remind",
                                      {}, _nobody_reminded),
    "officer accepts a report": (_report_submitted, "new officer", "/reports/{r}/review",
                                 {"decision": "accept"}, _report_unreviewed),
    "officer records a refund": (_report_submitted, "new officer", "/applications/{a}/refunds",
                                 {"amount": "1", "returned_on": f.today().isoformat()},
                                 _no_refund),
}


@pytest.mark.parametrize("case_name", list(REFUSED))
def test_a_conflicted_member_of_staff_is_refused(app, login, office, users, outbox, case_name):
    stage, who, url, data, unchanged = REFUSED[case_name]
    case = stage(office, users)
    application = case["application"]
    conflicted = (factories.make_user("officer", office) if who == "new officer"
                  else users[who])
    assigner = users["admin"] if who == "manager" else users["manager"]
    _conflicted(application, conflicted, assigner)
    assert workflow.allowed_actions(application, conflicted) == []
    ids = {"a": application.id, "r": case.get("report") and case["report"].id}
    form = {key: value.format(admin=users["admin"].id) for key, value in data.items()}
    outbox.clear()
    response = login(conflicted).post("/staff/grants" + url.format(**ids), data=form)
    assert response.status_code == 403, case_name
    db.session.expire_all()
    assert unchanged(case, outbox, conflicted), case_name


def test_the_conflicted_officer_reads_why(app, login, office, users):
    application = _submitted(office, users)["application"]
    _conflicted(application, users["officer"], users["manager"])
    page = login(users["officer"]).get(f"/staff/grants/applications/{application.id}")
    assert "you take no part in screening, deciding or paying it" in page.get_data(as_text=True)


def test_a_manager_declares_a_conflict_and_another_manager_decides(app, login, office, users):
    application = f.in_review(f.submitted(f.make_call(office, users["manager"]),
                                          f.eligible_alumnus(office)), users["officer"])
    http = login(users["manager"])
    assert http.post(f"/staff/grants/applications/{application.id}/reviewers",
                     data={"reviewer_id": str(users["manager"].id)}).status_code == 302
    assert http.post(f"/staff/grants/applications/{application.id}/review/conflict",
                     data={"note": "My cousin."}).status_code == 302
    f.review_by(application, users["officer"], users["admin"])
    f.review_by(application, factories.make_user("officer", office), users["admin"])
    response = http.post(f"/staff/grants/applications/{application.id}/approve", data=APPROVAL)
    assert response.status_code == 403
    assert _state(application) == "in_review"
    f.approved(application, users["admin"])  # another manager decides
    assert _state(application) == "approved"


def test_a_colleague_without_a_conflict_accepts_the_report(app, office, users):
    case = _report_submitted(office, users)
    application, interim = case["application"], case["report"]
    conflicted = factories.make_user("officer", office)
    _conflicted(application, conflicted, users["manager"])
    money.review_report(users["officer"], interim, True, "")
    db.session.commit()
    assert db.session.get(GrantReport, interim.id).state == "accepted"
    second = money.tranches(application)[1]
    assert workflow.allowed_actions(second, conflicted) == []
    assert db.session.get(Tranche, second.id).state == "planned"


INTERNAL = ("the budget looks padded", "Record checked by phone", "Zarina Colleague",
            "Reviewer assigned", "Add comment")


def test_a_conflicted_officer_does_not_read_the_internal_notes(app, login, office, users):
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
    page = login(conflicted).get(f"/staff/grants/applications/{application.id}")
    page = page.get_data(as_text=True)
    assert "Please send the venue quote." in page  # what the applicant reads too
    for internal in INTERNAL:
        assert internal not in page, internal
    # A colleague without a conflict reads and writes all of it.
    text = login(users["officer"]).get(
        f"/staff/grants/applications/{application.id}").get_data(as_text=True)
    for internal in INTERNAL:
        assert internal in text, internal


def test_a_conflicted_manager_sees_no_reminder_button_and_another_manager_reminds(
        app, login, office, users, outbox):
    case = _waiting_reviewer(office, users)
    application, waiting = case["application"], case["waiting"]
    _conflicted(application, users["manager"], users["admin"])
    assert "Remind the reviewers" not in login(users["manager"]).get(
        f"/staff/grants/applications/{application.id}").get_data(as_text=True)
    outbox.clear()
    other = login(users["admin"])  # a manager without a conflict can
    assert other.post(f"/staff/grants/applications/{application.id}/remind").status_code == 302
    assert [m["To"] for m in outbox] == [waiting.email]
