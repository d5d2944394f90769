"""The approval path asks who may approve once: the conflict-of-interest query runs once."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.grants.models import GrantApplication
from tests.grants import factories as f


@contextmanager
def conflict_queries():
    """Count the statements that look for a declared conflict of interest."""
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        values = parameters.values() if isinstance(parameters, dict) else parameters or ()
        if "grant_reviews" in statement.lower() and "conflict" in [str(v) for v in values]:
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)


def _approve(http, application):
    due = (f.today() + timedelta(days=60)).isoformat()
    return http.post(f"/staff/grants/applications/{application.id}/approve", data={
        "amount": "1500", "usd_rate": "0.09", "conditions": "Report monthly.",
        "tranches-0-amount": "1500", "tranches-0-planned_on": f.today().isoformat(),
        "tranches-0-report_due_on": due})


def test_an_approval_looks_for_a_conflict_of_interest_once(app, login, office, users):
    application = f.reviewed_application(office, users)
    http = login(users["manager"])
    with conflict_queries() as seen:
        response = _approve(http, application)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(GrantApplication.state).where(
        GrantApplication.id == application.id)) == "approved"
    assert len(seen) == 1, seen


def test_a_rejection_looks_for_a_conflict_of_interest_once(app, login, office, users):
    application = f.reviewed_application(office, users)
    http = login(users["manager"])
    with conflict_queries() as seen:
        response = http.post(f"/staff/grants/applications/{application.id}/reject",
                             data={"reason": "Outside the call's aims."})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(GrantApplication.state).where(
        GrantApplication.id == application.id)) == "rejected"
    assert len(seen) == 1, seen


def test_a_conflict_declared_in_the_same_transaction_counts_at_once(app, office, users):
    """The answer kept for the transaction is dropped when a conflict is declared in it."""
    from alumni_app.grants import policy, reviews

    application = f.reviewed_application(office, users)
    manager = users["manager"]
    assert not policy.has_conflict(manager, application)
    review = reviews.assign(users["admin"], application, manager)
    reviews.declare_conflict(manager, review, "My cousin.")
    assert policy.has_conflict(manager, application)
    db.session.rollback()
    assert not policy.has_conflict(manager, application)
