"""Money routes ask the transition table who takes part; the state is refused with its reason.

Once a grant is closed, its grantee and its managers still take part in its reports, tranches
and moves, but nothing can change any more: each post is a 409 saying why (these were 403s,
"you may not do this", when the route asked a policy function that mixed the person and the
state). Who is not the table's actor still gets a 403, and who cannot see the grant a 404.
"""

from __future__ import annotations

import html
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.grants import money
from alumni_app.grants.money_models import GrantReport, Reallocation, Receipt
from tests import sample_files as files
from tests.grants import factories as f

D = Decimal
CLOSED = "This cannot be done now: the application is closed."
NOT_RUNNING = "This grant is no longer running: its budget can no longer change."
REPORT_CLOSED = "This report was submitted: receipts can no longer change."


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def closed(office, users):
    """A grant paid in one tranche, fully accounted for and closed, a large move still pending."""
    manager, officer = users["manager"], users["officer"]
    applicant = f.eligible_alumnus(office)
    grant = f.approved(f.reviewed_application(office, users, applicant=applicant), manager,
                       parts=1)
    money.release(manager, money.tranches(grant)[0], "PO-1")
    db.session.commit()
    filters, installation = grant.budget_lines
    move = money.request_move(applicant, grant, filters.id, installation.id, D("500.00"),
                              "Installers cost more.")
    db.session.commit()
    assert move.state == "pending"
    final = money.reports(grant)[0]
    f.spend(grant, applicant, final, 0, "1200.00")
    f.spend(grant, applicant, final, 1, "300.00")
    money.submit_report(applicant, final, {"narrative": "All installed.",
                                           "people_reached": 3000})
    money.review_report(officer, final, accept=True, message="")
    money.close(manager, grant)
    db.session.commit()
    assert grant.state == "closed"
    return grant, move, final


def test_a_move_left_pending_on_a_closed_grant_is_refused_for_the_grants_state(
        app, login, users, closed):
    grant, move, _ = closed
    http = login(users["manager"])
    for decision, reason in (("approve", NOT_RUNNING), ("refuse", CLOSED)):
        page = http.post(f"/staff/grants/moves/{move.id}/decide", data={"decision": decision})
        assert page.status_code == 409
        assert text(page).count(reason) == 1
    assert db.session.get(Reallocation, move.id).state == "pending"
    # Not a manager: not the table's actor for a move's decision.
    assert login(users["officer"]).post(f"/staff/grants/moves/{move.id}/decide",
                                        data={"decision": "refuse"}).status_code == 403


def test_a_paid_tranche_of_a_closed_grant_is_refused_for_its_state(app, login, users, closed):
    grant, _, _ = closed
    tranche = money.tranches(grant)[0]
    page = login(users["manager"]).post(f"/staff/grants/tranches/{tranche.id}/release",
                                        data={"reference": "PO-2"})
    assert page.status_code == 409
    assert "This cannot be done now: it is released." in text(page)
    assert login(users["officer"]).post(f"/staff/grants/tranches/{tranche.id}/release",
                                        data={"reference": "PO-2"}).status_code == 403


def test_an_accepted_report_cannot_be_reviewed_again(app, login, users, closed):
    _, _, final = closed
    page = login(users["officer"]).post(f"/staff/grants/reports/{final.id}/review",
                                        data={"decision": "return", "message": "Again."})
    assert page.status_code == 409
    assert text(page).count("This cannot be done now: it is accepted.") == 1
    assert db.session.get(GrantReport, final.id).state == "accepted"


def test_the_grantee_of_a_closed_grant_is_told_why_nothing_changes(app, login, closed):
    grant, _, final = closed
    http = login(grant.applicant)
    assert http.get(f"/grants/reports/{final.id}").status_code == 200
    saved = http.post(f"/grants/reports/{final.id}", data={
        "action": "save", "narrative": "Rewritten.", "people_reached": "1"})
    assert saved.status_code == 409 and REPORT_CLOSED in text(saved)
    receipt = http.post(f"/grants/reports/{final.id}/receipts", data={
        "budget_line": str(grant.budget_lines[0].id), "paid_on": f.today().isoformat(),
        "amount": "10", "description": "Tape",
        "scan": (io.BytesIO(files.pdf()), "tape.pdf")}, content_type="multipart/form-data")
    assert receipt.status_code == 409 and REPORT_CLOSED in text(receipt)
    evidence = http.post(f"/grants/reports/{final.id}/evidence", data={
        "attachment": (io.BytesIO(files.pdf()), "photos.pdf")},
        content_type="multipart/form-data")
    assert evidence.status_code == 409 and REPORT_CLOSED in text(evidence)
    kept = final.receipts[0].id
    removed = http.post(f"/grants/reports/{final.id}/receipts/{kept}/remove",
                        follow_redirects=True)
    assert removed.status_code == 200 and REPORT_CLOSED in text(removed)
    db.session.expire_all()
    report = db.session.get(GrantReport, final.id)
    assert report.narrative == "All installed." and not report.evidence
    assert db.session.get(Receipt, kept) is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Receipt)) == 2

    lines = grant.budget_lines
    move = http.post(f"/grants/applications/{grant.id}/moves", data={
        "from_line": str(lines[0].id), "to_line": str(lines[1].id), "amount": "10",
        "reason": "Late idea."})
    assert move.status_code == 409
    assert NOT_RUNNING in text(move)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reallocation)) == 1


def test_who_is_not_the_grantee_takes_no_part_in_its_reports(app, login, office, users,
                                                             closed):
    grant, _, final = closed
    stranger = f.eligible_alumnus(office)
    assert login(stranger).post(f"/grants/reports/{final.id}", data={
        "action": "save", "narrative": "Mine."}).status_code == 404
    assert login(stranger).post(f"/grants/applications/{grant.id}/moves", data={
        "from_line": str(grant.budget_lines[0].id), "to_line": str(grant.budget_lines[1].id),
        "amount": "10", "reason": "Mine."}).status_code == 404
