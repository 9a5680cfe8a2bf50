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


def test_comment_flags_and_suspensions_carry_over_to_moderation(empty_database_url):
    """Flags stored before reviews existed become reviews; suspended members get a record."""
    app = make_test_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(revision="0a91b458385a")
        now = "2026-11-01 10:00:00+00:00"
        with db.engine.begin() as connection:
            for user_id, name, suspended in ((1, "ana", None), (2, "bo", now), (3, "cy", None)):
                connection.execute(
                    text(
                        "INSERT INTO users (id, username, email, bio_md, bio_html, timezone,"
                        " role, created_at, suspended_at) VALUES (:id, :name, :email, '', '',"
                        " 'UTC', 'member', :now, :suspended)"
                    ),
                    {
                        "id": user_id,
                        "name": name,
                        "email": f"{name}@example.com",
                        "now": now,
                        "suspended": suspended,
                    },
                )
            connection.execute(
                text(
                    "INSERT INTO posts (id, author_id, title, slug, body_md, body_html, is_guide,"
                    " is_pinned, is_locked, created_at, last_activity_at, comment_count,"
                    " thread_version) VALUES (1, 1, 'T', 't', 'b', 'b', false, false, false,"
                    " :now, :now, 2, 1)"
                ),
                {"now": now},
            )
            for comment_id in (1, 2):
                connection.execute(
                    text(
                        "INSERT INTO comments (id, post_id, author_id, root_id, depth, path,"
                        " body_md, body_html, score, created_at, is_experience,"
                        " endorsement_count) VALUES (:id, 1, 1, :id, 0, :path, 'x', 'x', 0,"
                        " :now, false, 0)"
                    ),
                    {"id": comment_id, "path": str(comment_id).zfill(10), "now": now},
                )
            flags = [(1, 2, "spam", None), (1, 3, "abuse", None), (2, 3, "other", now)]
            for comment_id, reporter, reason, resolved in flags:
                connection.execute(
                    text(
                        "INSERT INTO comment_flags (comment_id, reporter_id, reason, details,"
                        " created_at, resolved_at) VALUES (:comment, :reporter, :reason, 'd',"
                        " :now, :resolved)"
                    ),
                    {
                        "comment": comment_id,
                        "reporter": reporter,
                        "reason": reason,
                        "now": now,
                        "resolved": resolved,
                    },
                )
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            reviews = connection.execute(
                text(
                    "SELECT target_id, flag_count, closed_at IS NULL, subject_id FROM reviews"
                    " WHERE target_type = 'comment' ORDER BY target_id"
                )
            ).all()
            reasons = (
                connection.execute(text("SELECT reason FROM flags ORDER BY target_id, reporter_id"))
                .scalars()
                .all()
            )
            suspended = connection.execute(text("SELECT user_id FROM suspensions")).scalars().all()
        assert [tuple(row) for row in reviews] == [(1, 2, True, 1), (2, 1, False, 1)]
        assert reasons == ["spam", "harassment", "other"]
        assert suspended == [2]
        db.engine.dispose()
