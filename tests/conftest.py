"""Fixtures: an app and a clean database per test, personas and a real login.

Every test that uses ``app`` runs on SQLite and again on PostgreSQL when
``TEST_DATABASE_URL`` is set. In CI (``CI=true``) missing infrastructure fails
instead of skipping, so a green run means everything ran.

Speed without sharing state: each engine's schema is built once per run, and each
test starts from empty tables (rows deleted and ids restarted after every test), so
tests commit for real and may use several connections. Apps are built once per
(database, ``app_config``) and put back as they were after each test (settings, rate
limiter, thread cache); a test that adds routes or hooks gets a new app afterwards.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import os
import re
import uuid
from contextlib import contextmanager

import pytest
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from werkzeug.security import generate_password_hash

from community import create_app
from community.accounts.models import Role, User
from community.discussions import services as discussions
from community.extensions import db, limiter
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
    """A database of this run's own on the PostgreSQL server, dropped at the end.

    Parallel workers each get their own. Commits skip the wait for the disk: a test
    database need not survive a crash.
    """
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        skip_or_fail("TEST_DATABASE_URL is not set")
    name = f"pathways_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    except Exception as error:  # server down, wrong URL
        admin.dispose()
        skip_or_fail(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {error}")
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    yield url
    for app in [app for key, app in _apps.items() if key[0] == url]:
        _dispose(app)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    """One SQLite file per run (per worker when run in parallel)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"
    yield url
    for app in [app for key, app in _apps.items() if key[0] == url]:
        _dispose(app)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request) -> str:
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


def make_test_app(database_url: str, **overrides):
    """A new app; the ``app`` fixture reuses these, tests may build their own."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Each test empties the database: suggestions read in an earlier one would be stale.
        "EVENT_TAG_SUGGESTIONS_SECONDS": 0,
        # Tests look at the home page right after a change: built on every request.
        "HOME_CACHE_SECONDS": 0,
        # Likewise the paths map and the guide's community figures.
        "PATHS_CACHE_SECONDS": 0,
        # Jobs (mail) run right after the commit, so a test sees their effect at once.
        "JOBS_INLINE": True,
        "SITE_URL": "http://localhost",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app_config() -> dict:
    """Override in a test module (or parametrize) to change the app's settings."""
    return {}


# --- one app per (database, settings), put back as it was after each test -------------

_apps: dict[tuple[str, str], Flask] = {}
#: Per database whose schema is built: the statements that empty it.
_wipes: dict[str, list[str]] = {}
#: Databases a test has written to and that were not emptied since (a failed teardown).
_dirty: set[str] = set()


def _shape(app: Flask) -> tuple:
    """What a test could add to an app: routes, hooks, handlers, template helpers."""
    hooks = (
        app.before_request_funcs,
        app.after_request_funcs,
        app.teardown_request_funcs,
        app.template_context_processors,
        app.url_value_preprocessors,
        app.url_default_functions,
    )
    handlers = sum(
        len(by_class)
        for by_code in app.error_handler_spec.values()
        for by_class in by_code.values()
    )
    return (
        tuple(app.view_functions),
        tuple(sum(len(funcs) for funcs in hook.values()) for hook in hooks),
        handlers,
        len(app.jinja_env.globals),
        len(app.jinja_env.filters),
    )


def fast_commits(engine: Engine) -> None:
    """SQLite: commit without waiting for the disk (a test database need not survive a crash)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def no_sync(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA synchronous=OFF")


def remember_state(app: Flask) -> None:
    """Note what ``restore_state`` puts back; call right after building the app."""
    app.extensions["test_snapshot"] = {
        "config": copy.deepcopy(dict(app.config)),
        "limiter": dict(limiter.__dict__),
        "shape": _shape(app),
    }


def restore_state(app: Flask) -> None:
    """Make an app built earlier behave as a new one for the coming test."""
    snapshot = app.extensions["test_snapshot"]
    # The rate limiter is one object, bound to whichever app was built last.
    limiter.__dict__.update(snapshot["limiter"])
    if limiter.enabled and app.config["RATELIMIT_STORAGE_URI"].startswith("memory"):
        limiter.reset()
    app.extensions.pop("thread_cache", None)
    app.extensions.pop("home_sections", None)
    # The guide's address, learnt from an earlier test's database.
    app.extensions.pop("guide_address", None)
    # Fixtures may add routes before the test's first request, as on a new app.
    app._got_first_request = False


def _build_app(database_url: str, app_config: dict) -> Flask:
    app = make_test_app(database_url, **app_config)
    app.test_client_class = PathwaysClient
    with app.app_context():
        fast_commits(db.engine)
        if database_url not in _wipes:
            db.create_all()
            _wipes[database_url] = _wipe_statements(db.engine)
    remember_state(app)
    return app


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.engine.dispose()


def _put_back(key: tuple[str, str], app: Flask) -> None:
    """Undo a test's changes to settings; forget an app whose routes or hooks changed."""
    snapshot = app.extensions["test_snapshot"]
    if _shape(app) != snapshot["shape"]:
        del _apps[key]
        _dispose(app)
        return
    if dict(app.config) != snapshot["config"]:
        app.config.clear()
        app.config.update(copy.deepcopy(snapshot["config"]))


def _wipe_statements(engine: Engine) -> list[str]:
    """Empty every table, children first, and restart ids at 1 as in a new database."""
    deletes = [f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)]
    if engine.dialect.name != "postgresql":
        return deletes
    with engine.connect() as connection:
        sequences = connection.scalars(
            text(
                "SELECT quote_ident(c.relname) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'S' AND n.nspname = current_schema()"
            )
        ).all()
    restarts = [f"SELECT setval('{name}', 1, false)" for name in sequences]
    return ["; ".join([*deletes, *restarts])]  # one round trip


def _wipe(database_url: str) -> None:
    """Empty the app's database (inside its app context)."""
    with db.engine.begin() as connection:
        for statement in _wipes[database_url]:
            connection.execute(text(statement))


@pytest.fixture
def app(database_url, app_config):
    key = (database_url, repr(sorted(app_config.items())))
    app = _apps.get(key)
    if app is None:
        app = _apps[key] = _build_app(database_url, app_config)
    restore_state(app)
    with app.app_context():
        if database_url in _dirty:
            _wipe(database_url)
        _dirty.add(database_url)
        try:
            yield app
        finally:
            try:
                db.session.remove()
                _wipe(database_url)
                _dirty.discard(database_url)
            finally:
                _put_back(key, app)


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
        """The token a form rendered now would carry, made from the client's session.

        Flask-WTF keeps a random value in the signed session cookie and puts it, signed,
        in each form: this does the same without fetching a page. ``page`` is accepted
        for older callers; no page is read.
        """
        return self._form_token(messages_shown=False)

    def csrf_token_from_page(self, page: str) -> str:
        """The token as printed in ``page``'s form (to check what a browser receives)."""
        response = self.get(page)
        match = _CSRF_INPUT.search(response.get_data(as_text=True))
        if response.status_code != 200 or not match:
            raise AssertionError(f"no CSRF token on {page} ({response.status_code})")
        return match.group(1) or match.group(2)

    def submit(self, url: str, data: dict | None = None, page: str | None = None, **kwargs):
        """POST ``data`` to ``url`` as the form on ``page`` would, CSRF token included.

        As in a browser, the page with the form has shown the messages waiting in the
        session, so they are gone before the POST.
        """
        form = {"csrf_token": self._form_token(messages_shown=True), **(data or {})}
        return self.post(url, data=form, **kwargs)

    def signed_in(self) -> bool:
        """Whether the next request would come from a signed-in member."""
        app = self.application
        remember = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        with self.session_transaction() as session:
            return "_user_id" in session or self.get_cookie(remember) is not None

    def _form_token(self, messages_shown: bool) -> str:
        app = self.application
        field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        with self.session_transaction() as session:
            if not isinstance(session.get(field), str):
                session[field] = hashlib.sha1(os.urandom(64)).hexdigest()
            if messages_shown:
                session.pop("_flashes", None)
            raw = session[field]
        return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


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
    verified: bool = True,
) -> User:
    """A member who has checked their address unless ``verified=False``."""
    username = username or f"member{next(_counter)}"
    user = User(username=username, email=email or f"{username}@example.com", role=role)
    user.password_hash = _cheap_hash(password)
    if verified:
        user.email_verified_at = utcnow()
    if suspended:
        user.suspended_at = utcnow()
    db.session.add(user)
    db.session.commit()
    return user


_hashes: dict[str, str] = {}


def _cheap_hash(password: str) -> str:
    """A cheap hash keeps the suite fast; real accounts use Werkzeug's default (scrypt)."""
    if password not in _hashes:
        _hashes[password] = generate_password_hash(password, "pbkdf2:sha256:1000")
    return _hashes[password]


def make_post(author: User, title: str = "How I moved into data", body: str = "It took a year."):
    post = discussions.create_post(author, title, body)
    db.session.commit()
    return post


def login_as(client: PathwaysClient, user: User, password: str = DEFAULT_PASSWORD):
    """Sign in through the real login form, signing out first if someone is signed in."""
    if client.signed_in():
        client.submit("/auth/logout")
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


# --- one line saying what did not run, and why ----------------------------------------


def _group(report) -> str:
    if "[postgresql" in report.nodeid or "-postgresql" in report.nodeid:
        return "PostgreSQL"
    if "/e2e/" in report.nodeid.replace("\\", "/"):
        return "browser"
    return "other"


def pytest_terminal_summary(terminalreporter) -> None:
    """E.g. "skipped: 633 PostgreSQL tests (TEST_DATABASE_URL is not set)"."""
    counts: dict[tuple[str, str], int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reason = reason.removeprefix("Skipped: ")
        key = (_group(report), reason)
        counts[key] = counts.get(key, 0) + 1
    if not counts:
        return
    parts = [
        f"{count} {group} test{'s' if count > 1 else ''} ({reason})"
        for (group, reason), count in sorted(counts.items(), key=lambda item: -item[1])
    ]
    terminalreporter.write_line("skipped: " + ", ".join(parts))


# --- a real SMTP server on 127.0.0.1 ---------------------------------------------------------


class SmtpSink:
    """What an SMTP server on 127.0.0.1 received, as parsed messages, newest last."""

    def __init__(self) -> None:
        import threading

        self.messages: list = []
        self.refuse = False
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        if self.refuse:
            return "451 Try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
        self.refuse = False

    def to(self, address: str) -> list:
        return [message for message in self.messages if address in message["To"]]


@pytest.fixture(scope="session")
def smtp_server():
    """An aiosmtpd server on a free port of 127.0.0.1 for the whole run (one per worker)."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.port = port
    yield sink
    controller.stop()


@pytest.fixture
def mailbox(smtp_server, app) -> SmtpSink:
    """The SMTP sink, emptied, with the app sending to it (use with ``mail_config``)."""
    assert app.config["MAIL_SERVER"] == "127.0.0.1", "set app_config = mail_config(...)"
    smtp_server.clear()
    return smtp_server


def mail_config(smtp_server, **overrides) -> dict:
    """App settings that send mail to the test SMTP server."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
        "MAIL_SUPPRESS_SEND": False,  # Flask-Mail holds mail back under TESTING otherwise
        **overrides,
    }
