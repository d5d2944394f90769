"""The grant workflow as data: states, actions, who may take them; the only code that sets a state.

`apply_transition()` is the one place a call's or an application's state changes. It checks the
table below, the actor and the action's guard, then changes the state with a conditional UPDATE
(`... WHERE id = :id AND state = :from`), so two people acting at the same moment cannot both
succeed, on SQLite as on PostgreSQL. Every transition writes a GrantEvent (who, when, from, to,
message): the application's timeline and its audit trail. Pages show the buttons that
`allowed_actions()` returns, so screens, checks and tests all read this one table.

Two kinds of row have a `state` that is not a machine here, on purpose: a review (assigned,
conflict declared, submitted) and a co-applicant (invited, confirmed, declined). Their state is
a plain record of one person's own answer about themselves, not a decision on someone else's
case: only that person gives it (policy.can_review, policy.can_answer_invitation), it is given
once (a submitted review, a declared conflict and an answered invitation are final), it moves no
money, and what depends on it reads it when the dependent transition is taken (the "all reviews
in" guard below, the team size at submission). Each answer still writes a GrantEvent
(review_submitted, conflict_declared, team_confirmed, team_declined) through record_event().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from alumni_app import audit
from alumni_app.extensions import db
from alumni_app.grants import guards, policy
from alumni_app.grants.errors import WORKFLOW_MESSAGES as MESSAGES  # noqa: F401 - re-exported
from alumni_app.grants.errors import WorkflowError
from alumni_app.grants.machines import (  # noqa: F401 - re-exported
    MODELS,
    STATES,
    Machine,
    application_of,
    machine_of,
    state_error,
)
from alumni_app.grants.models import AppState, CallState, GrantEvent
from alumni_app.grants.money_models import MoveState, ReportState, TrancheState
from alumni_app.grants.policy import Actor


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    actor: Actor
    label: object  # a lazy string: the button
    needs_message: bool = False  # a reason the applicant reads (refusals, revision requests)
    style: str = "primary"


def _t(action, sources, target, actor, label, **kw) -> Transition:
    return Transition(action, frozenset(s.value for s in sources), target.value, actor, label,
                      **kw)


A, C = AppState, CallState
CALL_TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    _t("publish", [C.DRAFT], C.PUBLISHED, Actor.MANAGER, _l("Publish the call")),
    _t("close", [C.PUBLISHED], C.CLOSED, Actor.MANAGER, _l("Close the call now"),
       style="outline-danger"),
    # Extending moves the closing date; a call closed early opens again.
    _t("extend", [C.PUBLISHED, C.CLOSED], C.PUBLISHED, Actor.MANAGER, _l("Extend the call"),
       style="outline-primary"),
)}
APPLICATION_TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    _t("submit", [A.DRAFT], A.SUBMITTED, Actor.APPLICANT, _l("Submit the application")),
    _t("resubmit", [A.REVISION_REQUESTED], A.IN_REVIEW, Actor.APPLICANT,
       _l("Submit the revised application")),
    _t("withdraw", [A.DRAFT, A.SUBMITTED, A.IN_REVIEW, A.REVISION_REQUESTED], A.WITHDRAWN,
       Actor.APPLICANT, _l("Withdraw the application"), style="outline-danger"),
    _t("mark_eligible", [A.SUBMITTED], A.IN_REVIEW, Actor.STAFF, _l("Eligible: send to review")),
    _t("mark_ineligible", [A.SUBMITTED], A.INELIGIBLE, Actor.STAFF, _l("Not eligible"),
       needs_message=True, style="outline-danger"),
    _t("request_revision", [A.IN_REVIEW], A.REVISION_REQUESTED, Actor.STAFF,
       _l("Ask for a revision"), needs_message=True, style="outline-primary"),
    _t("approve", [A.IN_REVIEW], A.APPROVED, Actor.MANAGER, _l("Approve"), style="success"),
    _t("reject", [A.IN_REVIEW], A.REJECTED, Actor.MANAGER, _l("Reject"), needs_message=True,
       style="outline-danger"),
    _t("close", [A.APPROVED], A.CLOSED, Actor.MANAGER, _l("Close the grant")),
)}
T, R, M = TrancheState, ReportState, MoveState
TRANCHE_TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    _t("release", [T.PLANNED], T.RELEASED, Actor.MANAGER, _l("Release this tranche")),
)}
REPORT_TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    _t("submit", [R.DUE, R.RETURNED], R.SUBMITTED, Actor.APPLICANT, _l("Submit the report")),
    _t("accept", [R.SUBMITTED], R.ACCEPTED, Actor.STAFF, _l("Accept the report"),
       style="success"),
    _t("return", [R.SUBMITTED], R.RETURNED, Actor.STAFF, _l("Send the report back"),
       needs_message=True, style="outline-danger"),
)}
MOVE_TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    # The grantee's own move, within the free share (money.free_move_problem).
    _t("apply", [M.PENDING], M.APPROVED, Actor.APPLICANT, _l("Move the money")),
    _t("approve", [M.PENDING], M.APPROVED, Actor.MANAGER, _l("Approve the move"),
       style="success"),
    _t("refuse", [M.PENDING], M.REFUSED, Actor.MANAGER, _l("Refuse the move"),
       style="outline-danger"),
)}
TRANSITIONS = {Machine.CALL: CALL_TRANSITIONS, Machine.APPLICATION: APPLICATION_TRANSITIONS,
               Machine.TRANCHE: TRANCHE_TRANSITIONS, Machine.REPORT: REPORT_TRANSITIONS,
               Machine.MOVE: MOVE_TRANSITIONS}


# Guards: rules beyond state and role, each returning a WorkflowError or None (guards.py, which
# imports no service). Named here, per transition, so buttons, checks and tests all see them.
Guard = Callable[[object, object], WorkflowError | None]


def _on_object(problem) -> Guard:
    return lambda obj, user: problem(obj)


GUARDS: dict[tuple[Machine, str], Guard] = {
    (Machine.APPLICATION, "approve"): guards.reviews_in,
    (Machine.APPLICATION, "reject"): guards.reviews_in,
    (Machine.APPLICATION, "close"): _on_object(guards.closing_problem),
    (Machine.TRANCHE, "release"): _on_object(guards.release_problem),
    (Machine.REPORT, "submit"): _on_object(guards.report_problem),
    (Machine.REPORT, "accept"): guards.grant_running,
    (Machine.REPORT, "return"): guards.grant_running,
    (Machine.MOVE, "apply"): _on_object(guards.free_move_problem),
    (Machine.MOVE, "approve"): _on_object(guards.move_problem),
    (Machine.MOVE, "refuse"): guards.grant_running,
}


def takes_part(user, obj, action: str) -> bool:
    """The table names `user` as who takes `action` on `obj` (its state and guards aside).

    A route's rule: who is not the table's actor for the action gets a 403 before any form.
    """
    transition = TRANSITIONS[machine_of(obj)].get(action)
    return transition is not None and transition.actor in policy.actor_kinds(user, obj)


def refusal(obj, action: str, user, message: str | None = None) -> WorkflowError | None:
    """May `user` take `action` on `obj` now? None if so, else the WorkflowError saying why.

    The one answer to that question: routes, buttons (allowed_actions) and apply_transition all
    ask it. `message=None`: the message is not written yet (a button, a form to fill in).
    """
    machine = machine_of(obj)
    transition = TRANSITIONS[machine].get(action)
    if transition is None:
        return WorkflowError("unknown-action", status=400)
    if obj.state not in transition.sources:
        return state_error(obj)
    if not takes_part(user, obj, action):
        return WorkflowError("not-yours", status=403)
    if message is not None and transition.needs_message and not message.strip():
        return WorkflowError("message-required", status=400)
    guard = GUARDS.get((machine, action))
    return guard(obj, user) if guard else None


def check(obj, action: str, user, message: str = "") -> Transition:
    """Return the transition `user` may take now, or raise WorkflowError saying why not."""
    problem = refusal(obj, action, user, message or "")
    if problem is not None:
        raise problem
    return TRANSITIONS[machine_of(obj)][action]


def apply_transition(obj, action: str, *, actor, message: str = "", internal: bool = False,
                     amount=None, **changes) -> GrantEvent:
    """Take `action` on a call or application as `actor`; the only code that assigns a state.

    `changes` are columns written in the same UPDATE as the state (a decision's amount and
    time), so CHECK constraints tying them to the state hold at every moment.
    """
    transition = check(obj, action, actor, message)
    model = type(obj)
    from_state = obj.state
    db.session.flush()
    result = db.session.execute(
        sa.update(model).where(model.id == obj.id, model.state == from_state)
        .values(state=transition.target, **changes)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise WorkflowError("changed-meanwhile")
    for key, value in {"state": transition.target, **changes}.items():
        set_committed_value(obj, key, value)
    if "updated_at" in model.__table__.c:
        db.session.expire(obj, ["updated_at"])
    return record_event(obj, action, actor=actor, from_state=from_state,
                        to_state=transition.target, message=message, internal=internal,
                        amount=amount)


def record_event(obj, action: str, *, actor, from_state=None, to_state=None, message: str = "",
                 internal: bool = False, amount=None) -> GrantEvent:
    """Write a line of the timeline (and the audit log) for a call, an application or a part
    of one (tranche, report, move: their events read `<machine>_<action>` on the application).
    """
    machine = machine_of(obj)
    application = application_of(obj)
    call = obj if application is None else application.call
    name = action if machine in (Machine.CALL, Machine.APPLICATION) else f"{machine}_{action}"
    event = GrantEvent(application_id=application.id if application else None, call_id=call.id,
                       actor_id=getattr(actor, "id", None), action=name,
                       from_state=from_state, to_state=to_state, message=message or "",
                       is_internal=internal, amount=amount)
    db.session.add(event)
    audit.record(f"grant.{machine.value}.{action}", actor=actor, subject=obj,
                 office_id=call.office_id, from_state=from_state, to_state=to_state)
    return event


def allowed_actions(obj, user) -> list[Transition]:
    """The transitions `user` may take on `obj` now: the buttons its page shows."""
    return [transition for action, transition in TRANSITIONS[machine_of(obj)].items()
            if refusal(obj, action, user) is None]


def blocked_actions(obj, user) -> list[tuple[Transition, str]]:
    """Transitions open in this state and to this user, but held by a guard, with the reason."""
    blocked = []
    for action, transition in TRANSITIONS[machine_of(obj)].items():
        if obj.state not in transition.sources or not takes_part(user, obj, action):
            continue
        problem = refusal(obj, action, user)
        if problem is not None:
            blocked.append((transition, problem.message))
    return blocked
