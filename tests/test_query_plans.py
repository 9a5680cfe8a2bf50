"""Every list query behind the pages reads the big tables through an index on PostgreSQL.

A community of thousands of rows (100,000 comments, 20,000 notifications, thousands of
members, posts, events, mentors and queue items) is built in bulk with the scale
benchmark's builder (``bench/scale.py``), analysed with realistic statistics (no planner
settings are changed), and every SELECT the pages' query functions issue is explained:
no ``Seq Scan`` node may read one of the big tables. A plan that reads a whole table
costs a hundred times more in a community a hundred times larger.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from tests.conftest import make_test_app, skip_or_fail

ROOT = Path(__file__).resolve().parent.parent

BIG_TABLES = {
    "comments",
    "posts",
    "notifications",
    "users",
    "events",
    "mentor_profiles",
    "moderation_log",
    "flags",
    "reviews",
}


def _scale_module():
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "bench" / "scale.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def community():
    """(app, builder) for a migrated PostgreSQL database of its own, filled and analysed."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base or not base.startswith("postgresql"):
        skip_or_fail("query plans are checked on PostgreSQL (TEST_DATABASE_URL)")
    scale = _scale_module()
    name = f"pathways_plans_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    app = make_test_app(url)
    try:
        import flask_migrate

        from community.extensions import db

        with app.app_context():
            flask_migrate.upgrade()
            builder = scale.Builder(
                scale.Sizes(
                    members=5_000,
                    posts=1_600,
                    comments=100_000,
                    mentors=1_000,
                    events=4_000,
                    notifications=20_000,
                )
            )
            builder.build()
            with db.engine.connect() as connection:
                connection.execute(text("ANALYZE"))
                connection.commit()
        yield app, builder
    finally:
        with app.app_context():
            from community.extensions import db

            db.session.remove()
            db.engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(autouse=True)
def caps_scaled_to_the_dataset(monkeypatch):
    """The lists' count caps, scaled down with the dataset: in a community a hundred times
    this size the tables hold far more rows than the real caps, so counting must stop at
    the cap through an index; here the same holds for these caps."""
    from community.discussions import queries as discussions
    from community.moderation import queries as moderation

    monkeypatch.setattr(discussions, "POSTS_COUNT_CAP", 100)
    monkeypatch.setattr(moderation, "COUNT_CAP", 100)


def _sequential_scans(plan: dict) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in BIG_TABLES:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found += _sequential_scans(child)
    return found


def _explained(app, read: Callable[[], object]) -> list[tuple[str, list[str], dict]]:
    """Run ``read`` in a request, then EXPLAIN every SELECT it issued, with its parameters:
    (statement, big tables read in full, plan) for each."""
    from community.extensions import db

    issued: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            issued.append((statement, parameters))

    with app.test_request_context():
        event.listen(db.engine, "before_cursor_execute", capture)
        try:
            read()
        finally:
            event.remove(db.engine, "before_cursor_execute", capture)
        results = []
        with db.engine.connect() as connection:
            for statement, parameters in issued:
                row = connection.exec_driver_sql(
                    "EXPLAIN (FORMAT JSON) " + statement, parameters
                ).scalar()
                plan = (row if isinstance(row, list) else json.loads(row))[0]["Plan"]
                results.append((statement, _sequential_scans(plan), plan))
        db.session.remove()
    assert issued, "the page's queries ran"
    return results


def _pages(builder) -> dict[str, Callable[[], object]]:
    """Each page's reads, through the functions its view calls."""
    from flask import current_app

    from community.accounts.models import User
    from community.discussions import queries as discussions
    from community.discussions.models import Post
    from community.events import queries as events
    from community.events.models import EventKind
    from community.extensions import db
    from community.keyset import Seek
    from community.mentorship import queries as mentorship
    from community.moderation import queries as moderation
    from community.moderation.models import ReviewCause
    from community.notifications import services as notifications

    def per_page(name: str) -> int:
        return current_app.config[name]

    def home():
        discussions.get_guide()
        discussions.recent_posts(8)
        discussions.experiences_that_worked(4)
        mentorship.mentors_with_room(3)
        events.upcoming_for_home(4)

    def posts(page: int):
        """Page ``page`` of the discussion list, reached through its "next" links."""

        def read():
            listing = discussions.posts_page(per_page=per_page("POSTS_PER_PAGE"))
            for _ in range(page - 1):
                seek = discussions.posts_seek(
                    discussions.PostSort.ACTIVE, listing.link_args()["next"]
                )
                listing = discussions.posts_page(seek=seek, per_page=per_page("POSTS_PER_PAGE"))

        return read

    def posts_last():
        discussions.posts_page(seek=Seek.last(), per_page=per_page("POSTS_PER_PAGE"))

    def post_page():
        discussions.load_thread_page(db.session.get(Post, builder.pages_post))

    def member_notifications(page: int):
        def read():
            member = db.session.get(User, builder.member_id)
            notifications.unread_count(member)
            db.paginate(
                notifications.notifications_query(member),
                page=page,
                per_page=per_page("NOTIFICATIONS_PER_PAGE"),
                error_out=False,
            )

        return read

    def mentors():
        filters = mentorship.DirectoryFilters(
            expertise="data", language="english", accepting_only=True
        )
        mentorship.directory_page(filters, 1, per_page("MENTORS_PER_PAGE"))

    def events_list():
        filters = events.EventFilters(kind=EventKind.WEBINAR, free_only=True)
        events.events_page(events.upcoming_query(filters), 1, per_page("EVENTS_PER_PAGE"))

    def queue(page: int):
        def read():
            moderation.flagged_page(page, per_page("MODERATION_QUEUE_PER_PAGE"))
            moderation.waiting(ReviewCause.HELD)
            moderation.waiting(ReviewCause.APPEAL)
            moderation.open_counts()
            events.pending_events()

        return read

    def log():
        moderation.log_page(moderation.LogFilters(), 1, per_page("MODERATION_LOG_PER_PAGE"))

    return {
        "home": home,
        "posts list, first page": posts(1),
        "posts list, page 19": posts(19),
        "posts list, last page": posts_last,
        "post page": post_page,
        "notifications, first page": member_notifications(1),
        "notifications, last page": member_notifications(7),
        "mentors directory, filtered": mentors,
        "events list, filtered": events_list,
        "moderation queue, first page": queue(1),
        "moderation queue, last page": queue(10),
        "moderation log": log,
    }


PAGES = [
    "home",
    "posts list, first page",
    "posts list, page 19",
    "posts list, last page",
    "post page",
    "notifications, first page",
    "notifications, last page",
    "mentors directory, filtered",
    "events list, filtered",
    "moderation queue, first page",
    "moderation queue, last page",
    "moderation log",
]


@pytest.mark.parametrize("page", PAGES)
def test_list_queries_read_big_tables_through_indexes(community, page):
    app, builder = community
    with app.app_context():
        read = _pages(builder)[page]
    results = _explained(app, read)
    full_reads = [
        f"{tables} in: {' '.join(statement.split())[:300]}"
        for statement, tables, _ in results
        if tables
    ]
    assert full_reads == []


def test_the_dataset_is_big_enough_for_the_planner_to_care(community):
    """Small tables are read whole by any sane planner; these must not be small."""
    app, _ = community
    from community.extensions import db

    with app.app_context():
        counts = {
            table: db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in (
                "comments",
                "notifications",
                "users",
                "events",
                "mentor_profiles",
                "reviews",
                "flags",
            )
        }
    assert counts["comments"] >= 95_000
    assert counts["notifications"] >= 20_000
    assert counts["users"] >= 5_000
    assert counts["events"] >= 4_000
    assert counts["mentor_profiles"] >= 1_000
    assert counts["reviews"] >= 2_000
    assert counts["flags"] >= 4_000
