"""Fixtures: an app with an isolated database per test, factories and one client per role."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from hypothesis import settings
from sqlalchemy.engine import make_url

from alumni_app import create_app
from alumni_app.extensions import db
from tests import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")

# Property tests draw the same examples on every run and every machine ("repeatable", the
# default of `make test` and CI), so a red run can be reproduced and a green one is not luck;
# no example database is read or written. `HYPOTHESIS_PROFILE=explore` draws new random
# examples on purpose, keeps what fails in .hypothesis/ (not in git) and replays it next time.
settings.register_profile("repeatable", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def _admin_url(url):
    return url.set(database="postgres")


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A throwaway PostgreSQL database when TEST_DATABASE_URL is set, else in-memory SQLite."""
    if not TEST_DATABASE_URL:
        yield "sqlite://"
        return
    yield from throwaway_postgres(TEST_DATABASE_URL)


def throwaway_postgres(base: str) -> Iterator[str]:
    """Create a fresh PostgreSQL database next to `base`, yield its URL, drop it afterwards."""
    url = make_url(base)
    name = f"alumni_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _postgres_schema(database_url):
    """Create the tables once per session on PostgreSQL (SQLite gets a new database per test)."""
    if database_url.startswith("sqlite"):
        yield
        return
    app = create_app({**factories.TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield


_EMPTYING: dict[str, str] = {}


def _empty_tables(database_url: str) -> None:
    """Delete every row and restart every sequence (ids from 1 again), in one round trip.

    DELETE rather than TRUNCATE: truncating the 80-odd tables gives each a new file, about
    240 ms per test on these machines (ten minutes of the PostgreSQL pass); deleting the few
    rows a test wrote takes about 15 ms. Children go before their parents."""
    if database_url not in _EMPTYING:
        sequences = db.session.execute(sa.text(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) "
            "FROM pg_sequences")).scalars()
        _EMPTYING[database_url] = "; ".join(
            [f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)]
            + [f"ALTER SEQUENCE {name} RESTART" for name in sequences])
    db.session.connection().exec_driver_sql(_EMPTYING[database_url])
    db.session.commit()


@pytest.fixture
def app(database_url, _postgres_schema):
    """The application in testing configuration, inside an app context, with empty tables."""
    app = create_app({**factories.TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        if database_url.startswith("sqlite"):
            db.create_all()
        yield app
        db.session.remove()
        if not database_url.startswith("sqlite"):
            _empty_tables(database_url)
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_office(app):
    return factories.make_office


@pytest.fixture
def make_user(app):
    return factories.make_user


@pytest.fixture
def login(app):
    """Return a function giving a new test client logged in as a user (one client per user)."""
    return lambda user, **kw: factories.logged_in_client(app, user, **kw)


@pytest.fixture
def office(make_office):
    return make_office(code="TJ", name="Tajikistan Office", country="Tajikistan",
                       time_zone="Asia/Dushanbe", currency="TJS")


@pytest.fixture
def other_office(make_office):
    return make_office(code="KG", name="Kyrgyz Republic Office", country="Kyrgyz Republic",
                       time_zone="Asia/Bishkek", currency="KGS")


@pytest.fixture
def users(make_user, office):
    """One active user per role; staff in `office`."""
    return {
        "alumnus": make_user(role="alumnus"),
        "officer": make_user(role="officer", office=office),
        "manager": make_user(role="manager", office=office, second_factor=True),
        "admin": make_user(role="admin", second_factor=True),
    }


@pytest.fixture
def outbox(app):
    """The e-mails delivered during the test (the in-memory backend)."""
    from alumni_app.mail import sent_messages

    return sent_messages()


# The queue's own tests run on SQLite, and on Redis too when QUEUE_TEST_REDIS_URL names one
# (a database other than 0, e.g. redis://127.0.0.1:6379/1; each run uses its own queue name).
QUEUE_TEST_REDIS_URL = os.environ.get("QUEUE_TEST_REDIS_URL")
QUEUE_BACKENDS = ["sqlite", *(["redis"] if QUEUE_TEST_REDIS_URL else [])]


@pytest.fixture
def task_queue(app):
    """Tasks wait in an in-memory queue instead of running inline, until `run_all()`."""
    from tests.queue_helpers import InMemoryQueue

    yield from InMemoryQueue.installed(app)


@pytest.fixture(params=QUEUE_BACKENDS)
def served_app(request, app, tmp_path):
    """The app as served, with a real queue that tasks wait in for a worker (SQLite file, or
    Redis), and a database the worker's threads share (a file on SQLite)."""
    from tests.queue_helpers import served

    yield from served(app, tmp_path, request.param, QUEUE_TEST_REDIS_URL)
