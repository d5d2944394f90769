"""Declarative base with a constraint naming convention, UTC times and shared column helpers."""

from __future__ import annotations

import select
from datetime import UTC, datetime

import sqlalchemy as sa
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


def replace_closed_connections(engine: sa.Engine) -> None:
    """Check pooled PostgreSQL connections at checkout without a query (instead of pre-ping).

    pool_pre_ping costs a round trip to the server on every request; this costs one poll()
    system call, and after a database restart still gives each worker a working connection
    instead of an error page.
    """
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        sa.event.listen(engine, "checkout", _drop_closed_connection)
