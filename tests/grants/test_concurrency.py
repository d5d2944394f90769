"""Hundreds of simultaneous approvals never overspend a call nor decide an application twice.

Two managers approve each of 200 applications at the same moment (400 threads, each with its own
connection and transaction), against a budget that covers only half of them. Run on a SQLite
file and, when TEST_DATABASE_URL is set, on a throwaway PostgreSQL database: `SELECT ... FOR
UPDATE` alone would hold on PostgreSQL and overspend on SQLite; the conditional UPDATEs hold on
both.
"""

from __future__ import annotations

import os
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from alumni_app import create_app
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.grants import decisions
from alumni_app.grants.decisions import DecisionError, TrancheRow
from alumni_app.grants.models import BudgetLine, GrantApplication, GrantCall, GrantEvent
from alumni_app.grants.money_models import Tranche
from alumni_app.grants.review_models import Review
from alumni_app.grants.workflow import WorkflowError
from tests import factories
from tests.conftest import throwaway_postgres

pytestmark = pytest.mark.slow

APPLICATIONS = 200
AMOUNT = Decimal("33.33")  # cents: SQLite adds NUMERIC as binary floats
BUDGET = AMOUNT * 100  # room for exactly 100 of the 200


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'concurrency.db'}", {"connect_args": {"timeout": 120},
                                                           "pool_timeout": 300}
    elif not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("set TEST_DATABASE_URL to run the concurrency test on PostgreSQL")
    else:
        for url in throwaway_postgres(os.environ["TEST_DATABASE_URL"]):
            yield url, {"pool_size": 30, "max_overflow": 0, "pool_timeout": 300}


def _seed() -> tuple[list[int], list[int], int]:
    """A call, two managers who did not review, and 200 applications with their reviews in."""
    office = factories.make_office(code="TJ")
    managers = [factories.make_user("manager", office, second_factor=True) for _ in range(2)]
    reviewers = [factories.make_user("officer", office) for _ in range(2)]
    call = GrantCall(office_id=office.id, title="Call", opens_at=utcnow() - timedelta(days=9),
                     closes_at=utcnow() - timedelta(days=1), currency="TJS",
                     total_budget=BUDGET, ceiling=Decimal("2000.00"), reviews_required=2,
                     state="published")
    db.session.add(call)
    db.session.flush()
    ids = []
    for n in range(APPLICATIONS):
        applicant = factories.make_user("alumnus")
        record = factories.make_record(office)
        application = GrantApplication(call_id=call.id, applicant_id=applicant.id,
                                       record_id=record.id, state="in_review",
                                       title=f"Project {n}", requested_amount=AMOUNT,
                                       submitted_at=utcnow())
        db.session.add(application)
        db.session.flush()
        db.session.add(BudgetLine(application_id=application.id, category="other",
                                  description="All", quantity=Decimal(1), unit_cost=AMOUNT))
        for reviewer in reviewers:
            db.session.add(Review(application_id=application.id, reviewer_id=reviewer.id,
                                  state="submitted", recommendation="fund",
                                  submitted_at=utcnow()))
        ids.append(application.id)
    db.session.commit()
    return ids, [m.id for m in managers], call.id


def _approve(app, application_id: int, manager_id: int, barrier, outcomes: list) -> None:
    from alumni_app.accounts.models import User

    with app.app_context():
        try:
            manager = db.session.get(User, manager_id)
            application = db.session.get(GrantApplication, application_id)
            db.session.commit()  # give the connection back while waiting for the others
            barrier.wait()
            decisions.approve(manager, application, AMOUNT, Decimal("0.09"), "",
                              [TrancheRow(AMOUNT, factories_today(),
                                          factories_today() + timedelta(days=30))])
            db.session.commit()
            outcomes.append("approved")
        except (DecisionError, WorkflowError) as exc:
            db.session.rollback()
            outcomes.append(exc.code)
        except DBAPIError as exc:  # a lost race the database itself refused: nothing written
            db.session.rollback()
            outcomes.append(type(exc.orig).__name__)
        finally:
            db.session.remove()


def factories_today():
    return utcnow().date()


def test_simultaneous_approvals_hold_the_budget_and_decide_once(shared_database):
    url, engine_options = shared_database
    app = create_app({**factories.TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": engine_options})
    with app.app_context():
        db.create_all()
        ids, managers, call_id = _seed()
        db.session.remove()

    outcomes: list[str] = []
    barrier = threading.Barrier(len(ids) * len(managers), timeout=300)
    threads = [threading.Thread(target=_approve, args=(app, i, m, barrier, outcomes))
               for i in ids for m in managers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)

    with app.app_context():
        call = db.session.get(GrantCall, call_id)
        approved = db.session.scalars(sa.select(GrantApplication).where(
            GrantApplication.state == "approved")).all()
        approve_events = db.session.execute(
            sa.select(GrantEvent.application_id, sa.func.count()).where(
                GrantEvent.action == "approve").group_by(GrantEvent.application_id)).all()
        tranches = db.session.scalar(sa.select(sa.func.count()).select_from(Tranche))
        total = sum((a.approved_amount for a in approved), Decimal(0))
        db.session.remove()
        db.drop_all()
        db.engine.dispose()

    assert len(outcomes) == len(threads)
    assert call.committed == total <= BUDGET
    assert len(approved) == BUDGET / AMOUNT, sorted(set(outcomes))
    assert all(count == 1 for _, count in approve_events)
    assert len(approve_events) == len(approved) == tranches
    assert outcomes.count("approved") == len(approved)
