"""Browser tests: Playwright drives Debian's Chromium against the app served on 127.0.0.1.

The app runs in a thread with a SQLite file seeded with the guide. Tests share the
server, so each test creates its own members (``unique_name``).
"""

from __future__ import annotations

import itertools
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from community.discussions.services import seed_guide
from community.extensions import db
from tests.conftest import (
    fast_commits,
    make_test_app,
    remember_state,
    restore_state,
    skip_or_fail,
)

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
#: The served app, for helpers that read what it mailed (the live app logs mail, sends none).
_served: dict[str, object] = {}


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, browser_name):
    """Launch the system Chromium: Playwright never downloads a browser here."""
    if browser_name != "chromium":
        return browser_type_launch_args
    if not Path(CHROMIUM_PATH).exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM_PATH}")
    return {**browser_type_launch_args, "executable_path": CHROMIUM_PATH}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    database = tmp_path_factory.mktemp("e2e") / "e2e.sqlite3"
    app = make_test_app(f"sqlite:///{database}")
    remember_state(app)
    with app.app_context():
        fast_commits(db.engine)
        db.create_all()
        seed_guide()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    _served["app"] = app
    yield app
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def base_url(live_app) -> str:
    return live_app.config["LIVE_URL"]


@pytest.fixture(autouse=True)
def _live_app_state(request):
    """Apps built by other tests in this process rebind the rate limiter: bind it back."""
    if "live_app" in request.fixturenames or "base_url" in request.fixturenames:
        restore_state(request.getfixturevalue("live_app"))


_names = itertools.count(1)


@pytest.fixture
def unique_name():
    """A fresh username per call, so tests sharing the server never collide."""

    def make(prefix: str = "member") -> str:
        return f"{prefix}{os.getpid() % 1000}x{next(_names)}"

    return make


def register(
    page, username: str, password: str = "a long enough password", confirm: bool = True
) -> None:
    """Sign up through the real form; leaves the member signed in, with their address
    confirmed through the link they were mailed (``confirm=False`` leaves it unchecked)."""
    page.goto("/auth/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Confirm password").fill(password)
    page.get_by_role("button", name="Create account").click()
    if confirm:
        page.goto(verification_path(username))
        page.get_by_role("button", name="Confirm my address").click()


def verification_path(username: str) -> str:
    """The link in the verification mail the served app wrote for ``username``."""
    from sqlalchemy import select

    from community.accounts.models import User
    from community.notifications.models import OutgoingMail

    app = _served["app"]
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == username))
        mail = db.session.scalar(
            select(OutgoingMail)
            .where(OutgoingMail.user_id == user_id)
            .order_by(OutgoingMail.id.desc())
            .limit(1)
        )
        text = mail.text_body
    start = text.index("/auth/verify/")
    return text[start:].split()[0]


def sign_in(page, username: str, password: str = "a long enough password") -> None:
    page.goto("/auth/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out", exact=True).click()
