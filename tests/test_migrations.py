"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import os
import uuid

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from community.extensions import db
from tests.conftest import make_test_app, skip_or_fail


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """A database nobody has created tables in."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        skip_or_fail("TEST_DATABASE_URL is not set")
    name = f"pathways_migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def schema_drift(connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


def test_migrations_and_models_agree(empty_database_url):
    app = make_test_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            assert schema_drift(connection) == []
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "posts", "notifications", "alembic_version"} <= tables
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_migrations_have_a_single_head():
    from alembic.script import ScriptDirectory
    from flask_migrate import Config

    config = Config(os.path.join(os.path.dirname(__file__), "..", "migrations", "alembic.ini"))
    config.set_main_option(
        "script_location", os.path.join(os.path.dirname(__file__), "..", "migrations")
    )
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
