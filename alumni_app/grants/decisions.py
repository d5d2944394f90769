"""A manager's decision on an application: approve with an amount and a schedule, or reject.

Two guards hold even when managers decide at the same moment, on SQLite and PostgreSQL alike
(measured: `SELECT ... FOR UPDATE` alone does nothing on SQLite):
- the state changes by `UPDATE ... WHERE state = 'in_review'` (workflow.apply_transition), so an
  application is decided once;
- the call's budget is charged by `UPDATE grant_calls SET committed = committed + :x WHERE id = :id
  AND committed + :x <= total_budget`, so approvals never add up to more than the budget.
Both run in the request's one transaction; if either finds its row changed, nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.grants import dates, notifications, reviews, workflow
from alumni_app.grants.errors import GrantError
from alumni_app.grants.models import GrantApplication, GrantCall
from alumni_app.grants.money_models import GrantReport, ReportKind, Tranche

MESSAGES = {
    "over-request": _l("The amount cannot be more than the %(requested)s asked for."),
    "over-ceiling": _l("The amount cannot be more than the ceiling of %(ceiling)s per grant."),
    "over-budget": _l("Only %(remaining)s of the call's budget is left: approve less, or "
                      "raise the budget."),
    "schedule-sum": _l("The tranches add up to %(total)s; they must add up to the amount "
                       "approved, %(amount)s."),
    "schedule-empty": _l("Plan at least one tranche."),
    "schedule-order": _l("Tranche %(number)s must come after the one before it, and its "
                         "report after its payment."),
    "schedule-past": _l("Tranche %(number)s is planned for a day that has passed."),
    "schedule-far": _l("The dates of tranche %(number)s must lie within %(years)s years from "
                       "today."),
    "rate": _l("Enter the exchange rate to US dollars on the day of approval."),
    "earlier-reviews": _l("Reviews by %(names)s scored an earlier version of the application, "
                          "before its last revision. Tick “Decide on reviews of an earlier "
                          "version” to rely on them, or assign reviewers for this version."),
}


CENT = Decimal("0.01")


class DecisionError(GrantError):
    MESSAGES = MESSAGES


@dataclass
class TrancheRow:
    amount: Decimal
    planned_on: date
    report_due_on: date


def _first_day(office) -> date:
    """The earliest day a payment may be planned for: today, in UTC or office time."""
    from alumni_app.grants.calls import to_local

    now = utcnow()
    return min(now.date(), to_local(now, office).date())


def _check_schedule(amount: Decimal, rows: list[TrancheRow], first_day: date) -> None:
    """Tranches that add up, each paid no earlier than today and before the previous report
    falls due, its report due after its payment, all within the dates' horizon."""
    if not rows:
        raise DecisionError("schedule-empty", "tranches")
    total = sum((row.amount for row in rows), Decimal("0.00"))
    if total != amount:
        raise DecisionError("schedule-sum", "tranches", total=total, amount=amount)
    previous = None
    for number, row in enumerate(rows, start=1):
        if not (dates.within_horizon(row.planned_on, first_day)
                and dates.within_horizon(row.report_due_on, first_day)):
            raise DecisionError("schedule-far", "tranches", number=number,
                                years=dates.HORIZON_YEARS)
        if row.planned_on < first_day:
            raise DecisionError("schedule-past", "tranches", number=number)
        if row.report_due_on <= row.planned_on or (previous and row.planned_on <
                                                    previous.report_due_on):
            raise DecisionError("schedule-order", "tranches", number=number)
        previous = row


def _check_reviews_current(application: GrantApplication, earlier_confirmed: bool) -> None:
    """Reviews of an earlier version count only when the manager says so, knowingly."""
    earlier = reviews.earlier_version_reviews(application)
    if earlier and not earlier_confirmed:
        raise DecisionError("earlier-reviews", "confirm_earlier",
                            names=", ".join(r.reviewer.display_name for r in earlier))


def charge_budget(call: GrantCall, amount: Decimal) -> None:
    """Add `amount` to the call's committed sum unless that would exceed its budget."""
    # round(): SQLite keeps NUMERIC as binary floats, where 0.10 + 0.20 > 0.30.
    total = sa.func.round(GrantCall.committed + amount, 2)
    result = db.session.execute(
        sa.update(GrantCall)
        .where(GrantCall.id == call.id, total <= GrantCall.total_budget)
        .values(committed=total)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.expire(call, ["committed"])
        raise DecisionError("over-budget", "amount", status=409, remaining=call.remaining)
    db.session.expire(call, ["committed"])


def approve(actor, application: GrantApplication, amount: Decimal, usd_rate: Decimal | None,
            conditions: str, schedule: list[TrancheRow], *,
            earlier_reviews_confirmed: bool = False) -> None:
    """Approve `amount` (<= request, ceiling and what is left of the budget) with its tranches.

    Who may, and when, is the workflow's rule: apply_transition() asks it, once.
    """
    _check_reviews_current(application, earlier_reviews_confirmed)
    call = application.call
    if application.requested_amount is not None and amount > application.requested_amount:
        raise DecisionError("over-request", "amount", requested=application.requested_amount)
    if amount > call.ceiling:
        raise DecisionError("over-ceiling", "amount", ceiling=call.ceiling)
    if usd_rate is None or usd_rate <= 0:
        raise DecisionError("rate", "usd_rate")
    _check_schedule(amount, schedule, _first_day(call.office))
    now = utcnow()
    workflow.apply_transition(application, "approve", actor=actor, message=conditions,
                              amount=amount, approved_amount=amount, usd_rate=usd_rate,
                              conditions=conditions, decided_at=now, decided_by_id=actor.id)
    charge_budget(call, amount)
    _plan_money(application, schedule)
    allocate(application.budget_lines, amount)
    notifications.decision(application)


def allocate(lines, amount: Decimal) -> None:
    """Give each budget line its share of the approved amount (all of it when fully approved).

    Lines are scaled pro rata and rounded down to the cent; the cents left go to the largest
    line, so the allocations always add up to the amount approved.
    """
    if not lines:
        return
    requested = sum((line.total for line in lines), Decimal("0.00"))
    for line in lines:
        share = line.total * amount / requested if requested else Decimal(0)
        line.allocated = share.quantize(CENT, rounding=ROUND_DOWN)
    largest = max(lines, key=lambda line: line.total)
    largest.allocated += amount - sum((line.allocated for line in lines), Decimal("0.00"))


def _plan_money(application: GrantApplication, schedule: list[TrancheRow]) -> None:
    """The tranches, and a report after each: interim ones, then the final report."""
    last = len(schedule)
    for number, row in enumerate(schedule, start=1):
        db.session.add(Tranche(application_id=application.id, number=number, amount=row.amount,
                               planned_on=row.planned_on))
        kind = ReportKind.FINAL if number == last else ReportKind.INTERIM
        db.session.add(GrantReport(application_id=application.id, kind=kind.value,
                                   tranche_number=number, due_on=row.report_due_on))
    db.session.flush()


def reject(actor, application: GrantApplication, reason: str, *,
           earlier_reviews_confirmed: bool = False) -> None:
    """Reject with a reason the applicant reads."""
    _check_reviews_current(application, earlier_reviews_confirmed)
    workflow.apply_transition(application, "reject", actor=actor, message=reason,
                              decision_reason=reason, decided_at=utcnow(),
                              decided_by_id=actor.id)
    notifications.decision(application)
