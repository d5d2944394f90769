"""Many people answering "yes" at the same moment never overfill an event; the rest wait in
order, and declines at the same moment move each waiting person up once.

60 alumni answer for 20 seats at once (60 threads, each with its own connection), then 10 of
those with a seat decline at once while staff raise the capacity by 5. Run on a SQLite file
and, when TEST_DATABASE_URL is set, on a throwaway PostgreSQL database.
"""

from __future__ import annotations

import os
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from alumni_app import create_app
from alumni_app.errors import DomainError
from alumni_app.events import registrations
from alumni_app.events.models import Event, Invitation
from alumni_app.extensions import db
from tests import factories
from tests.conftest import throwaway_postgres
from tests.events.factories import make_event

pytestmark = pytest.mark.slow

PEOPLE, SEATS = 60, 20


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'events.db'}", {"connect_args": {"timeout": 120},
                                                      "pool_timeout": 300}
    elif not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("set TEST_DATABASE_URL to run the concurrency test on PostgreSQL")
    else:
        for url in throwaway_postgres(os.environ["TEST_DATABASE_URL"]):
            yield url, {"pool_size": 30, "max_overflow": 40, "pool_timeout": 300}


def _run(app, targets) -> list:
    outcomes: list = []
    barrier = threading.Barrier(len(targets), timeout=300)

    def work(action):
        with app.app_context():
            try:
                action(barrier)
                db.session.commit()
                outcomes.append("ok")
            except DomainError as exc:
                db.session.rollback()
                outcomes.append(exc.code)
            except DBAPIError as exc:  # a lost race the database refused: nothing written
                db.session.rollback()
                outcomes.append(type(exc.orig).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return outcomes


def _answer(invitation_id: int, coming: bool):
    def action(barrier):
        invitation = db.session.get(Invitation, invitation_id)
        _ = invitation.event.office
        db.session.commit()
        barrier.wait()
        registrations.answer(None, invitation, coming)
    return action


def _capacity(event_id: int, capacity: int):
    def action(barrier):
        event = db.session.get(Event, event_id)
        _ = event.office
        db.session.commit()
        barrier.wait()
        registrations.set_capacity(None, event, capacity)
    return action


def test_simultaneous_answers_never_overfill_and_the_list_moves_in_order(shared_database):
    url, engine_options = shared_database
    app = create_app({**factories.TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": engine_options})
    with app.app_context():
        db.create_all()
        office = factories.make_office(code="TJ")
        event = make_event(office, capacity=SEATS)
        records = [factories.make_record(office) for _ in range(PEOPLE)]
        ids = registrations.invite(None, event, record_ids=[r.id for r in records])
        db.session.commit()
        event_id = event.id
        db.session.remove()

    outcomes = _run(app, [_answer(i, True) for i in ids])
    assert len(outcomes) == PEOPLE
    with app.app_context():
        event = db.session.get(Event, event_id)
        rows = db.session.execute(sa.select(Invitation.id, Invitation.answer,
                                            Invitation.waiting_position)
                                  .order_by(Invitation.id)).all()
        db.session.remove()
    # Anyone who lost a race to the database is simply not answered yet: nobody is lost.
    yes = [r for r in rows if r.answer == "yes"]
    waiting = sorted((r for r in rows if r.answer == "waiting"), key=lambda r: r.waiting_position)
    assert event.registered == len(yes) == SEATS
    assert len(waiting) + SEATS + [r.answer for r in rows].count("pending") == PEOPLE
    assert len({r.waiting_position for r in waiting}) == len(waiting)

    decliners = [r.id for r in yes[:10]]
    outcomes = _run(app, [_answer(i, False) for i in decliners]
                    + [_capacity(event_id, SEATS + 5)])
    with app.app_context():
        event = db.session.get(Event, event_id)
        after = {r.id: r for r in db.session.execute(sa.select(
            Invitation.id, Invitation.answer, Invitation.waiting_position))}
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    declined = [i for i in decliners if after[i].answer == "no"]
    capacity_raised = event.capacity == SEATS + 5
    seats = event.capacity
    now_yes = [i for i, r in after.items() if r.answer == "yes"]
    assert event.registered == len(now_yes) <= seats
    # Those moved up are the first of the waiting list, in order.
    moved = [r.id for r in waiting if after[r.id].answer == "yes"]
    assert moved == [r.id for r in waiting[:len(moved)]]
    expected_free = len(declined) + (5 if capacity_raised else 0)
    assert len(moved) == min(expected_free, len(waiting))
