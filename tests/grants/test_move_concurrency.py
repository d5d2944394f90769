"""Simultaneous moves between budget lines never exceed the free share.

Thirty threads (each its own connection and transaction) move 30.00 off the same line at the
same moment, where the free share of each 500.00 line is 50.00: only one move may apply at
once, the others wait for a manager. Run on a SQLite file and, when TEST_DATABASE_URL is set,
on a throwaway PostgreSQL database, like test_concurrency.py.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from alumni_app import create_app
from alumni_app.extensions import db
from alumni_app.grants import money
from alumni_app.grants.models import BudgetLine, GrantApplication
from alumni_app.grants.money_models import Reallocation
from alumni_app.grants.workflow import WorkflowError
from tests import factories
from tests.grants import factories as f
from tests.grants.test_concurrency import shared_database  # noqa: F401 - a fixture
from tests.grants.test_moves import THREE_LINES

pytestmark = pytest.mark.slow

MOVERS = 30
D = Decimal


def _seed() -> int:
    office = factories.make_office(code="TJ")
    users = {"manager": factories.make_user("manager", office, second_factor=True),
             "officer": factories.make_user("officer", office),
             "admin": factories.make_user("admin", second_factor=True)}
    application = f.reviewed_application(office, users, budget=THREE_LINES)
    f.approved(application, users["manager"], D("1500.00"))
    return application.id


def _move(app, application_id: int, source: int, barrier, outcomes: list) -> None:
    with app.app_context():
        try:
            application = db.session.get(GrantApplication, application_id)
            lines = [line.id for line in application.budget_lines]
            applicant = application.applicant
            db.session.commit()  # give the connection back while waiting for the others
            barrier.wait()
            move = money.request_move(applicant, application, lines[source], lines[2],
                                      D("30.00"), "Needed.")
            db.session.commit()
            outcomes.append(move.state)
        except (money.MoneyError, WorkflowError) as exc:
            db.session.rollback()
            outcomes.append(exc.code)
        except DBAPIError as exc:  # a lost race the database itself refused: nothing written
            db.session.rollback()
            outcomes.append(type(exc.orig).__name__)
        finally:
            db.session.remove()


def test_simultaneous_moves_stay_within_the_free_share(shared_database):  # noqa: F811
    url, engine_options = shared_database
    app = create_app({**factories.TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": engine_options})
    with app.app_context():
        db.create_all()
        application_id = _seed()
        db.session.remove()

    outcomes: list[str] = []
    barrier = threading.Barrier(MOVERS, timeout=120)
    # From the first and the second line into the third: each source line may give 50.00,
    # and the third take 50.00, in all.
    threads = [threading.Thread(target=_move, args=(app, application_id, n % 2, barrier,
                                                    outcomes)) for n in range(MOVERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    with app.app_context():
        moves = db.session.scalars(sa.select(Reallocation).where(
            Reallocation.state == "approved")).all()
        allocated = list(db.session.scalars(sa.select(BudgetLine.allocated).where(
            BudgetLine.application_id == application_id).order_by(BudgetLine.position)))
        db.session.remove()
        db.drop_all()
        db.engine.dispose()

    assert len(outcomes) == MOVERS
    assert len(moves) == 1, sorted(outcomes)  # 30.00 in; a second would be 60.00 > 50.00
    assert outcomes.count("approved") == 1 and outcomes.count("pending") >= 1
    moved = sum((m.amount for m in moves), D(0))
    assert [D(a or 500) for a in allocated][2] == D("500.00") + moved
    assert sum(D(a or 500) for a in allocated) == D("1500.00")
