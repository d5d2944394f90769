"""Declarative base with a constraint naming convention, UTC times and shared column helpers."""

from __future__ import annotations

import re
import select
from contextlib import contextmanager, suppress
from datetime import UTC, datetime

import psycopg
import sqlalchemy as sa
from psycopg.pq import TransactionStatus
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Store aware datetimes as naive UTC; read them back as aware UTC on every database."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    """created_at / updated_at columns with callable defaults (evaluated per row, not at import)."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


def _server_has_spoken(dbapi_connection) -> bool:
    """Whether an idle PostgreSQL connection has unread input or is known to be closed.

    A pooled connection between transactions waits for us and receives nothing; a server that
    restarts or ends the session (shutdown, pg_terminate_backend, idle_session_timeout) sends
    an error and closes the socket. Polling the socket sees that without a round trip.
    """
    if getattr(dbapi_connection, "closed", False) or getattr(dbapi_connection, "broken", False):
        return True
    try:
        fd = dbapi_connection.pgconn.socket
    except Exception:  # noqa: BLE001 - psycopg raises when it knows the connection is gone
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def _drop_closed_connection(dbapi_connection, _record, _proxy) -> None:
    if _server_has_spoken(dbapi_connection):
        # The pool invalidates this connection and hands out a fresh one instead.
        raise sa.exc.DisconnectionError("the server closed this pooled connection")
    if not dbapi_connection.autocommit:
        # Set at connect; an AUTOCOMMIT execution option (VACUUM) resets it on checkin.
        dbapi_connection.autocommit = True


_READ_ONLY_PREFIXES = ("SELECT", "SHOW")
_LOCKING_CLAUSE = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b", re.I)


def needs_transaction(statement: str) -> bool:
    """Whether a statement must run inside the transaction: all but plain reads.

    Reads that lock rows (FOR UPDATE / SHARE) and WITH queries (which may hold an UPDATE or
    DELETE) count as writes.
    """
    head = statement.lstrip()[:6].upper()
    if not head.startswith(_READ_ONLY_PREFIXES):
        return True
    return _LOCKING_CLAUSE.search(statement) is not None


def _begin_before_first_write(conn, cursor, statement, _parameters, _context, _many) -> None:
    dbapi_connection = cursor.connection
    if not dbapi_connection.autocommit:
        return  # a transaction mode set explicitly (isolation level): psycopg begins itself
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return  # asked for by the caller (VACUUM, CREATE DATABASE): no transaction wanted
    if dbapi_connection.info.transaction_status != TransactionStatus.IDLE:
        return
    if needs_transaction(statement) or isinstance(cursor, psycopg.ServerCursor):
        dbapi_connection.execute("BEGIN")


def _lazy_begin(dbapi_connection, _record) -> None:
    dbapi_connection.autocommit = True
    # Without a ROLLBACK after every page, psycopg's prepared statements now outlive the
    # request; PostgreSQL would then switch a prepared statement to a generic plan after 5
    # runs, blind to how selective this search term or filter is. Keep planning per run.
    dbapi_connection.execute("SET plan_cache_mode = force_custom_plan")
    # Pages read a page of rows: starting parallel workers (new processes) costs more than it
    # saves, and on a small server they take the cores the app servers need.
    dbapi_connection.execute("SET max_parallel_workers_per_gather = 0")
    # JIT compiles a query the planner thinks costly (a directory count over 10,000 rows) for
    # ~7 ms, more than it saves on the few milliseconds such a query runs here.
    dbapi_connection.execute("SET jit = off")


PARALLEL_WORKERS = 2


@contextmanager
def parallel_counts(session, workers: int = PARALLEL_WORKERS):
    """Let PostgreSQL count with parallel workers inside the block, as it may not elsewhere
    (_lazy_begin): for counts over a whole office (200,000 records, 30,000 open plans), where
    a worker per core saves more than starting it costs (the dashboard's follow-up counts:
    150 to 100 ms). The planner still runs small statements alone. Nothing on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.execute(sa.text(f"SET max_parallel_workers_per_gather = {int(workers)}"))
    try:
        yield
    finally:
        # After a failed statement the session must roll back first, which undoes a SET made
        # inside its transaction: nothing to reset then.
        with suppress(sa.exc.SQLAlchemyError):
            session.execute(sa.text("SET max_parallel_workers_per_gather = 0"))


def tune_postgresql(engine: sa.Engine) -> None:
    """Fewer round trips per request on PostgreSQL (psycopg 3), with the same results.

    * Pooled connections are checked at checkout with one poll() system call instead of
      pool_pre_ping's query; one the server has closed (a restart) is replaced, so a restart
      still costs no error page.
    * BEGIN is sent just before the first statement that writes or locks, not before the
      first statement of all; the COMMIT or ROLLBACK that ends a transaction is only sent
      when one was begun. A page that only reads (most of them) makes no BEGIN and ROLLBACK
      round trips. In READ COMMITTED (the default) every statement sees a new snapshot
      inside a transaction too, so plain reads return the same rows either way.
    """
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return
    sa.event.listen(engine, "connect", _lazy_begin)
    sa.event.listen(engine, "checkout", _drop_closed_connection)
    sa.event.listen(engine, "before_cursor_execute", _begin_before_first_write)


def tune_sqlite(engine: sa.Engine) -> None:
    """A SQLite file is shared by the web server and the worker: write-ahead logging, so
    readers do not wait for a writer, and a commit costs one sync of the disk instead of three
    (20 ms -> 4 ms here), with the same durability."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return
    sa.event.listen(engine, "connect", _write_ahead_log)


def _write_ahead_log(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # kept by the file; cheap once set
    cursor.close()


def _default(column: sa.Column):
    """The Python-side default of a column (callables such as utcnow called now)."""
    default = column.default
    if default is None or not (default.is_scalar or default.is_callable):
        return None
    return default.arg if default.is_scalar else default.arg(None)


def _filled(table: sa.Table, rows: list[dict], dialect) -> tuple[list[str], list[list]]:
    """The rows as lists of database values, with the columns' Python-side defaults.

    Defaults are taken once for the whole call: its rows go in within one statement, as
    the rows of one executemany (a callable such as utcnow gives them all the same time).
    """
    names = list(rows[0])
    names += sorted(set().union(*rows).difference(names))
    given = [table.c[name] for name in names]
    defaults = [c for c in table.columns if c.name not in names and c.default is not None
                and (c.default.is_scalar or c.default.is_callable)]
    missing = {c.name: _default(c) for c in given}

    def bound(column: sa.Column, value):
        processor = column.type.bind_processor(dialect)
        return processor(value) if processor else value

    fixed = [bound(c, _default(c)) for c in defaults]
    processed = [(i, p) for i, c in enumerate(given) if (p := c.type.bind_processor(dialect))]
    out = []
    for row in rows:
        values = [row[n] if n in row else missing[n] for n in names]
        for i, processor in processed:
            values[i] = processor(values[i])
        out.append(values + fixed)
    return names + [c.name for c in defaults], out


def _begin(connection) -> None:
    """Begin the transaction now if it was not (see _begin_before_first_write)."""
    dbapi_connection = connection.connection.dbapi_connection
    if (dbapi_connection.autocommit
            and dbapi_connection.info.transaction_status == TransactionStatus.IDLE):
        dbapi_connection.execute("BEGIN")


@contextmanager
def cached_foreign_key_plans(connection):
    """On PostgreSQL, let the foreign-key checks of a bulk write reuse their plans.

    The app's connections plan every statement afresh (plan_cache_mode, see _lazy_begin), and
    a foreign key's check is a statement too: planned again for each of 700,000 rows, the
    checks took 4 x longer. The caller's setting is back once the block ends.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    _begin(connection)  # set_config(..., true) lasts until the transaction ends
    before = connection.scalar(sa.text("SELECT current_setting('plan_cache_mode')"))
    connection.execute(sa.text("SELECT set_config('plan_cache_mode', 'auto', true)"))
    yield  # a failure aborts the transaction, whose rollback restores the setting
    connection.execute(sa.text("SELECT set_config('plan_cache_mode', :mode, true)"),
                       {"mode": before})


def bulk_insert(table: sa.Table, rows: list[dict]) -> None:
    """Insert many rows (dicts with the same keys) in the session's transaction.

    On PostgreSQL with psycopg 3 this is COPY: several times faster than INSERT for the
    hundreds of thousands of rows of a large import (no statement to build, send and parse
    per 1,000 rows). Elsewhere, an executemany insert().
    """
    from alumni_app.extensions import db

    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql" or connection.dialect.driver != "psycopg":
        connection.execute(sa.insert(table), rows)
        return
    names, values = _filled(table, rows, connection.dialect)
    dbapi_connection = connection.connection.dbapi_connection
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(n) for n in names)
    target = connection.dialect.identifier_preparer.format_table(table)
    with (cached_foreign_key_plans(connection),  # COPY writes: inside the transaction
          dbapi_connection.cursor() as cursor,
          cursor.copy(f"COPY {target} ({quoted}) FROM STDIN") as copy):
        for row in values:
            copy.write_row(row)


def _sqlite_insert_returning_ids(connection, table: sa.Table, rows: list[dict]) -> list[int]:
    """SQLite: the first row's id from RETURNING, then the rest with the ids that follow it.

    SQLAlchemy cannot keep RETURNING in parameter order for a SQLite executemany and falls
    back to one INSERT per row. A table without AUTOINCREMENT gives a new row max(id) + 1, and
    once the first INSERT has run this transaction holds SQLite's only write lock, so the ids
    after it are free until the transaction ends.
    """
    first = connection.execute(sa.insert(table).returning(table.c.id), rows[0]).scalar_one()
    ids = list(range(first, first + len(rows)))
    if len(rows) > 1:
        connection.execute(sa.insert(table), [{"id": new_id, **row} for new_id, row
                                              in zip(ids[1:], rows[1:], strict=True)])
    return ids


def bulk_insert_returning_ids(table: sa.Table, rows: list[dict]) -> list[int]:
    """Insert many rows and return their new ids, in the order of `rows`.

    On PostgreSQL with psycopg 3 the ids are drawn from the table's sequence in one query
    and the rows then go in with COPY (bulk_insert); elsewhere an insert() ... RETURNING.
    """
    from alumni_app.extensions import db

    if not rows:
        return []
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        return _sqlite_insert_returning_ids(connection, table, rows)
    if connection.dialect.name != "postgresql" or connection.dialect.driver != "psycopg":
        statement = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(connection.execute(statement, rows).scalars())
    sequence = connection.scalar(sa.text("SELECT pg_get_serial_sequence(:table, 'id')"),
                                 {"table": table.name})
    ids = sorted(connection.scalars(
        sa.text("SELECT nextval(CAST(:sequence AS regclass)) FROM generate_series(1, :n)"),
        {"sequence": sequence, "n": len(rows)}))
    bulk_insert(table, [{"id": new_id, **row} for new_id, row in zip(ids, rows, strict=True)])
    return ids
