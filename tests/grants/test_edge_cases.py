"""Edge cases found in review: cents, partial approvals, refunds, odd input, hidden scores."""

from __future__ import annotations

import html
import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from alumni_app.amounts import AmountError, parse_amount
from alumni_app.extensions import db
from alumni_app.grants import applications, decisions, money, notifications, reviews
from alumni_app.grants.models import GrantApplication, GrantCall, GrantEvent
from alumni_app.grants.money_models import Refund
from alumni_app.grants.workflow import WorkflowError
from tests import factories, sample_files
from tests.grants import factories as f
from tests.grants.test_views import edit_form

D = Decimal


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize(("typed", "value"), [
    ("1 250,50", "1250.50"), ("1,250.50", "1250.50"), ("1.250,50", "1250.50"),
    ("1,5", "1.50"), ("1234", "1234.00"), ("1 234 567,8", "1234567.80"),
    ("1,234,567", "1234567.00"), ("\u00a0250\u202f000", "250000.00"),
    ("1.234.567,25", "1234567.25"), ("12.345.678", "12345678.00"),
])
def test_amounts_are_read_as_people_type_them(typed, value):
    assert parse_amount(typed) == Decimal(value)


@pytest.mark.parametrize("typed", ["1,500", "0,125", "12.123456789012", "1e5", "--1", "1,2,3x",
                                   # misplaced separators: read as thousands, 10 x the amount
                                   "1,234,5", "1.234.5", "1,5,0", "1.2,5", "1,2.5", "12,34.5",
                                   "1.234,5.6"])
def test_ambiguous_or_odd_amounts_are_refused_not_guessed(typed):
    with pytest.raises(AmountError):
        parse_amount(typed)


def test_cents_add_up_exactly_on_every_database(app, office, users):
    call = f.make_call(office, users["manager"], total_budget=D("3472.93"),
                       ceiling=D("3472.93"))
    applicant = f.eligible_alumnus(office)
    application = f.reviewed_application(
        office, users, applicant=applicant, call=call,
        budget=[applications.BudgetRow("other", "All", D("1"), D("3472.93"))])
    f.approved(application, users["manager"], D("3472.93"))  # 1736.46 + 1736.47
    first, second = money.tranches(application)
    interim = money.reports(application)[0]
    money.release(users["manager"], first)
    f.spend(application, applicant, interim, amount=str(first.amount))
    money.submit_report(applicant, interim, {"narrative": "Done."})
    money.review_report(users["officer"], interim, True, "")
    money.release(users["manager"], second)
    db.session.commit()
    db.session.refresh(call)
    assert call.committed == call.disbursed == call.total_budget == D("3472.93")


def test_a_partial_approval_scales_the_budget_lines_to_the_amount(app, office, users):
    application = f.reviewed_application(office, users)  # 1,200.00 + 300.00 asked
    f.approved(application, users["manager"], D("1000.00"))
    allocated = [line.allocated for line in application.budget_lines]
    assert sum(allocated) == D("1000.00")
    assert allocated == [D("800.00"), D("200.00")]


def test_a_refund_cannot_strand_a_grant(app, office, users):
    applicant = f.eligible_alumnus(office)
    application = f.approved(f.reviewed_application(office, users, applicant=applicant),
                             users["manager"], parts=1)
    (tranche,), (final,) = money.tranches(application), money.reports(application)
    money.release(users["manager"], tranche)
    f.spend(application, applicant, final, amount="1000.00")
    money.submit_report(applicant, final, {"narrative": "Done.", "people_reached": 10})
    db.session.commit()
    with pytest.raises(money.MoneyError) as too_much:
        money.record_refund(users["officer"], application, D("1500.00"), f.today(), "")
    assert too_much.value.code == "over-unspent"
    money.record_refund(users["officer"], application, D("500.00"), f.today(), "")
    money.review_report(users["officer"], final, True, "")
    money.close(users["manager"], application)
    db.session.commit()
    assert application.state == "closed"


def test_a_report_needs_receipts_and_the_final_one_the_people_reached(app, office, users):
    applicant = f.eligible_alumnus(office)
    application = f.approved(f.reviewed_application(office, users, applicant=applicant),
                             users["manager"], parts=1)
    money.release(users["manager"], money.tranches(application)[0])
    db.session.commit()
    final = money.reports(application)[0]
    with pytest.raises(WorkflowError) as no_receipts:
        money.submit_report(applicant, final, {"narrative": "Done.", "people_reached": 5})
    assert no_receipts.value.code == "receipts-missing"
    db.session.rollback()
    f.spend(application, applicant, final)
    with pytest.raises(WorkflowError) as no_people:
        money.submit_report(applicant, final, {"narrative": "Done."})
    assert no_people.value.code == "people-missing"


def test_a_reviewer_sees_no_average_before_their_own_review(app, login, office, users):
    application = f.in_review(f.submitted(f.make_call(office, users["manager"]),
                                          f.eligible_alumnus(office)), users["officer"])
    second = factories.make_user("officer", office)
    f.review_by(application, users["officer"], users["manager"], scores=(5, 1))
    reviews.assign(users["manager"], application, second)
    db.session.commit()
    page = text(login(second).get(f"/staff/grants/applications/{application.id}"))
    assert "Average score" not in page and "73.33" not in page
    assert "Average score: 73.33 of 100." in text(
        login(users["manager"]).get(f"/staff/grants/applications/{application.id}"))


def test_a_note_on_an_eligible_application_stays_internal(app, login, office, users):
    applicant = f.eligible_alumnus(office)
    application = f.submitted(f.make_call(office, users["manager"]), applicant)
    login(users["officer"]).post(f"/staff/grants/applications/{application.id}/screen",
                                 data={"decision": "eligible", "note": "Cousin works here."})
    assert db.session.get(GrantApplication, application.id).state == "in_review"
    assert "Cousin works here." not in text(
        login(applicant).get(f"/grants/applications/{application.id}"))
    assert "Cousin works here." in text(
        login(users["manager"]).get(f"/staff/grants/applications/{application.id}"))


@pytest.mark.parametrize(("extra", "status"), [
    ({"edit_version": "²"}, 409), ({"submit_token": "x" * 100}, 302),
    ({"budget-0-quantity": "99999999999"}, 400),
])
def test_odd_input_on_the_application_form_never_gives_a_500(app, login, office, users,
                                                               extra, status):
    applicant = f.eligible_alumnus(office)
    application = f.draft(f.make_call(office, users["manager"]), applicant)
    http = login(applicant)
    data = {**{k: str(v) for k, v in f.proposal().items()}, "region_id": "0", "plan_id": "0",
            "budget-0-category": "venue", "budget-0-description": "Hall",
            "budget-0-quantity": "1", "budget-0-unit_cost": "100", "action": "save",
            **edit_form(http, application), **extra}
    response = http.post(f"/grants/applications/{application.id}/edit", data=data)
    assert response.status_code == status


def test_odd_call_dates_and_scores_never_give_a_500(app, login, office, users):
    http = login(users["manager"])
    response = http.post("/staff/grants/calls/new", data={
        "title": "Typo", "opens_at": "0001-01-01T00:00", "closes_at": "0202-02-02T00:00",
        "total_budget": "1000", "ceiling": "100", "min_months_since_training": "0",
        "min_team_size": "1", "reviews_required": "1", "criteria-0-name": "A",
        "criteria-0-weight": "1", "criteria-0-scale_max": "5"})
    assert response.status_code == 400 and "within 10 years from today" in text(response)
    application = f.in_review(f.submitted(f.make_call(office, users["manager"]),
                                          f.eligible_alumnus(office)), users["officer"])
    reviews.assign(users["manager"], application, users["officer"])
    db.session.commit()
    scores = {f"score_{c.id}": "²" for c in application.call.criteria}
    odd = login(users["officer"]).post(f"/staff/grants/applications/{application.id}/review",
                                       data={**scores, "action": "submit", "version": "1",
                                             "recommendation": "fund"})
    assert odd.status_code == 400 and "Score every criterion." in text(odd)


def test_a_double_click_on_start_opens_the_one_draft(app, login, office, users):
    call = f.make_call(office, users["manager"])
    http = login(f.eligible_alumnus(office))
    first = http.post(f"/grants/calls/{call.id}/apply")
    second = http.post(f"/grants/calls/{call.id}/apply")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GrantApplication)) == 1


def test_a_draft_withdrawn_before_submission_stays_the_applicants(app, login, office, users):
    call = f.make_call(office, users["manager"])
    application = f.draft(call, f.eligible_alumnus(office))
    applications.withdraw(application.applicant, application)
    db.session.commit()
    http = login(users["manager"])
    assert http.get(f"/staff/grants/applications/{application.id}").status_code == 404
    assert http.get(f"/staff/grants/applications/{application.id}/close").status_code == 404
    assert "Clean water" not in text(http.get(f"/staff/grants/calls/{call.id}"))


def test_a_message_that_cannot_be_written_does_not_undo_the_submission(
        app, login, office, users, monkeypatch):
    applicant = f.eligible_alumnus(office)
    application = f.draft(f.make_call(office, users["manager"]), applicant)

    def broken(*args, **kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr(notifications, "send_email", broken)
    applications.submit(applicant, application, "tok-1234567890abcdef")
    db.session.commit()
    assert db.session.get(GrantApplication, application.id).state == "submitted"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GrantEvent).where(
        GrantEvent.action == "submit")) == 1


def test_an_approval_decides_once_and_charges_once(app, office, users):
    call = f.make_call(office, users["manager"])
    application = f.reviewed_application(office, users, call=call)
    f.approved(application, users["manager"])
    with pytest.raises(WorkflowError):
        decisions.approve(users["admin"], application, D("100.00"), D("0.1"), "",
                          f.schedule(D("100.00"), 1))
    db.session.rollback()
    assert db.session.get(GrantCall, call.id).committed == D("1500.00")


def test_attachments_are_checked_by_content(app, login, office, users):
    import io

    from tests import sample_files as files

    applicant = f.eligible_alumnus(office)
    application = f.draft(f.make_call(office, users["manager"]), applicant)
    http = login(applicant)
    url = f"/grants/applications/{application.id}/files"
    refused = http.post(url, data={"attachment": (io.BytesIO(files.executable()), "plan.pdf")},
                        content_type="multipart/form-data")
    assert refused.status_code == 400 and "whatever its name says" in text(refused)
    assert application.files == []
    stored = http.post(url, data={"attachment": (io.BytesIO(files.pdf()), "budget plan.pdf")},
                       content_type="multipart/form-data")
    assert stored.status_code == 302
    db.session.expire_all()
    kept = db.session.get(GrantApplication, application.id).files
    assert [k.original_name for k in kept] == ["budget plan.pdf"]
    download = http.get(f"/grants/applications/{application.id}/files/{kept[0].id}")
    assert download.status_code == 200 and download.data == files.pdf()
    assert login(f.eligible_alumnus(office)).get(
        f"/grants/applications/{application.id}/files/{kept[0].id}").status_code == 404


def _first_tranche_paid(office, users):
    applicant = f.eligible_alumnus(office)
    application = f.approved(f.reviewed_application(office, users, applicant=applicant),
                             users["manager"])  # 750.00 + 750.00
    money.release(users["manager"], money.tranches(application)[0], "PO-1")
    db.session.commit()
    return applicant, application, money.reports(application)[0]


def test_a_cent_of_receipts_does_not_open_the_next_tranche(app, office, users):
    applicant, application, interim = _first_tranche_paid(office, users)
    f.spend(application, applicant, interim, amount="0.01")
    with pytest.raises(WorkflowError) as short:
        money.submit_report(applicant, interim, {"narrative": "Done."})
    assert short.value.code == "receipts-short" and "750.00" in short.value.message
    db.session.rollback()
    assert db.session.get(type(interim), interim.id).state == "due"


def test_an_accepted_report_short_of_receipts_still_holds_the_next_tranche(app, office, users):
    """A report accepted before receipts were counted (or forced): the gate itself checks."""
    from alumni_app.grants.money_models import GrantReport

    applicant, application, interim = _first_tranche_paid(office, users)
    f.spend(application, applicant, interim, amount="0.01")
    db.session.execute(sa.update(GrantReport).where(GrantReport.id == interim.id)
                       .values(state="accepted"))
    db.session.commit()
    second = money.tranches(application)[1]
    with pytest.raises(WorkflowError) as held:
        money.release(users["manager"], second, "PO-2")
    assert held.value.code == "previous-unaccounted"
    db.session.rollback()
    assert db.session.get(type(second), second.id).state == "planned"
    assert db.session.get(GrantApplication, application.id).disbursed == D("750.00")


def test_receipts_and_a_refund_together_account_for_the_tranche(app, office, users):
    applicant, application, interim = _first_tranche_paid(office, users)
    f.spend(application, applicant, interim, amount="700.00")
    money.record_refund(users["officer"], application, D("50.00"), f.today(), "Bank 1")
    money.submit_report(applicant, interim, {"narrative": "Done."})
    money.review_report(users["officer"], interim, True, "")
    money.release(users["manager"], money.tranches(application)[1], "PO-2")
    db.session.commit()
    assert db.session.get(GrantApplication, application.id).disbursed == D("1500.00")


def test_receipts_go_only_on_the_report_of_a_tranche_paid_out(app, login, office, users):
    """Receipts kept on the final report (tranche 2 not paid) would let the interim report
    through; accepted, they would count for nothing and tranche 2 could never be paid."""
    applicant, application, interim = _first_tranche_paid(office, users)
    final = money.reports(application)[1]
    with pytest.raises(money.MoneyError) as refused:
        f.spend(application, applicant, final, amount="50.00")
    assert refused.value.code == "tranche-unpaid" and refused.value.status == 409
    db.session.rollback()
    line = application.budget_lines[0]
    response = login(applicant).post(f"/grants/reports/{final.id}/receipts", data={
        "budget_line": str(line.id), "paid_on": f.today().isoformat(), "amount": "50,00",
        "description": "Filters", "scan": (io.BytesIO(sample_files.pdf()), "receipt.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 409
    assert "which has not been paid yet" in text(response)
    page = text(login(applicant).get(f"/grants/reports/{final.id}"))
    assert "Receipts go on this report once tranche 2 is paid" in page
    assert "Add the receipt" not in page
    # The interim report is short of receipts, as it is: the grantee adds them there.
    f.spend(application, applicant, interim, amount="750.00")
    money.submit_report(applicant, interim, {"narrative": "Done."})
    money.review_report(users["officer"], interim, True, "")
    assert money.release_problem(money.tranches(application)[1]) is None


def _single_tranche_paid(office, users):
    """A grant of 1,500.00 in one tranche, paid."""
    applicant = f.eligible_alumnus(office)
    application = f.approved(f.reviewed_application(office, users, applicant=applicant),
                             users["manager"], parts=1)
    money.release(users["manager"], money.tranches(application)[0], "PO-1")
    return applicant, application


def test_a_grant_whose_money_all_came_back_can_be_closed(app, office, users):
    """The project called off and every unit returned: no receipt to file, yet the final
    report goes through, the grant closes and the call's figures say what came back."""
    applicant, application = _single_tranche_paid(office, users)
    money.record_refund(users["officer"], application, D("1500.00"), f.today(), "Bank 9")
    final = money.reports(application)[0]
    money.submit_report(applicant, final, {"narrative": "Called off; all money returned.",
                                           "people_reached": 0})
    money.review_report(users["officer"], final, True, "")
    assert money.closing_problem(application) is None
    money.close(users["manager"], application)
    db.session.commit()
    call = db.session.get(GrantCall, application.call_id)
    assert application.state == "closed"
    assert (call.disbursed, call.returned) == (D("1500.00"), D("1500.00"))


def test_a_report_with_money_still_unspent_needs_its_receipts(app, office, users):
    applicant, application = _single_tranche_paid(office, users)
    money.record_refund(users["officer"], application, D("1499.99"), f.today(), "Bank 9")
    final = money.reports(application)[0]
    money.save_report(applicant, final, {"narrative": "Almost all returned.",
                                         "people_reached": 0})
    assert money.report_problem(final).code == "receipts-missing"


def _refund_page_token(http, application) -> str:
    page = text(http.get(f"/staff/grants/applications/{application.id}"))
    return re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)


def test_a_double_click_on_record_the_refund_records_it_once(app, login, office, users):
    applicant, application, interim = _first_tranche_paid(office, users)
    f.spend(application, applicant, interim, amount="500.00")  # 250.00 still refundable
    http = login(users["officer"])
    form = {"amount": "50,00", "returned_on": f.today().isoformat(), "reference": "Bank 7",
            "form_token": _refund_page_token(http, application)}
    first = http.post(f"/staff/grants/applications/{application.id}/refunds", data=form)
    second = http.post(f"/staff/grants/applications/{application.id}/refunds", data=form,
                       follow_redirects=True)
    assert first.status_code == 302 and second.status_code == 200
    assert "This refund was already recorded" in text(second)
    db.session.expire_all()
    assert db.session.get(GrantApplication, application.id).returned == D("50.00")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 1
    # The page shown after it carries a new token: the next refund is recorded.
    again = {**form, "form_token": _refund_page_token(http, application)}
    assert again["form_token"] != form["form_token"]
    assert http.post(f"/staff/grants/applications/{application.id}/refunds",
                     data=again).status_code == 302
    db.session.expire_all()
    assert db.session.get(GrantApplication, application.id).returned == D("100.00")


def test_two_posts_of_one_refund_form_at_once_are_held_by_the_unique_token(app, office, users,
                                                                          monkeypatch):
    applicant, application, interim = _first_tranche_paid(office, users)
    money.record_refund(users["officer"], application, D("50.00"), f.today(), "", "t" * 32)
    db.session.commit()
    monkeypatch.setattr(money, "refund_recorded", lambda token: False)  # both checked first
    with pytest.raises(sa.exc.IntegrityError):
        money.record_refund(users["officer"], application, D("50.00"), f.today(), "", "t" * 32)
    db.session.rollback()
    assert db.session.get(GrantApplication, application.id).returned == D("50.00")
    assert db.session.get(GrantCall, application.call_id).returned == D("50.00")
