"""Read helpers of the grants feature: a grant's money and its reviews, as they stand.

Below the guards (guards.py) and the services: they read, never write, and import no service.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from alumni_app.extensions import db
from alumni_app.grants.models import ZERO, BudgetLine, GrantApplication
from alumni_app.grants.money_models import (
    GrantReport,
    MoveState,
    Reallocation,
    Receipt,
    Refund,
    ReportState,
    Tranche,
)
from alumni_app.grants.review_models import Review, ReviewState


# Money
def tranches(application: GrantApplication) -> list[Tranche]:
    return list(db.session.scalars(sa.select(Tranche).filter_by(
        application_id=application.id).order_by(Tranche.number)))


def reports(application: GrantApplication) -> list[GrantReport]:
    return list(db.session.scalars(sa.select(GrantReport).filter_by(
        application_id=application.id).order_by(GrantReport.tranche_number)))


def tranche_of(application_id: int, number: int) -> Tranche | None:
    return db.session.scalar(sa.select(Tranche).filter_by(application_id=application_id,
                                                          number=number))


def report_of(application_id: int, number: int) -> GrantReport | None:
    return db.session.scalar(sa.select(GrantReport).filter_by(application_id=application_id,
                                                              tranche_number=number))


def spent_by_line(application: GrantApplication, *, accepted_only: bool) -> dict[int, Decimal]:
    """Receipts per budget line: on accepted reports only, or on every report."""
    query = (sa.select(Receipt.budget_line_id, sa.func.sum(Receipt.amount))
             .join(GrantReport, GrantReport.id == Receipt.report_id)
             .where(GrantReport.application_id == application.id)
             .group_by(Receipt.budget_line_id))
    if accepted_only:
        query = query.where(GrantReport.state == ReportState.ACCEPTED.value)
    return {line_id: Decimal(total) for line_id, total in db.session.execute(query)}


def spending_table(application: GrantApplication) -> list[dict]:
    """Each budget line: planned, allocated now, spent (accepted, and reported), left."""
    accepted = spent_by_line(application, accepted_only=True)
    reported = spent_by_line(application, accepted_only=False)
    return [{"line": line, "planned": line.total, "allocated": line.current,
             "accepted": accepted.get(line.id, ZERO), "reported": reported.get(line.id, ZERO),
             "left": line.current - reported.get(line.id, ZERO)}
            for line in application.budget_lines]


def accounted_for(application: GrantApplication, *, accepted_only: bool) -> Decimal:
    """Money paid out that receipts (on accepted reports, or on any) or refunds account for."""
    spent = sum(spent_by_line(application, accepted_only=accepted_only).values(), ZERO)
    return spent + application.returned


def unsettled(application: GrantApplication) -> Decimal:
    """Paid out, but neither spent on accepted receipts nor returned."""
    spent = sum(spent_by_line(application, accepted_only=True).values(), ZERO)
    return application.disbursed - spent - application.returned


def refundable(application: GrantApplication) -> Decimal:
    """Paid out, neither returned nor accounted for by any receipt (accepted or not yet)."""
    spent = sum(spent_by_line(application, accepted_only=False).values(), ZERO)
    return application.disbursed - spent - application.returned


def free_share() -> Decimal:
    return Decimal(str(current_app.config.get("GRANT_FREE_MOVE_SHARE", "0.10")))


def moved_by_line(application_id: int) -> dict[int, tuple[Decimal, Decimal]]:
    """Per budget line, the money moved in and out of it by the grant's approved moves."""
    moved: dict[int, tuple[Decimal, Decimal]] = {}
    rows = db.session.execute(
        sa.select(Reallocation.from_line_id, Reallocation.to_line_id, Reallocation.amount)
        .where(Reallocation.application_id == application_id,
               Reallocation.state == MoveState.APPROVED.value))
    for from_id, to_id, amount in rows:
        amount = Decimal(amount)
        into, out = moved.get(from_id, (ZERO, ZERO))
        moved[from_id] = (into, out + amount)
        into, out = moved.get(to_id, (ZERO, ZERO))
        moved[to_id] = (into + amount, out)
    return moved


def available_on(application: GrantApplication, line: BudgetLine) -> Decimal:
    spent = spent_by_line(application, accepted_only=False).get(line.id, ZERO)
    return line.current - spent


def refund_recorded(form_token: str | None) -> bool:
    return bool(form_token) and db.session.scalar(
        sa.select(Refund.id).where(Refund.form_token == form_token)) is not None


# Reviews
def reviews_of(application: GrantApplication) -> list[Review]:
    return list(db.session.scalars(
        sa.select(Review).where(Review.application_id == application.id).order_by(Review.id)))


def progress(application: GrantApplication) -> tuple[int, int, list[Review]]:
    """(reviews submitted, reviews required, the assignments still missing a review)."""
    reviews = reviews_of(application)
    done = sum(1 for r in reviews if r.state == ReviewState.SUBMITTED.value)
    missing = [r for r in reviews if r.state == ReviewState.ASSIGNED.value]
    return done, application.call.reviews_required, missing


def is_reviewer(user, application: GrantApplication) -> bool:
    """Assigned to review this application (a declared conflict still counts: they were)."""
    return db.session.scalar(sa.select(Review.id).filter_by(
        application_id=application.id, reviewer_id=getattr(user, "id", None))) is not None
