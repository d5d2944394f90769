"""Transactions on PostgreSQL: BEGIN only before the first write, same atomicity as before."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa

from alumni_app.db import needs_transaction
from alumni_app.extensions import db
from alumni_app.offices.models import Office
from tests import factories


@pytest.mark.parametrize(("statement", "expected"), [
    ("SELECT users.id FROM users WHERE users.id = %(id)s", False),
    ("  select 1", False),
    ("SHOW plan_cache_mode", False),
    ("SELECT id FROM users WHERE id = 1 FOR UPDATE", True),
    ("SELECT id FROM users FOR NO KEY UPDATE OF users SKIP LOCKED", True),
    ("SELECT id FROM users\nFOR SHARE", True),
    ("WITH gone AS (DELETE FROM users RETURNING id) SELECT count(*) FROM gone", True),
    ("INSERT INTO users (email) VALUES (%(email)s)", True),
    ("UPDATE users SET is_active = false", True),
    ("DELETE FROM users", True),
    ("SET LOCAL plan_cache_mode = force_custom_plan", True),
    ("TRUNCATE users", True),
    ("CREATE TABLE t (id int)", True),
])
def test_which_statements_open_the_transaction(statement, expected):
    assert needs_transaction(statement) is expected


@pytest.fixture
def postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    return app


def _in_transaction() -> bool:
    dbapi_connection = db.session.connection().connection.dbapi_connection
    return dbapi_connection.info.transaction_status.name != "IDLE"


def test_reads_run_without_a_transaction_and_writes_inside_one(postgres):
    office = factories.make_office()
    db.session.scalars(sa.select(Office)).all()
    assert not _in_transaction()  # no BEGIN, so no ROLLBACK to send at the end of the page
    office.name = "Renamed"
    db.session.flush()
    assert _in_transaction()
    db.session.rollback()
    assert db.session.get(Office, office.id).name != "Renamed"  # all or nothing, as before


def test_a_locking_read_opens_the_transaction(postgres):
    office = factories.make_office()
    db.session.execute(sa.select(Office).where(Office.id == office.id).with_for_update())
    assert _in_transaction()  # the row lock lasts until the commit, as before
    db.session.commit()
    assert not _in_transaction()


def test_a_failed_write_leaves_nothing_half_saved(postgres):
    office = factories.make_office()
    db.session.add(Office(code="NEW", name="New", country="Kazakhstan", time_zone="Asia/Almaty",
                          currency="KZT"))
    db.session.flush()
    db.session.add(Office(code=office.code, name="Twin", country="Kazakhstan",
                          time_zone="Asia/Almaty", currency="KZT"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Office.id))) == 1


def test_autocommit_asked_for_is_kept(postgres):
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE offices")  # refused inside a transaction block
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"


def test_a_bulk_write_checks_foreign_keys_with_cached_plans_then_restores_the_setting(postgres):
    from alumni_app.alumni.models import SearchTerm
    from alumni_app.db import bulk_insert, cached_foreign_key_plans

    office = factories.make_office()
    connection = db.session.connection()
    mode = "SELECT current_setting('plan_cache_mode')"
    assert connection.scalar(sa.text(mode)) == "force_custom_plan"  # the app's pages
    with cached_foreign_key_plans(connection):
        assert connection.scalar(sa.text(mode)) == "auto"
    assert connection.scalar(sa.text(mode)) == "force_custom_plan"
    with pytest.raises(psycopg.errors.ForeignKeyViolation):  # the key is still checked
        bulk_insert(SearchTerm.__table__, [{"term": "x", "record_id": 999999,
                                            "office_id": office.id}])
    db.session.rollback()
    assert db.session.connection().scalar(sa.text(mode)) == "force_custom_plan"


def test_parallel_counts_are_let_in_for_the_block_and_shut_out_after(postgres):
    from alumni_app.db import parallel_counts

    def workers() -> str:
        return db.session.scalar(sa.text("SHOW max_parallel_workers_per_gather"))

    assert workers() == "0"  # pages count alone
    with parallel_counts(db.session):
        assert workers() == "2"
    assert workers() == "0"
    with pytest.raises(sa.exc.DBAPIError), parallel_counts(db.session):
        db.session.execute(sa.text("SELECT 1 / 0"))
    db.session.rollback()
    assert workers() == "0"  # the failed block's rollback undid it


def test_parallel_counts_change_nothing_on_sqlite(app):
    from alumni_app.db import parallel_counts

    if db.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite pass's")
    statements = []

    def sent(*args) -> None:
        statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", sent)
    with parallel_counts(db.session):
        pass
    sa.event.remove(db.engine, "before_cursor_execute", sent)
    assert statements == []
