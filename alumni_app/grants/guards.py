"""The workflow's guards: rules beyond state and actor that hold a transition back, and why.

Each takes the object (and for some the user) and returns a WorkflowError or None. Pure checks:
they read (reads.py) and import no service, so the workflow, the buttons and the services all
ask them without a circle.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.grants import reads
from alumni_app.grants.errors import WorkflowError
from alumni_app.grants.machines import application_of, state_error
from alumni_app.grants.models import ZERO, AppState, GrantApplication
from alumni_app.grants.money_models import (
    GrantReport,
    Reallocation,
    ReportKind,
    ReportState,
    Tranche,
    TrancheState,
)
from alumni_app.grants.reads import (
    accounted_for,
    available_on,
    free_share,
    moved_by_line,
    report_of,
    spent_by_line,
    tranche_of,
    tranches,
    unsettled,
)


def reviews_in(application: GrantApplication, user) -> WorkflowError | None:
    done, required = reads.progress(application)[:2]
    if done < required:
        return WorkflowError("reviews-missing", done=done, required=required)
    if reads.is_reviewer(user, application):
        return WorkflowError("decider-reviewed", status=403)
    return None


def grant_running(obj, user) -> WorkflowError | None:
    application = application_of(obj)
    if application.state != AppState.APPROVED.value:
        return state_error(application)
    return None


def release_problem(tranche: Tranche) -> WorkflowError | None:
    application = application_of(tranche)
    if application.state != AppState.APPROVED.value:
        return state_error(application)
    if tranche.number > 1:
        previous = tranche_of(tranche.application_id, tranche.number - 1)
        if previous.state != TrancheState.RELEASED.value:
            return WorkflowError("previous-unreleased", number=previous.number)
        report = report_of(tranche.application_id, previous.number)
        if report.state != ReportState.ACCEPTED.value:
            return WorkflowError("previous-report", number=previous.number)
        accounted = accounted_for(application, accepted_only=True)
        if accounted < application.disbursed:
            return WorkflowError("previous-unaccounted", accounted=accounted,
                                 disbursed=application.disbursed)
    if application.disbursed + tranche.amount > application.approved_amount:
        return WorkflowError("over-approved", approved=application.approved_amount)
    return None


def report_problem(report: GrantReport) -> WorkflowError | None:
    """What stops a report from being submitted now."""
    application = application_of(report)
    if application.state != AppState.APPROVED.value:
        return state_error(application)
    tranche = tranche_of(report.application_id, report.tranche_number)
    if tranche is None or tranche.state != TrancheState.RELEASED.value:
        return WorkflowError("tranche-not-released", number=report.tranche_number)
    if not (report.narrative or "").strip():
        return WorkflowError("report-incomplete", status=400)
    if not report.receipts and application.returned < application.disbursed:
        return WorkflowError("receipts-missing", status=400)  # (nothing spent: all returned)
    if report.kind == ReportKind.FINAL.value and report.people_reached is None:
        return WorkflowError("people-missing", status=400)
    spent = sum(spent_by_line(application, accepted_only=False).values(), ZERO)
    if spent + application.returned > application.disbursed:
        return WorkflowError("receipts-over-disbursed", status=400, spent=spent,
                             disbursed=application.disbursed - application.returned)
    if report.kind == ReportKind.INTERIM.value and \
            spent + application.returned < application.disbursed:
        return WorkflowError("receipts-short", status=400, spent=spent,
                             returned=application.returned, disbursed=application.disbursed)
    return None


def share_problem(move: Reallocation) -> WorkflowError | None:
    """A move is free while, on each of its two lines, all the money moved in and out so far
    (approved moves, this one included) stays within the free share of the line's budget as
    approved; beyond that a manager decides."""
    moved = moved_by_line(move.application_id)
    for line in (move.from_line, move.to_line):
        into, out = moved.get(line.id, (ZERO, ZERO))
        approved = line.current - into + out  # the line's allocation before any move
        allowance = (approved * free_share()).quantize(Decimal("0.01"))
        if into + out + move.amount > allowance:
            return WorkflowError("move-over-share", status=403, line=line.description,
                                 allowance=allowance, moved=into + out)
    return None


def move_problem(move: Reallocation) -> WorkflowError | None:
    """What stops a manager from approving a move: the grant's state, the money left."""
    application = application_of(move)
    if application.state != AppState.APPROVED.value:
        return state_error(application)
    available = available_on(application, move.from_line)
    if move.amount > available:
        return WorkflowError("move-too-large", line=move.from_line.description,
                             available=available)
    return None


def free_move_problem(move: Reallocation) -> WorkflowError | None:
    """What stops the grantee from making a move alone: the above, and the free share."""
    return move_problem(move) or share_problem(move)


def closing_problem(application: GrantApplication) -> WorkflowError | None:
    final = db.session.scalar(sa.select(GrantReport).filter_by(
        application_id=application.id, kind=ReportKind.FINAL.value))
    if final is None or final.state != ReportState.ACCEPTED.value:
        return WorkflowError("final-report-open")
    if any(t.state != TrancheState.RELEASED.value for t in tranches(application)):
        return WorkflowError("tranches-unreleased")
    left = unsettled(application)
    if left != 0:
        return WorkflowError("money-unsettled", amount=left)
    return None
