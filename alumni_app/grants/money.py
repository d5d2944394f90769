"""A grant's money after approval: tranches, reports and receipts, moves between lines, refunds.

- Tranche n > 1 is released only once tranche n - 1 is released and its report accepted, and
  all the money paid out so far is accounted for: receipts on accepted reports plus refunds
  add up to at least what was disbursed (an interim report cannot be submitted short of that;
  the final report may be, as the grantee returns what is left before the grant closes). The
  application's and the call's disbursed sums grow by conditional UPDATEs, so never more is
  paid than approved (CHECK constraints say the same).
- Receipts are matched to budget lines and may not take a line over its current allocation.
- Money moved between lines: the grantee moves it alone while, on each line, everything moved in
  and out so far stays within GRANT_FREE_MOVE_SHARE of the line's budget as approved; beyond
  that the move waits for a manager. Either way the move goes through the workflow.
- The grant closes when its final report is accepted, every tranche is paid and the money paid
  out is either spent on accepted receipts or returned.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.grants import dates, notifications, workflow
from alumni_app.grants.errors import GrantError, save_upload
from alumni_app.grants.guards import (  # noqa: F401 - re-exported: the rules money obeys
    closing_problem,
    free_move_problem,
    move_problem,
    release_problem,
    report_problem,
    share_problem,
)
from alumni_app.grants.machines import application_of
from alumni_app.grants.models import ZERO, AppState, BudgetLine, GrantApplication, GrantCall
from alumni_app.grants.money_models import (
    GrantReport,
    Reallocation,
    Receipt,
    Refund,
    ReportState,
    Tranche,
    TrancheState,
)
from alumni_app.grants.reads import (  # noqa: F401 - re-exported: money's read helpers
    accounted_for,
    available_on,
    free_share,
    refund_recorded,
    refundable,
    report_of,
    reports,
    spending_table,
    spent_by_line,
    tranche_of,
    tranches,
    unsettled,
)

MESSAGES = {
    "report-closed": _l("This report was submitted: receipts can no longer change."),
    "line-unknown": _l("Choose a line of this grant's budget."),
    "over-line": _l("This receipt takes the line “%(line)s” over its budget of %(budget)s "
                    "(%(spent)s spent already). Ask to move money between lines first."),
    "same-line": _l("Choose two different budget lines."),
    "over-unspent": _l("Only %(unspent)s of the money paid out is unspent and not yet returned."),
    "paid-out": _l("The payment could not be recorded: the amounts changed meanwhile."),
    "not-running": _l("This grant is no longer running: its budget can no longer change."),
    "refund-recorded": _l("This refund was already recorded (the form was sent twice)."),
    "tranche-unpaid": _l("This report accounts for tranche %(number)s, which has not been paid "
                         "yet: put receipts for money spent on the report of the tranche it "
                         "came from."),
}


class MoneyError(GrantError):
    MESSAGES = MESSAGES


def _guarded_add(model, row_id: int, column: str, amount: Decimal, limit) -> None:
    """`column += amount` on one row, only while it stays within `limit` (a column).

    round(): SQLite keeps NUMERIC as binary floats, where 1736.46 + 1736.47 > 3472.93.
    """
    total = sa.func.round(getattr(model, column) + amount, 2)
    result = db.session.execute(
        sa.update(model).where(model.id == row_id, total <= limit)
        .values({column: total}).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise MoneyError("paid-out", status=409)


def hold_lines(application: GrantApplication) -> None:
    """Take the grant's row before reading what its budget lines hold: moves and receipts of
    one grant then go one at a time, each reading what the one before it committed.

    A conditional UPDATE (only while the grant runs), which makes a second transaction wait
    for the first on SQLite (one writer) and PostgreSQL (the row's lock) alike; `SELECT ...
    FOR UPDATE` alone would do nothing on SQLite. The lines loaded before are read again.
    """
    db.session.flush()
    result = db.session.execute(
        sa.update(GrantApplication)
        .where(GrantApplication.id == application.id,
               GrantApplication.state == AppState.APPROVED.value)
        .values(state=GrantApplication.state).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise MoneyError("not-running", status=409)
    for line in application.budget_lines:
        db.session.expire(line, ["allocated"])


# Tranches


def release(actor, tranche: Tranche, reference: str = "") -> None:
    """Pay a tranche: record it, add it to the grant's and the call's disbursed sums."""
    application = application_of(tranche)
    workflow.apply_transition(tranche, "release", actor=actor, message=reference,
                              amount=tranche.amount, released_at=utcnow(),
                              released_by_id=actor.id, reference=reference)
    _guarded_add(GrantApplication, application.id, "disbursed", tranche.amount,
                 GrantApplication.approved_amount)
    _guarded_add(GrantCall, application.call_id, "disbursed", tranche.amount,
                 GrantCall.committed)
    db.session.expire(application, ["disbursed"])
    db.session.expire(application.call, ["disbursed"])
    _keep_report_interval(tranche)
    notifications.tranche_released(application, tranche)


def _keep_report_interval(tranche: Tranche) -> None:
    """A tranche paid late moves its report's due date by as much: the grantee keeps the time."""
    delay = utcnow().date() - tranche.planned_on
    report = report_of(tranche.application_id, tranche.number)
    if report is not None and delay.days > 0:
        report.due_on = dates.shifted(report.due_on, delay)


# Spending


# Reports and receipts
def _editable(report: GrantReport) -> None:
    if report.state not in (ReportState.DUE.value, ReportState.RETURNED.value):
        raise MoneyError("report-closed", status=409)


def add_receipt(actor, report: GrantReport, line_id: int | None, paid_on: date,
                amount: Decimal, description: str, upload=None) -> Receipt:
    """Match money spent to a budget line, with the scanned receipt."""
    _editable(report)
    tranche = tranche_of(report.application_id, report.tranche_number)
    if tranche is None or tranche.state != TrancheState.RELEASED.value:
        # Else an interim report would pass on receipts kept here, and once it is accepted
        # they would count for nothing: the next tranche could never be paid.
        raise MoneyError("tranche-unpaid", status=409, number=report.tranche_number)
    application = application_of(report)
    line = next((x for x in application.budget_lines if x.id == line_id), None)
    if line is None:
        raise MoneyError("line-unknown", "budget_line")
    hold_lines(application)  # a move taking money off this line waits, or is waited for
    spent = spent_by_line(application, accepted_only=False).get(line.id, ZERO)
    if spent + amount > line.current:
        raise MoneyError("over-line", "amount", line=line.description, budget=line.current,
                         spent=spent)
    stored = save_upload(upload, actor=actor, field="scan") if upload else None
    receipt = Receipt(report_id=report.id, budget_line_id=line.id, paid_on=paid_on,
                      amount=amount, description=description, file=stored)
    db.session.add(receipt)
    db.session.flush()
    return receipt


def remove_receipt(actor, receipt: Receipt) -> None:
    _editable(receipt.report)
    db.session.delete(receipt)
    db.session.flush()


def attach_evidence(actor, report: GrantReport, upload) -> None:
    _editable(report)
    report.evidence.append(save_upload(upload, actor=actor, field="attachment"))
    db.session.flush()


def save_report(actor, report: GrantReport, values: dict) -> None:
    """Keep what the grantee wrote so far (narrative, people reached)."""
    _editable(report)
    for key in ("narrative", "people_reached", "women", "men"):
        setattr(report, key, values.get(key))
    db.session.flush()


def submit_report(actor, report: GrantReport, values: dict) -> None:
    save_report(actor, report, values)
    workflow.apply_transition(report, "submit", actor=actor, submitted_at=utcnow())
    notifications.report_submitted(application_of(report), report)


def review_report(actor, report: GrantReport, accept: bool, message: str) -> None:
    """Staff accept a report, or send it back with what to correct."""
    workflow.apply_transition(report, "accept" if accept else "return", actor=actor,
                              message=message, reviewed_at=utcnow(), reviewed_by_id=actor.id,
                              review_message=message)
    notifications.report_reviewed(application_of(report), report)


# Moves between budget lines


def request_move(actor, application: GrantApplication, from_id: int, to_id: int,
                 amount: Decimal, reason: str) -> Reallocation:
    """Move money between lines: at once within the free share, else after a manager agrees."""
    lines = {line.id: line for line in application.budget_lines}
    source, target = lines.get(from_id), lines.get(to_id)
    if source is None or target is None:
        raise MoneyError("line-unknown", "from_line" if source is None else "to_line")
    if source.id == target.id:
        raise MoneyError("same-line", "to_line")
    hold_lines(application)  # two moves at once: the second counts the first in its share
    available = available_on(application, source)
    if amount > available:
        raise MoneyError("over-line", "amount", line=source.description, budget=source.current,
                         spent=source.current - available)
    move = Reallocation(application_id=application.id, from_line_id=source.id,
                        to_line_id=target.id, amount=amount, reason=reason,
                        requested_by_id=actor.id, from_line=source, to_line=target)
    db.session.add(move)
    db.session.flush()
    if share_problem(move) is None:  # the grantee's own decision, through the workflow
        workflow.apply_transition(move, "apply", actor=actor, message=reason, amount=amount,
                                  decided_at=utcnow(), decided_by_id=actor.id)
        _apply_move(move)
    else:
        workflow.record_event(move, "requested", actor=actor, message=reason, amount=amount)
        notifications.move_requested(application, move)
    return move


def decide_move(actor, move: Reallocation, approve: bool) -> None:
    if approve:
        hold_lines(application_of(move))  # the money left on the line, as it is now
    workflow.apply_transition(move, "approve" if approve else "refuse", actor=actor,
                              amount=move.amount, decided_at=utcnow(), decided_by_id=actor.id)
    if approve:
        _apply_move(move)


def _apply_move(move: Reallocation) -> None:
    """Shift the allocations by conditional UPDATEs: two moves at once never lose one."""
    for line, change in ((move.from_line, -move.amount), (move.to_line, move.amount)):
        allocated = sa.func.round(sa.func.coalesce(BudgetLine.allocated, line.total) + change, 2)
        result = db.session.execute(
            sa.update(BudgetLine).where(BudgetLine.id == line.id, allocated >= 0)
            .values(allocated=allocated).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise MoneyError("paid-out", status=409)
        db.session.expire(line, ["allocated"])


# Refunds and closing


def record_refund(actor, application: GrantApplication, amount: Decimal, returned_on: date,
                  reference: str, form_token: str | None = None) -> Refund:
    """Record unspent money the grantee paid back (at most what no receipt accounts for).

    `form_token` is the form's one-time token: a second post of the same form is refused
    ("refund-recorded"), by this check or, when both posts arrive at once, by its unique key.
    """
    if refund_recorded(form_token):
        raise MoneyError("refund-recorded", status=409)
    hold_lines(application)  # two refunds (or a receipt) at once: the second counts the first
    left = refundable(application)
    if amount > left:
        raise MoneyError("over-unspent", "amount", unspent=left)
    refund = Refund(application_id=application.id, amount=amount, returned_on=returned_on,
                    reference=reference, recorded_by_id=actor.id, form_token=form_token)
    db.session.add(refund)
    db.session.flush()  # the unique token first: the sums change only for the first post
    _guarded_add(GrantApplication, application.id, "returned", amount,
                 GrantApplication.disbursed)
    _guarded_add(GrantCall, application.call_id, "returned", amount, GrantCall.disbursed)
    db.session.expire(application, ["returned"])
    db.session.expire(application.call, ["returned"])
    workflow.record_event(application, "refund_recorded", actor=actor, message=reference,
                          amount=amount)
    return refund


def close(actor, application: GrantApplication, message: str = "") -> None:
    workflow.apply_transition(application, "close", actor=actor, message=message)
    notifications.grant_closed(application)
