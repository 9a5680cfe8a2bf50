"""Fixtures: an app per test on a database of its own, personas and a real login.

Every test that uses ``app`` runs on SQLite and again on PostgreSQL when
``TEST_DATABASE_URL`` is set. In CI (``CI=true``) missing infrastructure fails
instead of skipping, so a green run means everything ran.
"""

from __future__ import annotations

import itertools
import os
import re
import uuid
from contextlib import contextmanager

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from community import create_app
from community.accounts.models import Role, User
from community.discussions import services as discussions
from community.extensions import db
from community.timeutil import utcnow

IN_CI = os.environ.get("CI", "").lower() == "true"
DEFAULT_PASSWORD = "correct horse battery staple"
_CSRF_INPUT = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"'
)


def skip_or_fail(reason: str) -> None:
    """Skip on a laptop without the service; in CI a skip would hide a gap, so fail."""
    if IN_CI:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url():
    """A database of this run's own on the PostgreSQL server, dropped at the end."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        skip_or_fail("TEST_DATABASE_URL is not set")
    name = f"pathways_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # server down, wrong URL
        admin.dispose()
        skip_or_fail(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {error}")
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_postgres_schema_ready: set[str] = set()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    return request.getfixturevalue("postgres_url")


def make_test_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app_config() -> dict:
    """Override in a test module to change the app's settings."""
    return {}


@pytest.fixture
def app(database_url, app_config):
    app = make_test_app(database_url, **app_config)
    with app.app_context():
        if database_url.startswith("sqlite") or database_url not in _postgres_schema_ready:
            db.create_all()
            _postgres_schema_ready.add(database_url)
        yield app
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
            with db.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


class PathwaysClient(FlaskClient):
    """A test client that submits forms the way a browser does, CSRF token included."""

    def open(self, *args, **kwargs):
        """Start every request with an empty ``g``, as in production.

        The ``app`` fixture keeps one app context pushed for the whole test and Flask
        reuses it for requests, so ``g`` (the signed-in user, the CSRF token) would
        otherwise carry over from one request, or one client, to the next.
        """
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)

    def csrf_token(self, page: str | None = None) -> str:
        """The token from ``page``, else from the sign-up page or (signed in) the home page."""
        for candidate in filter(None, (page, "/auth/register", "/")):
            response = self.get(candidate)
            match = _CSRF_INPUT.search(response.get_data(as_text=True))
            if response.status_code == 200 and match:
                return match.group(1) or match.group(2)
        raise AssertionError(f"no page with a CSRF token (tried {page})")

    def submit(self, url: str, data: dict | None = None, page: str | None = None, **kwargs):
        """POST ``data`` to ``url`` with the token read from ``page`` (default: ``url``)."""
        form = {"csrf_token": self.csrf_token(page or url), **(data or {})}
        return self.post(url, data=form, **kwargs)


@pytest.fixture
def client(app) -> PathwaysClient:
    app.test_client_class = PathwaysClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@contextmanager
def count_queries():
    """The SQL statements run inside the block (to cap a page's query count)."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


_counter = itertools.count(1)


def make_user(
    username: str | None = None,
    *,
    role: Role = Role.MEMBER,
    password: str = DEFAULT_PASSWORD,
    email: str | None = None,
    suspended: bool = False,
) -> User:
    username = username or f"member{next(_counter)}"
    user = User(username=username, email=email or f"{username}@example.com", role=role)
    # A cheap hash keeps the suite fast; real accounts use Werkzeug's default (scrypt).
    user.password_hash = generate_password_hash(password, "pbkdf2:sha256:1000")
    if suspended:
        user.suspended_at = utcnow()
    db.session.add(user)
    db.session.commit()
    return user


def make_post(author: User, title: str = "How I moved into data", body: str = "It took a year."):
    post = discussions.create_post(author, title, body)
    db.session.commit()
    return post


def login_as(client: PathwaysClient, user: User, password: str = DEFAULT_PASSWORD):
    """Sign in through the real login form."""
    client.submit("/auth/logout", page="/")
    response = client.submit("/auth/login", {"username": user.username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


PERSONAS = ("visitor", "member", "suspended", "moderator", "admin", "hostile")


@pytest.fixture
def personas(app) -> dict[str, User | None]:
    """One user per role, plus "hostile": a member who tries everything."""
    return {
        "visitor": None,
        "member": make_user("mira"),
        "suspended": make_user("sam", suspended=True),
        "moderator": make_user("mod", role=Role.MODERATOR),
        "admin": make_user("ada", role=Role.ADMIN),
        "hostile": make_user("fred"),
    }


@pytest.fixture
def login(client):
    def sign_in(user: User | None):
        if user is not None:
            login_as(client, user)
        return client

    return sign_in
