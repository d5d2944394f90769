"""Odd dates in every grant form are refused next to the field; shifting a date never overflows."""

from __future__ import annotations

import html
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.grants import decisions, money
from alumni_app.grants.models import GrantApplication, GrantCall
from alumni_app.grants.money_models import GrantReport, Refund, Tranche
from tests import sample_files as files
from tests.grants import factories as f

D = Decimal
DAY = timedelta(days=1)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _approve(http, application, planned, due):
    return http.post(f"/staff/grants/applications/{application.id}/approve", data={
        "amount": "1500", "usd_rate": "0.09", "conditions": "Kept conditions",
        "tranches-0-amount": "1500", "tranches-0-planned_on": planned,
        "tranches-0-report_due_on": due})


@pytest.mark.parametrize(("planned", "due", "message"), [
    ("0001-01-01", "9999-12-30", "within 10 years from today"),
    ((f.today() - 2 * DAY).isoformat(), (f.today() + 30 * DAY).isoformat(),
     "planned for a day that has passed"),
    ((f.today() + 10 * DAY).isoformat(), (f.today() + 10 * DAY).isoformat(),
     "The report falls due after the payment."),
    ((f.today() + 10 * DAY).isoformat(), (f.today() + 5 * DAY).isoformat(),
     "The report falls due after the payment."),
])
def test_an_odd_payment_schedule_is_refused_with_the_form_kept(app, login, office, users,
                                                               planned, due, message):
    application = f.reviewed_application(office, users)
    response = _approve(login(users["manager"]), application, planned, due)
    page = text(response)
    assert response.status_code == 400 and message in page
    assert "Kept conditions" in page
    db.session.expire_all()
    stored = db.session.get(GrantApplication, application.id)
    assert stored.state == "in_review" and stored.approved_amount is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Tranche)) == 0


def test_the_service_refuses_a_schedule_in_the_past_or_beyond_the_horizon(app, office, users):
    application = f.reviewed_application(office, users)
    for planned, due, code in [(f.today() - 2 * DAY, f.today() + DAY, "schedule-past"),
                               (date(1, 1, 1), date(9999, 12, 30), "schedule-far"),
                               (f.today(), f.today(), "schedule-order")]:
        with pytest.raises(decisions.DecisionError) as refused:
            decisions.approve(users["manager"], application, D("1500.00"), D("0.09"), "",
                              [decisions.TrancheRow(D("1500.00"), planned, due)])
        assert refused.value.code == code
        db.session.rollback()


def test_a_late_release_of_an_odd_old_schedule_does_not_overflow(app, login, office, users):
    """Rows written before dates were checked: shifting 9999-12-30 stays within the calendar."""
    application = f.approved(f.reviewed_application(office, users), users["manager"], parts=1)
    tranche = money.tranches(application)[0]
    db.session.execute(sa.update(Tranche).values(planned_on=date(1, 1, 1)))
    db.session.execute(sa.update(GrantReport).values(due_on=date(9999, 12, 30)))
    db.session.commit()
    response = login(users["manager"]).post(f"/staff/grants/tranches/{tranche.id}/release",
                                            data={"reference": "PO-1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Tranche, tranche.id).state == "released"
    assert db.session.scalar(sa.select(GrantReport.due_on)) == date.max


def test_a_call_with_far_dates_is_refused(app, login, users):
    far = (f.today() + timedelta(days=365 * 11)).isoformat()
    response = login(users["manager"]).post("/staff/grants/calls/new", data={
        "title": "Far", "opens_at": f"{f.today().isoformat()}T09:00", "closes_at": f"{far}T09:00",
        "total_budget": "1000", "ceiling": "100", "min_months_since_training": "0",
        "min_team_size": "1", "reviews_required": "1", "criteria-0-name": "A",
        "criteria-0-weight": "1", "criteria-0-scale_max": "5"})
    assert response.status_code == 400 and "within 10 years from today" in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GrantCall)) == 0


def test_a_call_cannot_be_extended_beyond_the_horizon(app, login, office, users):
    call = f.make_call(office, users["manager"])
    response = login(users["manager"]).post(f"/staff/grants/calls/{call.id}/extend",
                                            data={"closes_at": "9999-12-31T23:59"})
    assert response.status_code == 400 and "within 10 years from today" in text(response)


def test_activity_dates_far_away_are_refused_and_the_text_kept(app, login, office, users):
    from tests.grants.test_views import edit_form, form_data

    applicant = f.eligible_alumnus(office)
    application = f.draft(f.make_call(office, users["manager"]), applicant)
    http = login(applicant)
    response = http.post(f"/grants/applications/{application.id}/edit", data={
        **form_data(starts_on="0202-01-01"), **edit_form(http, application), "action": "save"})
    assert response.status_code == 400 and "within 10 years from today" in text(response)
    assert 'value="0202-01-01"' in text(response)


def test_receipts_and_refunds_are_not_dated_in_the_future(app, login, office, users):
    applicant = f.eligible_alumnus(office)
    application = f.approved(f.reviewed_application(office, users, applicant=applicant),
                             users["manager"])
    money.release(users["manager"], money.tranches(application)[0], "")
    db.session.commit()
    report = money.reports(application)[0]
    future = (f.today() + 5 * DAY).isoformat()
    receipt = login(applicant).post(f"/grants/reports/{report.id}/receipts", data={
        "budget_line": str(application.budget_lines[0].id), "paid_on": future,
        "amount": "100", "description": "Filters",
        "scan": (io.BytesIO(files.pdf()), "receipt.pdf")}, content_type="multipart/form-data")
    assert receipt.status_code == 400 and "This date is in the future." in text(receipt)
    assert report.receipts == []
    refund = login(users["officer"]).post(
        f"/staff/grants/applications/{application.id}/refunds",
        data={"amount": "10", "returned_on": "9999-01-01", "reference": "Bank"})
    assert refund.status_code == 400 and "within 10 years from today" in text(refund)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 0
