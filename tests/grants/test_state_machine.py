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
from alumni_app.grants.workflow import Machine, WorkflowError
from tests.grants import factories as f

# What the workflow must be, written out here rather than read from workflow.TRANSITIONS:
# (machine, action) -> (the states it is taken from, the state it leads to, who takes it).
APPLICANT, STAFF, MANAGER = Actor.APPLICANT, Actor.STAFF, Actor.MANAGER
EXPECTED = {
    (Machine.CALL, "publish"): ({"draft"}, "published", MANAGER),
    (Machine.CALL, "close"): ({"published"}, "closed", MANAGER),
    (Machine.CALL, "extend"): ({"published", "closed"}, "published", MANAGER),
    (Machine.APPLICATION, "submit"): ({"draft"}, "submitted", APPLICANT),
    (Machine.APPLICATION, "resubmit"): ({"revision_requested"}, "in_review", APPLICANT),
    (Machine.APPLICATION, "withdraw"): (
        {"draft", "submitted", "in_review", "revision_requested"}, "withdrawn", APPLICANT),
    (Machine.APPLICATION, "mark_eligible"): ({"submitted"}, "in_review", STAFF),
    (Machine.APPLICATION, "mark_ineligible"): ({"submitted"}, "ineligible", STAFF),
    (Machine.APPLICATION, "request_revision"): ({"in_review"}, "revision_requested", STAFF),
    (Machine.APPLICATION, "approve"): ({"in_review"}, "approved", MANAGER),
    (Machine.APPLICATION, "reject"): ({"in_review"}, "rejected", MANAGER),
    (Machine.APPLICATION, "close"): ({"approved"}, "closed", MANAGER),
    (Machine.TRANCHE, "release"): ({"planned"}, "released", MANAGER),
    (Machine.REPORT, "submit"): ({"due", "returned"}, "submitted", APPLICANT),
    (Machine.REPORT, "accept"): ({"submitted"}, "accepted", STAFF),
    (Machine.REPORT, "return"): ({"submitted"}, "returned", STAFF),
    (Machine.MOVE, "apply"): ({"pending"}, "approved", APPLICANT),
    (Machine.MOVE, "approve"): ({"pending"}, "approved", MANAGER),
    (Machine.MOVE, "refuse"): ({"pending"}, "refused", MANAGER),
}
EXPECTED_STATES = {
    Machine.CALL: ("draft", "published", "closed"),
    Machine.APPLICATION: ("draft", "submitted", "in_review", "revision_requested", "approved",
                          "rejected", "ineligible", "withdrawn", "closed"),
    Machine.TRANCHE: ("planned", "released"),
    Machine.REPORT: ("due", "submitted", "returned", "accepted"),
    Machine.MOVE: ("pending", "approved", "refused"),
}
# Refusals that say "not in this state" or "not yours": a guard's refusal is none of these.
STATE_OR_ACTOR = {"wrong-state", "wrong-call-state", "wrong-part-state", "not-yours",
                  "unknown-action", "message-required"}

CASES = [(machine, state) for machine, states in EXPECTED_STATES.items() for state in states]


def _actions(machine: Machine) -> dict[str, tuple[set[str], str, Actor]]:
    return {action: row for (m, action), row in EXPECTED.items() if m is machine}


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
                      planned_on=f.today(), state=state,
                      released_at=utcnow() if state == "released" else None)
    elif machine is Machine.REPORT:
        row = GrantReport(application_id=application.id, kind="final", tranche_number=1,
                          due_on=f.today() + timedelta(days=10), state=state)
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
    for action, (sources, _target, actor_kind) in _actions(machine).items():
        before = _events()
        if state in sources:
            actor = _wrong_actor(actor_kind, obj, users)
            with pytest.raises(WorkflowError) as refused:
                workflow.apply_transition(obj, action, actor=actor, message="why")
            assert refused.value.status == 403, (machine, state, action)
        else:
            actor = _actor_for(actor_kind, obj, users)
            with pytest.raises(WorkflowError) as refused:
                workflow.apply_transition(obj, action, actor=actor, message="why")
            assert refused.value.status == 409, (machine, state, action)
            assert action not in {t.action for t in workflow.allowed_actions(obj, actor)}
        db.session.rollback()
        stored = db.session.scalar(sa.select(model.state).where(model.id == obj.id))
        assert stored == state, (machine, state, action)
        assert _events() == before


@pytest.mark.parametrize(("machine", "state"), CASES, ids=[f"{m}-{s}" for m, s in CASES])
def test_the_right_actor_in_a_source_state_is_held_by_a_guard_at_most(app, office, users,
                                                                       machine, state):
    """Where the expected table allows an action, only a guard (reviews missing, money not
    settled...) may refuse it, and what is allowed leads to the state the table above names."""
    obj = _object(machine, state, office, users)
    for action, (sources, target, actor_kind) in _actions(machine).items():
        if state not in sources:
            continue
        actor = _actor_for(actor_kind, obj, users)
        try:
            transition = workflow.check(obj, action, actor, message="why")
        except WorkflowError as refused:
            assert refused.code not in STATE_OR_ACTOR, (machine, state, action, refused.code)
        else:
            assert transition.target == target, (machine, state, action)


def test_the_workflow_offers_exactly_the_expected_actions(app, office, users):
    """An action added to (or dropped from) the table without being written out above fails."""
    for machine, states in EXPECTED_STATES.items():
        for state in states:
            obj = _object(machine, state, office, users)
            with pytest.raises(WorkflowError) as refused:
                workflow.check(obj, "no_such_action", users["admin"])
            assert refused.value.code == "unknown-action"
            offered = {t.action for kind in (users["officer"], users["manager"])
                       for t in workflow.allowed_actions(obj, kind)}
            offered |= {t.action for t in workflow.allowed_actions(
                obj, _actor_for(APPLICANT, obj, users))}
            assert offered <= set(_actions(machine)), (machine, state, offered)
    assert {m: set(states) for m, states in EXPECTED_STATES.items()} == {
        m: {s.value for s in workflow.STATES[m]} for m in Machine}
    assert {(m, a) for m in Machine for a in workflow.TRANSITIONS[m]} == set(EXPECTED)


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
