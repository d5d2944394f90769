"""The migrations build exactly the models' schema, on SQLite and on PostgreSQL, both ways."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from alumni_app import create_app
from alumni_app.extensions import db
from tests import factories
from tests.conftest import throwaway_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """An empty database of each kind (PostgreSQL only when TEST_DATABASE_URL is set)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
    elif not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("set TEST_DATABASE_URL to check migrations on PostgreSQL")
    else:
        yield from throwaway_postgres(os.environ["TEST_DATABASE_URL"])


def _differences() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_upgrade_matches_models_and_downgrade_empties(empty_database):
    app = create_app({**factories.TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade()
        assert _differences() == []
        assert {t.name for t in db.metadata.sorted_tables} <= _tables()
        downgrade(revision="base")
        assert _tables() <= {"alembic_version"}
        upgrade()
        assert _differences() == []
        db.engine.dispose()
