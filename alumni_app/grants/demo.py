"""Demo mini-grants for the Tajikistan office: a finished call with a running grant, an open call.

Built through the services, as staff and alumni would, so the demo's history is real: events,
reviews (one still to come), a decision, a tranche paid. The demo alumnus (Dilnoza) has applied
to nothing, so she can try the whole journey; Farrukh has a grant running and an application
under review.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from alumni_app.accounts.models import User
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.grants import applications, calls, decisions, money, reviews
from alumni_app.grants.applications import BudgetRow
from alumni_app.grants.calls import CriterionRow
from alumni_app.grants.decisions import TrancheRow
from alumni_app.grants.models import GrantCall
from alumni_app.grants.reviews import ScoreInput
from alumni_app.offices.models import Office
from alumni_app.training.models import Course, Participation

D = Decimal
CRITERIA = [CriterionRow("Relevance to the action plan", D("3"), 5),
            CriterionRow("Feasibility and budget", D("2"), 5),
            CriterionRow("Cross-sector cooperation", D("1"), 5)]
DESCRIPTION = ("The Mini-Grant Scheme funds initiatives of ex-participants that carry their "
               "action plans forward. Joint projects of alumni from different sectors, "
               "especially with education, are encouraged.")


def _local(office: Office, moment: datetime) -> datetime:
    return calls.to_local(moment, office).replace(tzinfo=None)


def _call(manager: User, office: Office, title: str, opens: datetime, closes: datetime,
          budget: str, ceiling: str) -> GrantCall:
    call = calls.create_call(manager, office.id, {
        "title": title, "description": DESCRIPTION, "opens_at": _local(office, opens),
        "closes_at": _local(office, closes), "total_budget": D(budget), "ceiling": D(ceiling),
        "min_months_since_training": 6, "min_team_size": 1, "reviews_required": 2},
        CRITERIA)
    calls.publish(manager, call)
    return call


def _trained_long_ago(user: User) -> None:
    """Make sure the alumnus has a course that ended over a year ago (the calls ask 6 months)."""
    record = db.session.scalar(sa.select(AlumnusRecord).filter_by(user_id=user.id))
    cutoff = date.today() - timedelta(days=400)
    taken = {p.course_id for p in record.participations}
    old = db.session.scalar(sa.select(Course).where(Course.end_on < cutoff)
                            .order_by(Course.end_on.desc()))
    if old is None:
        old = db.session.scalar(sa.select(Course).order_by(Course.id))
        old.set_dates(cutoff - timedelta(days=30), cutoff)
    if old.id not in taken:
        db.session.add(Participation(record_id=record.id, course_id=old.id))
    db.session.flush()


def _score(reviewer: User, assigner: User, application, scores, recommendation) -> None:
    review = reviews.assign(assigner, application, reviewer)
    reviews.save_review(reviewer, review, [ScoreInput(c.id, s) for c, s in
                                           zip(application.call.criteria, scores, strict=True)],
                        recommendation, "Clear plan, realistic budget.", submit=True,
                        seen_version=reviews.current_version(application))


def seed(office: Office, manager: User, officers: list[User], alumni: list[User]) -> None:
    """Two calls of `office`, a running grant and an application under review."""
    now = datetime.now(UTC)
    for user in alumni:
        _trained_long_ago(user)
    _running_grant(office, manager, officers, alumni[1], now)
    _under_review(office, manager, officers, alumni[1], now)
    db.session.flush()


def _running_grant(office, manager, officers, farrukh, now) -> None:
    """Last year's call: an approved grant, its first tranche paid three months ago."""
    past = _call(manager, office, "Mini-Grant Scheme 2026", now - timedelta(days=200),
                 now - timedelta(days=140), "150000", "20000")
    grant = applications.start(farrukh, _reopened(past, now))
    applications.save_draft(farrukh, grant, {
        "title": "Safe roads near schools in Khujand",
        "summary": "Road safety seminars for 12 schools and signs at the worst crossings.",
        "problem": "Children cross busy roads without crossings.",
        "objectives": "Fewer accidents near schools; trained traffic wardens.",
        "activities": "Month 1: seminars. Month 2: signs installed. Month 3: evaluation.",
        "starts_on": date.today() - timedelta(days=100),
        "ends_on": date.today() + timedelta(days=60), "target_group": "Pupils and teachers",
        "people_to_reach": 2400, "language": "ru"},
        [BudgetRow("equipment", "Road signs", D("24"), D("450.00")),
         BudgetRow("printing", "Leaflets for pupils", D("2400"), D("1.50")),
         BudgetRow("venue", "Seminar halls", D("6"), D("350.00"))], None)
    applications.submit(farrukh, grant, "demo-grant-2026")
    grant.submitted_at = now - timedelta(days=150)
    _restore(past, now)
    reviews.screen(officers[0], grant, True, "")
    _score(officers[0], manager, grant, (5, 4, 3), "fund")
    _score(officers[1], manager, grant, (4, 4, 4), "fund")
    amount = grant.requested_amount
    half = (amount / 2).quantize(D("0.01"))
    decisions.approve(manager, grant, amount, D("0.0915"), "Receipts for every purchase.", [
        TrancheRow(half, date.today(), date.today() + timedelta(days=20)),
        TrancheRow(amount - half, date.today() + timedelta(days=30),
                   date.today() + timedelta(days=90))])
    first = money.tranches(grant)[0]
    money.release(manager, first, "PO-2026-017")
    # Paid three months ago, as planned then (a schedule cannot be planned in the past now).
    first.planned_on, first.released_at = date.today() - timedelta(days=90), now - timedelta(
        days=90)


def _under_review(office, manager, officers, farrukh, now) -> None:
    """This year's open call: an application screened, one review in, one to come."""
    current = _call(manager, office, "Mini-Grant Scheme 2027", now - timedelta(days=5),
                    now + timedelta(days=60), "200000", "25000")
    pending = applications.start(farrukh, current)
    applications.save_draft(farrukh, pending, {
        "title": "Water user associations: record keeping",
        "summary": "Training 30 association accountants in simple record keeping.",
        "problem": "Water fees are lost for want of records.",
        "objectives": "30 accountants trained; records kept in every association.",
        "activities": "Two three-day trainings in Sughd; follow-up visits.",
        "starts_on": date.today() + timedelta(days=70),
        "ends_on": date.today() + timedelta(days=160), "target_group": "Accountants",
        "people_to_reach": 30, "language": "ru"},
        [BudgetRow("personnel", "Trainer fees", D("6"), D("900.00")),
         BudgetRow("venue", "Training rooms", D("6"), D("400.00"))], None)
    applications.submit(farrukh, pending, "demo-pending-2027")
    reviews.screen(officers[0], pending, True, "")
    _score(officers[0], manager, pending, (4, 3, 2), "fund_with_changes")
    if len(officers) > 1:  # the second review is still to come: the reviewer's work list
        reviews.assign(manager, pending, officers[1])


def _reopened(call: GrantCall, now: datetime) -> GrantCall:
    """Open the past call for a moment, so the demo applies through the normal path."""
    call.closes_at = now + timedelta(minutes=5)
    call.opens_at = now - timedelta(days=1)
    db.session.flush()
    return call


def _restore(call: GrantCall, now: datetime) -> None:
    call.opens_at, call.closes_at = now - timedelta(days=200), now - timedelta(days=140)
    db.session.flush()
