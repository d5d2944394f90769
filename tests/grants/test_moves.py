"""Moves between budget lines: small ones at once, through the workflow; the rest by a manager.

The free share counts every approved move in and out of a line, so 10% taken from each of
several lines cannot be piled into one without a manager.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.grants import money, workflow
from alumni_app.grants.applications import BudgetRow
from alumni_app.grants.models import BudgetLine, GrantEvent
from alumni_app.grants.money_models import Reallocation
from alumni_app.grants.workflow import WorkflowError
from alumni_app.mail import OutboundEmail
from tests.grants import factories as f

D = Decimal
THREE_LINES = [BudgetRow("venue", "Hall", D("1"), D("500.00")),
               BudgetRow("materials", "Books", D("1"), D("500.00")),
               BudgetRow("travel", "Buses", D("1"), D("500.00"))]


@pytest.fixture
def grant(office, users):
    applicant = f.eligible_alumnus(office)
    application = f.reviewed_application(office, users, applicant=applicant,
                                         budget=THREE_LINES)
    return f.approved(application, users["manager"], D("1500.00"))


def _lines(grant) -> list[Decimal]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(BudgetLine.allocated).where(
        BudgetLine.application_id == grant.id).order_by(BudgetLine.position)))


def _move(grant, source: int, target: int, amount: str, reason: str = "Needed."):
    lines = grant.budget_lines
    move = money.request_move(grant.applicant, grant, lines[source].id, lines[target].id,
                              D(amount), reason)
    db.session.commit()
    return move


def _queued() -> list[str]:
    return list(db.session.scalars(sa.select(OutboundEmail.recipient).order_by(
        OutboundEmail.id)))


def test_a_small_move_applies_at_once_as_the_grantees_own_transition(app, grant):
    before = _queued()
    move = _move(grant, 0, 1, "50.00")
    assert move.state == "approved" and move.decided_by_id == grant.applicant_id
    assert _lines(grant) == [D("450.00"), D("550.00"), D("500.00")]
    event = db.session.scalar(sa.select(GrantEvent).where(GrantEvent.action == "move_apply"))
    assert (event.from_state, event.to_state, event.actor_id, event.amount) == (
        "pending", "approved", grant.applicant_id, D("50.00"))
    assert _queued() == before  # no manager is bothered


def test_moves_piled_into_one_line_need_a_manager(app, grant, users):
    """Each source line gives 10% only once in all, and the target takes 10% in all."""
    assert _move(grant, 0, 2, "50.00").state == "approved"
    before = len(_queued())
    piled = _move(grant, 1, 2, "50.00")  # "Buses" would have 100.00 moved into it
    assert piled.state == "pending"
    assert _lines(grant) == [D("450.00"), D("500.00"), D("550.00")]
    assert _queued()[before:] == [users["manager"].email]
    with pytest.raises(WorkflowError) as alone:
        workflow.apply_transition(piled, "apply", actor=grant.applicant)
    assert alone.value.code == "move-over-share" and alone.value.status == 403
    db.session.rollback()


def test_moving_out_then_back_counts_both_ways(app, grant):
    assert _move(grant, 0, 1, "20.00").state == "approved"
    assert _move(grant, 1, 0, "20.00").state == "approved"  # 40.00 moved on each line
    assert _move(grant, 0, 1, "11.00").state == "pending"  # 51.00: over the 50.00 allowed
    assert _move(grant, 0, 1, "10.00").state == "approved"
    assert _lines(grant) == [D("490.00"), D("510.00"), D("500.00")]


def test_a_manager_approves_a_large_move(app, login, grant, users):
    move = _move(grant, 0, 1, "200.00")
    assert move.state == "pending" and _lines(grant)[:2] == [D("500.00"), D("500.00")]
    response = login(users["manager"]).post(f"/staff/grants/moves/{move.id}/decide",
                                            data={"decision": "approve"})
    assert response.status_code == 302
    assert _lines(grant) == [D("300.00"), D("700.00"), D("500.00")]
    stored = db.session.get(Reallocation, move.id)
    assert (stored.state, stored.decided_by_id) == ("approved", users["manager"].id)
    assert db.session.scalar(sa.select(GrantEvent.to_state).where(
        GrantEvent.action == "move_approve")) == "approved"
    # Approved moves count towards the free share: what is left of it on these lines is gone.
    assert _move(grant, 0, 2, "10.00").state == "pending"


def test_a_manager_refuses_a_large_move_and_nothing_moves(app, login, grant, users):
    move = _move(grant, 0, 1, "200.00")
    http = login(users["officer"])  # not a manager
    assert http.post(f"/staff/grants/moves/{move.id}/decide",
                     data={"decision": "approve"}).status_code == 403
    response = login(users["manager"]).post(f"/staff/grants/moves/{move.id}/decide",
                                            data={"decision": "refuse"})
    assert response.status_code == 302
    assert db.session.get(Reallocation, move.id).state == "refused"
    assert _lines(grant) == [D("500.00"), D("500.00"), D("500.00")]
    again = login(users["manager"]).post(f"/staff/grants/moves/{move.id}/decide",
                                         data={"decision": "approve"})
    assert again.status_code == 409
    assert _lines(grant) == [D("500.00"), D("500.00"), D("500.00")]


def test_a_move_over_the_money_left_on_the_line_is_refused(app, login, grant, users):
    money.release(users["manager"], money.tranches(grant)[0], "PO-1")
    db.session.commit()
    f.spend(grant, grant.applicant, money.reports(grant)[0], 0, "450.00")
    with pytest.raises(money.MoneyError) as refused:
        _move(grant, 0, 1, "60.00")
    assert refused.value.code == "over-line"
    db.session.rollback()
    page = login(grant.applicant).post(f"/grants/applications/{grant.id}/moves", data={
        "from_line": str(grant.budget_lines[0].id), "to_line": str(grant.budget_lines[1].id),
        "amount": "60", "reason": "More books."})
    assert page.status_code == 400 and "over its budget" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reallocation)) == 0


def test_a_large_move_cannot_be_approved_once_the_money_was_spent(app, grant, users):
    move = _move(grant, 0, 1, "200.00")
    money.release(users["manager"], money.tranches(grant)[0], "PO-1")
    db.session.commit()
    f.spend(grant, grant.applicant, money.reports(grant)[0], 0, "400.00")
    with pytest.raises(WorkflowError) as refused:
        money.decide_move(users["manager"], move, approve=True)
    assert refused.value.code == "move-too-large"
    db.session.rollback()
    assert db.session.get(Reallocation, move.id).state == "pending"
    assert _lines(grant) == [D("500.00"), D("500.00"), D("500.00")]
