"""Calls for proposals: drafted by a manager, published, closed early or extended.

Whether a call is open is derived from its state and dates, never stored. Times are typed in the
office's time zone and stored in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.grants import workflow
from alumni_app.grants.errors import GrantError
from alumni_app.grants.models import AppState, Criterion, GrantApplication, GrantCall
from alumni_app.offices.models import Office
from alumni_app.times import format_moment

CALL_FIELDS = ("title", "description", "total_budget", "ceiling", "min_months_since_training",
               "min_team_size", "reviews_required")
MESSAGES = {
    "dates": _l("The call must close after it opens."),
    "ceiling": _l("The ceiling per grant cannot be more than the call's total budget."),
    "criteria": _l("Give reviewers at least one criterion to score."),
    "extend-earlier": _l("The new closing time must be later than the current one "
                         "(%(current)s) and in the future."),
}


class CallError(GrantError):
    MESSAGES = MESSAGES


@dataclass
class CriterionRow:
    name: str
    weight: Decimal
    scale_max: int = 5
    description: str = ""


def office_zone(office: Office) -> ZoneInfo:
    try:
        return ZoneInfo(office.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def to_utc(local: datetime, office: Office) -> datetime:
    """A wall-clock time in the office's zone, as an aware UTC datetime."""
    return local.replace(tzinfo=office_zone(office)).astimezone(UTC)


def to_local(moment: datetime, office: Office) -> datetime:
    return moment.astimezone(office_zone(office))


def _apply(call: GrantCall, values: dict, criteria: list[CriterionRow]) -> None:
    office = call.office or db.session.get(Office, call.office_id)
    opens_at, closes_at = to_utc(values["opens_at"], office), to_utc(values["closes_at"], office)
    if closes_at <= opens_at:
        raise CallError("dates", "closes_at")
    if values["ceiling"] > values["total_budget"]:
        raise CallError("ceiling", "ceiling")
    if not criteria:
        raise CallError("criteria", "criteria")
    for key in CALL_FIELDS:
        setattr(call, key, values[key])
    call.opens_at, call.closes_at = opens_at, closes_at
    call.currency = values.get("currency") or office.currency
    _replace_criteria(call, criteria)


def _replace_criteria(call: GrantCall, rows: list[CriterionRow]) -> None:
    existing = list(call.criteria)
    for position, row in enumerate(rows):
        criterion = existing[position] if position < len(existing) else Criterion(call=call)
        criterion.position, criterion.name, criterion.description = position, row.name, \
            row.description
        criterion.weight, criterion.scale_max = row.weight, row.scale_max
        db.session.add(criterion)
    for criterion in existing[len(rows):]:
        call.criteria.remove(criterion)
        db.session.delete(criterion)


def create_call(actor, office_id: int, values: dict, criteria: list[CriterionRow]) -> GrantCall:
    """Draft a call for `office_id`; nothing is visible to alumni until it is published."""
    call = GrantCall(office_id=office_id, created_by_id=actor.id,
                     office=db.session.get(Office, office_id))
    _apply(call, values, criteria)
    db.session.add(call)
    db.session.flush()
    workflow.record_event(call, "created", actor=actor, to_state=call.state, internal=True)
    return call


def update_call(actor, call: GrantCall, values: dict, criteria: list[CriterionRow]) -> None:
    """Change a draft call's terms (policy.can_edit_call allows drafts only)."""
    _apply(call, values, criteria)
    db.session.flush()
    workflow.record_event(call, "edited", actor=actor, to_state=call.state, internal=True)


def publish(actor, call: GrantCall) -> None:
    workflow.apply_transition(call, "publish", actor=actor, published_at=utcnow())


def close_early(actor, call: GrantCall, message: str = "") -> None:
    """Stop taking submissions now (drafts stay; revisions asked for may still come in)."""
    workflow.apply_transition(call, "close", actor=actor, message=message)


def extend(actor, call: GrantCall, closes_at_local: datetime, message: str = "") -> None:
    """Move the closing time later; a call closed early opens again."""
    new_close = to_utc(closes_at_local, call.office)
    if new_close <= max(call.closes_at, utcnow()):
        current = format_moment(call.closes_at, "short")
        raise CallError("extend-earlier", "closes_at", current=current)
    workflow.apply_transition(call, "extend", actor=actor, message=message, closes_at=new_close)


@dataclass
class Figures:
    budget: Decimal
    committed: Decimal
    disbursed: Decimal
    returned: Decimal
    remaining: Decimal
    counts: dict[str, int]
    requested: Decimal  # asked for by applications submitted and not yet decided


def figures(call: GrantCall) -> Figures:
    """The call's money and how many applications are in each state."""
    rows = db.session.execute(
        sa.select(GrantApplication.state, sa.func.count(),
                  sa.func.coalesce(sa.func.sum(GrantApplication.requested_amount), 0))
        .where(GrantApplication.call_id == call.id).group_by(GrantApplication.state)).all()
    counts = {state: count for state, count, _ in rows}
    waiting = (AppState.SUBMITTED.value, AppState.IN_REVIEW.value,
               AppState.REVISION_REQUESTED.value)
    requested = sum((Decimal(total) for state, _, total in rows if state in waiting),
                    Decimal("0.00"))
    return Figures(budget=call.total_budget, committed=call.committed, disbursed=call.disbursed,
                   returned=call.returned, remaining=call.total_budget - call.committed,
                   counts=counts, requested=requested)
