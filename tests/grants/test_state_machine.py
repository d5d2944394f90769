"""Every state x action pair of every grant workflow: forbidden pairs are refused, nothing moves."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.grants import workflow
from alumni_app.grants.models import GrantApplication, GrantCall, GrantEvent
from alumni_app.grants.money_models import GrantReport, Reallocation, Tranche
from alumni_app.grants.policy import Actor
from alumni_app.grants.workflow import STATES, TRANSITIONS, Machine, WorkflowError
from tests.grants import factories as f

CASES = [(machine, state.value) for machine in Machine for state in STATES[machine]]


def _force(model, obj_id: int, state: str, **columns) -> None:
    db.session.execute(sa.update(model).where(model.id == obj_id).values(state=state, **columns))
    db.session.commit()


def _application_in(state: str, office, users):
    application = f.draft(f.make_call(office, users["manager"]), f.eligible_alumnus(office))
    decided = {"decided_at": utcnow(), "decided_by_id": users["manager"].id}
    extra = {"approved": {"approved_amount": Decimal("100.00"), **decided},
             "closed": {"approved_amount": Decimal("100.00"), **decided},
             "rejected": decided}.get(state, {})
    _force(GrantApplication, application.id, state, **extra)
    return db.session.get(GrantApplication, application.id)


def _object(machine: Machine, state: str, office, users):
    if machine is Machine.CALL:
        call = f.make_call(office, users["manager"], publish=False)
        _force(GrantCall, call.id, state)
        return db.session.get(GrantCall, call.id)
    application = _application_in("approved" if machine is not Machine.APPLICATION else state,
                                  office, users)
    if machine is Machine.APPLICATION:
        return application
    if machine is Machine.TRANCHE:
        row = Tranche(application_id=application.id, number=1, amount=Decimal("50.00"),
                      planned_on=f.TODAY, state=state,
                      released_at=utcnow() if state == "released" else None)
    elif machine is Machine.REPORT:
        row = GrantReport(application_id=application.id, kind="final", tranche_number=1,
                          due_on=f.TODAY + timedelta(days=10), state=state)
    else:
        first, second = application.budget_lines
        row = Reallocation(application_id=application.id, from_line_id=first.id,
                           to_line_id=second.id, amount=Decimal("10.00"), state=state)
    db.session.add(row)
    db.session.commit()
    return row


def _actor_for(kind: Actor, obj, users):
    application = workflow.application_of(obj)
    return {Actor.APPLICANT: application.applicant if application else users["alumnus"],
            Actor.STAFF: users["officer"], Actor.MANAGER: users["manager"]}[kind]


WRONG = {Actor.APPLICANT: "officer", Actor.STAFF: "applicant", Actor.MANAGER: "officer"}


def _wrong_actor(kind: Actor, obj, users):
    name = WRONG[kind]
    if name == "applicant":
        application = workflow.application_of(obj)
        return application.applicant if application else users["alumnus"]
    return users[name]


def _events() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(GrantEvent))


@pytest.mark.parametrize(("machine", "state"), CASES, ids=[f"{m}-{s}" for m, s in CASES])
def test_each_action_in_each_state(app, office, users, machine, state):
    obj = _object(machine, state, office, users)
    model = type(obj)
    for action, transition in TRANSITIONS[machine].items():
        before = _events()
        if state in transition.sources:
            actor = _wrong_actor(transition.actor, obj, users)
            with pytest.raises(WorkflowError) as refused:
                workflow.apply_transition(obj, action, actor=actor, message="why")
            assert refused.value.status == 403, (machine, state, action)
        else:
            actor = _actor_for(transition.actor, obj, users)
            with pytest.raises(WorkflowError) as refused:
                workflow.apply_transition(obj, action, actor=actor, message="why")
            assert refused.value.status == 409, (machine, state, action)
            assert action not in {t.action for t in workflow.allowed_actions(obj, actor)}
        db.session.rollback()
        stored = db.session.scalar(sa.select(model.state).where(model.id == obj.id))
        assert stored == state, (machine, state, action)
        assert _events() == before


def test_allowed_pairs_take_the_state_they_name(app, office, users):
    """The table's targets are what apply_transition writes (no guard in the way here)."""
    application = _application_in("submitted", office, users)
    workflow.apply_transition(application, "mark_eligible", actor=users["officer"])
    workflow.apply_transition(application, "request_revision", actor=users["officer"],
                              message="More detail.")
    workflow.apply_transition(application, "resubmit", actor=application.applicant)
    workflow.apply_transition(application, "withdraw", actor=application.applicant)
    db.session.commit()
    states = db.session.execute(sa.select(GrantEvent.from_state, GrantEvent.to_state).where(
        GrantEvent.application_id == application.id, GrantEvent.from_state.is_not(None))
        .order_by(GrantEvent.id)).all()
    assert states == [("submitted", "in_review"), ("in_review", "revision_requested"),
                      ("revision_requested", "in_review"), ("in_review", "withdrawn")]


def test_a_message_is_required_where_the_applicant_reads_why(app, office, users):
    application = _application_in("submitted", office, users)
    with pytest.raises(WorkflowError) as refused:
        workflow.apply_transition(application, "mark_ineligible", actor=users["officer"],
                                  message="  ")
    assert refused.value.code == "message-required" and refused.value.status == 400


def test_staff_of_another_office_take_no_action(app, office, other_office, users, make_user):
    stranger = make_user(role="manager", office=other_office, second_factor=True)
    application = _application_in("submitted", office, users)
    assert workflow.allowed_actions(application, stranger) == []
    with pytest.raises(WorkflowError) as refused:
        workflow.apply_transition(application, "mark_eligible", actor=stranger)
    assert refused.value.status == 403
