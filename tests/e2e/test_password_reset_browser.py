"""A member who forgot their password gets a link by mail and sets a new one, in a browser.

The app here sends real mail to the test SMTP server, so it runs its own server (the
shared one writes mail to the log).
"""

from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from community.accounts.models import User
from community.extensions import db
from tests.conftest import fast_commits, mail_config, make_test_app, remember_state, restore_state

OLD_PASSWORD = "the password I forgot"
NEW_PASSWORD = "a fresh memorable passphrase"
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/auth/reset/[A-Za-z0-9_.\-]+)")


@pytest.fixture(scope="module")
def mail_app(tmp_path_factory, smtp_server):
    database = tmp_path_factory.mktemp("e2e-mail") / "mail.sqlite3"
    app = make_test_app(f"sqlite:///{database}", **mail_config(smtp_server))
    remember_state(app)
    with app.app_context():
        fast_commits(db.engine)
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["SITE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def site(mail_app, smtp_server) -> str:
    """The mail-sending app's address, with the rate limiter bound to it."""
    restore_state(mail_app)
    smtp_server.clear()
    return mail_app.config["SITE_URL"]


def make_member(app, username: str) -> None:
    with app.app_context():
        user = User(username=username, email=f"{username}@example.com")
        user.set_password(OLD_PASSWORD)
        db.session.add(user)
        db.session.commit()


def sign_in(page: Page, site: str, username: str, password: str) -> None:
    page.goto(f"{site}/auth/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_member_resets_a_forgotten_password_from_the_mail(
    page: Page, site, mail_app, smtp_server, unique_name
):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    username = unique_name("forgetful")
    make_member(mail_app, username)

    page.goto(f"{site}/auth/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_text("If an account uses that address")).to_be_visible()

    [message] = smtp_server.to(f"{username}@example.com")
    assert message["Subject"] == "Reset your Pathways password"
    link = LINK.search(message.get_body(("plain",)).get_content()).group(1)

    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()
    expect(page).to_have_url(f"{site}/auth/login")

    sign_in(page, site, username, OLD_PASSWORD)
    expect(page.get_by_text("That username/email and password do not match.")).to_be_visible()

    sign_in(page, site, username, NEW_PASSWORD)
    expect(page.get_by_text("You are signed in.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(username)

    # The link worked once.
    page.goto(link)
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    assert dialogs == []
