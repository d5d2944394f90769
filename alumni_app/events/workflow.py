"""An event's states as data: which action leads from which states to which, and the one
function that changes the state (a conditional UPDATE, so two people acting at once cannot
both succeed), like the grant workflow (alumni_app/grants/workflow.py).

    draft --publish--> published --postpone--> postponed --postpone--> postponed
                       published/postponed --cancel--> cancelled
                       published/postponed --finish--> finished (once it has begun)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from alumni_app import audit
from alumni_app.db import utcnow
from alumni_app.errors import DomainError
from alumni_app.events.models import Event, EventState
from alumni_app.extensions import db

S = EventState


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    label: object  # the button
    style: str = "primary"
    confirm: bool = False  # a page of its own asks first (people are told)


def _t(action, sources, target, label, **kw) -> Transition:
    return Transition(action, frozenset(s.value for s in sources), target.value, label, **kw)


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    _t("publish", [S.DRAFT], S.PUBLISHED, _l("Publish")),
    _t("postpone", [S.PUBLISHED, S.POSTPONED], S.POSTPONED, _l("Postpone…"),
       style="outline-secondary", confirm=True),
    _t("cancel", [S.PUBLISHED, S.POSTPONED], S.CANCELLED, _l("Cancel the event…"),
       style="outline-danger", confirm=True),
    _t("finish", [S.PUBLISHED, S.POSTPONED], S.FINISHED, _l("Mark as finished"),
       style="outline-secondary"),
)}


class WorkflowError(DomainError):
    MESSAGES = {
        "unknown-action": _l("This action does not exist."),
        "wrong-state": _l("This cannot be done now: the event is %(state)s."),
        "changed-meanwhile": _l("Someone else changed this event at the same moment. Reload "
                                "the page to see where things stand."),
        "not-begun": _l("The event has not begun yet: it is finished once it has taken "
                        "place."),
        "begun": _l("The event has begun: it can no longer be postponed or cancelled."),
    }
    status = 409


def _begun(event: Event) -> WorkflowError | None:
    return WorkflowError("not-begun") if utcnow() < event.starts_at else None


def _not_over(event: Event) -> WorkflowError | None:
    return WorkflowError("begun") if utcnow() >= event.ends_at else None


GUARDS: dict[str, Callable[[Event], WorkflowError | None]] = {
    "finish": _begun,
    "postpone": _not_over,
    "cancel": _not_over,
}


def check(event: Event, action: str) -> Transition:
    from alumni_app.events.labels import state_label

    transition = TRANSITIONS.get(action)
    if transition is None:
        raise WorkflowError("unknown-action", status=400)
    if event.state not in transition.sources:
        raise WorkflowError("wrong-state", state=state_label(event.state))
    guard = GUARDS.get(action)
    problem = guard(event) if guard else None
    if problem is not None:
        raise problem
    return transition


def apply_transition(event: Event, action: str, *, actor, **changes) -> Transition:
    """Take `action` on `event`: the only code that assigns an event's state. `changes` are
    columns written in the same UPDATE (a postponement's new dates)."""
    transition = check(event, action)
    from_state = event.state
    db.session.flush()
    result = db.session.execute(
        sa.update(Event).where(Event.id == event.id, Event.state == from_state)
        .values(state=transition.target, **changes)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise WorkflowError("changed-meanwhile")
    for key, value in {"state": transition.target, **changes}.items():
        set_committed_value(event, key, value)
    db.session.expire(event, ["updated_at"])
    audit.record(f"event.{action}", actor=actor, subject=event, office_id=event.office_id,
                 from_state=from_state, to_state=transition.target)
    return transition


def allowed_actions(event: Event) -> list[Transition]:
    allowed = []
    for action in TRANSITIONS:
        try:
            allowed.append(check(event, action))
        except WorkflowError:
            continue
    return allowed
