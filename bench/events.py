"""Events at scale: inviting 5,000 alumni by a filter, and the check-in search with 2,000
people registered.

On a fresh SQLite file, and on a throwaway PostgreSQL database when DATABASE_URL (or
BENCH_POSTGRES_URL) names a server, it creates an office with N alumni records (names in
Latin and Cyrillic letters, search terms built), an event, and prints:

- the time to invite everyone the filter finds (what the invite page's button does: the
  audience's ids, then one INSERT of the invitations, in one transaction);
- with REGISTERED of them answering yes, the median and 95th percentile of the check-in
  page's search (`pages.check_in_list`) for a family name, a part of one, and a Cyrillic name.

    .venv/bin/python bench/events.py [--count 5000] [--registered 2000]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/events.py

It prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import throughput  # noqa: E402 - the sibling benchmark's throwaway PostgreSQL database

from alumni_app import create_app  # noqa: E402
from alumni_app.alumni import reindex  # noqa: E402
from alumni_app.alumni.models import AlumnusRecord  # noqa: E402
from alumni_app.audiences import parse_audience  # noqa: E402
from alumni_app.audiences import queries as audience_queries  # noqa: E402
from alumni_app.db import utcnow  # noqa: E402
from alumni_app.events import pages, registrations, services  # noqa: E402
from alumni_app.events.models import Answer, Event, Invitation  # noqa: E402
from alumni_app.events.services import EventValues  # noqa: E402
from alumni_app.extensions import db  # noqa: E402
from alumni_app.offices.models import Office  # noqa: E402
from tests.factories import TEST_SETTINGS  # noqa: E402

FAMILIES = [("Karimov", "Каримов"), ("Nazarov", "Назаров"), ("Saidov", "Саидов"),
            ("Rahimov", "Рахимов"), ("Sharipov", "Шарипов"), ("Yusupov", "Юсупов")]
GIVEN = [("Rustam", "Рустам"), ("Dilnoza", "Дилноза"), ("Farrukh", "Фаррух"),
         ("Malika", "Малика"), ("Jamshed", "Джамшед"), ("Nodira", "Нодира")]
SEARCHES = ["Karimov", "Naz", "Дилноза", "Sharipov Farrukh", "Юсуп"]


def _records(office: Office, count: int) -> None:
    rng = random.Random(7)
    rows = []
    for i in range(count):
        (family, family_cyr), (given, given_cyr) = rng.choice(FAMILIES), rng.choice(GIVEN)
        rows.append({"office_id": office.id, "given_name": given,
                     "family_name": f"{family}{'a' if i % 2 else ''}", "given_name_cyr":
                     given_cyr, "family_name_cyr": family_cyr, "email": f"a{i}@example.org"})
    db.session.execute(sa.insert(AlumnusRecord), rows)
    reindex.rebuild_keys(db.session.connection())
    db.session.commit()


def _event(office: Office) -> Event:
    starts = (utcnow() + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
    event = services.create_event(None, office, EventValues(
        kind="annual_meeting", title_en="Annual meeting", starts_at=services.to_local(
            starts, office), ends_at=services.to_local(starts + timedelta(hours=7), office),
        venue="Hall", address="Dushanbe"))
    services.publish(None, event)
    db.session.commit()
    return event


def _invite(event: Event) -> tuple[int, float]:
    start = time.perf_counter()
    audience = parse_audience(MultiDict(), event.office_id)
    ids = db.session.scalars(audience_queries.member_ids(audience)).all()
    new = registrations.invite(None, event, record_ids=ids)
    db.session.commit()
    return len(new), time.perf_counter() - start


def _register(event: Event, registered: int) -> None:
    """The first `registered` invitations answer yes (written directly: not what is timed)."""
    first = sa.select(Invitation.id).where(Invitation.event_id == event.id).order_by(
        Invitation.id).limit(registered).scalar_subquery()
    db.session.execute(sa.update(Invitation).where(Invitation.id.in_(first))
                       .values(answer=Answer.YES.value, answered_at=utcnow()))
    db.session.execute(sa.update(Event).where(Event.id == event.id).values(registered=registered))
    db.session.commit()


def _search(event: Event, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        for q in SEARCHES:
            start = time.perf_counter()
            pages.check_in_list(event, q)
            times.append((time.perf_counter() - start) * 1000)
            db.session.rollback()
    return sorted(times)


def run(label: str, database_url: str, count: int, registered: int) -> None:
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_url,
                      "QUEUE_IMMEDIATE": True})
    with app.app_context(), app.test_request_context():
        db.create_all()
        office = Office(code="TJ", name="Tajikistan Office", country="Tajikistan",
                        time_zone="Asia/Dushanbe", currency="TJS")
        db.session.add(office)
        db.session.commit()
        _records(office, count)
        event = _event(office)
        invited, seconds = _invite(event)
        print(f"{label}: {invited} alumni invited by a filter in {seconds:.2f} s", flush=True)
        _register(event, registered)
        times = _search(event, 20)
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"{label}: check-in search with {registered} registered: median "
              f"{statistics.median(times):.1f} ms, p95 {p95:.1f} ms ({len(times)} searches)",
              flush=True)
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--registered", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{folder}/bench.db", args.count, args.registered)
    pg_url = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("DATABASE_URL")
    if pg_url and pg_url.startswith("postgresql"):
        with throughput.throwaway_postgres(pg_url, "bench_events") as url:
            run("PostgreSQL", url, args.count, args.registered)


if __name__ == "__main__":
    main()
