"""Sign-ins end when the member says so: logout, password change, role change, deletion.

A cookie copied before any of those (a shared computer, a stolen laptop, a leaked proxy
log) must stop working after it, and the remember-me cookie with it.
"""

import pytest
from flask import current_app
from sqlalchemy import func, select

from community.accounts import services
from community.accounts.models import LoginSession, Role
from community.db import unit_of_work
from community.extensions import db, limiter
from tests.conftest import DEFAULT_PASSWORD, PathwaysClient, login_as, make_user

REMEMBER = "remember_token"


def _new_client(app) -> PathwaysClient:
    app.test_client_class = PathwaysClient
    return app.test_client()


def _copy_cookies(source, target, names=("session", REMEMBER)) -> None:
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def _signed_in(client) -> bool:
    response = client.get("/settings")
    return response.status_code == 200


def _sign_in(client, user, remember: bool = False):
    client.submit("/auth/logout", page="/")
    data = {"username": user.username, "password": DEFAULT_PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.submit("/auth/login", data)
    assert response.status_code == 302
    return response


def test_a_session_cookie_copied_before_logout_stops_working(app, client):
    user = make_user("mira")
    login_as(client, user)
    thief = _new_client(app)
    _copy_cookies(client, thief)
    assert _signed_in(thief)
    client.submit("/auth/logout", page="/")
    assert not _signed_in(client)
    assert not _signed_in(thief)
    assert db.session.scalar(select(func.count(LoginSession.id))) == 0


def test_a_remember_cookie_copied_before_logout_stops_working(app, client):
    user = make_user("mira")
    _sign_in(client, user, remember=True)
    remembered = client.get_cookie(REMEMBER)
    assert remembered is not None
    thief = _new_client(app)
    thief.set_cookie(REMEMBER, remembered.value)
    assert _signed_in(thief)  # the cookie alone signs in, as remember-me should
    client.submit("/auth/logout", page="/")
    fresh = _new_client(app)
    fresh.set_cookie(REMEMBER, remembered.value)
    assert not _signed_in(fresh)


def test_remember_cookies_differ_per_sign_in_and_last_thirty_days(app, client):
    user = make_user("mira")
    _sign_in(client, user, remember=True)
    first = client.get_cookie(REMEMBER).value
    other = _new_client(app)
    _sign_in(other, user, remember=True)
    second = other.get_cookie(REMEMBER).value
    assert first != second
    assert not first.startswith(f"{user.id}|")  # not just the user id and a signature
    assert current_app.config["REMEMBER_COOKIE_DURATION"].days == 30


def test_password_change_ends_every_other_session(app, client):
    user = make_user("mira")
    _sign_in(client, user, remember=True)
    laptop = _new_client(app)
    _sign_in(laptop, user, remember=True)
    copied = _new_client(app)
    _copy_cookies(laptop, copied)
    old_remember = laptop.get_cookie(REMEMBER).value

    response = laptop.submit(
        "/settings/password",
        {
            "pw-current_password": DEFAULT_PASSWORD,
            "pw-new_password": "a brand new passphrase",
            "pw-confirm": "a brand new passphrase",
        },
        page="/settings",
    )
    assert response.status_code == 302
    assert _signed_in(laptop)  # the member who changed it stays signed in
    assert not _signed_in(client)
    assert not _signed_in(copied)
    # Even the changing device's remember cookie from before the change is replaced.
    remembered_only = _new_client(app)
    remembered_only.set_cookie(REMEMBER, old_remember)
    assert _signed_in(remembered_only) is (laptop.get_cookie(REMEMBER).value == old_remember)
    stale = _new_client(app)
    _copy_cookies(client, stale, names=(REMEMBER,))
    assert not _signed_in(stale)


def test_sign_out_of_all_other_sessions(app, client):
    user = make_user("mira")
    login_as(client, user)
    phone = _new_client(app)
    login_as(phone, user)
    page = client.get("/settings").get_data(as_text=True)
    assert "signed in on 1 other" in page
    response = client.submit("/settings/sessions", page="/settings")
    assert response.status_code == 302
    assert "Signed out of 1 other session" in client.get("/settings").get_data(as_text=True)
    assert _signed_in(client)
    assert not _signed_in(phone)


def test_a_role_change_ends_every_session(app, client):
    user = make_user("mira")
    login_as(client, user)
    with unit_of_work():
        services.set_role(user, Role.MODERATOR)
    assert not _signed_in(client)


def test_deleting_the_account_ends_every_session(app, client):
    user = make_user("mira")
    login_as(client, user)
    phone = _new_client(app)
    login_as(phone, user)
    client.submit("/settings/delete", {"del-password": DEFAULT_PASSWORD}, page="/settings")
    assert not _signed_in(phone)
    assert db.session.scalar(select(func.count(LoginSession.id))) == 0


def test_old_style_cookies_naming_only_a_user_id_are_refused(app, client):
    user = make_user("mira")
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert not _signed_in(client)


def test_the_csrf_token_changes_at_sign_in_and_sign_out(app, client):
    user = make_user("mira")
    client.get("/auth/login")
    with client.session_transaction() as session:
        before = session.get("csrf_token")
    assert before
    login_as(client, user)
    client.get("/")
    with client.session_transaction() as session:
        signed_in = session.get("csrf_token")
    assert signed_in and signed_in != before
    client.submit("/auth/logout", page="/")
    client.get("/auth/login")
    with client.session_transaction() as session:
        assert session.get("csrf_token") not in (None, before, signed_in)


def test_an_unknown_user_costs_one_password_check_like_a_wrong_password(app, monkeypatch):
    make_user("mira")
    checks = []
    real = services.check_password_hash

    def counting(hash_, password):
        checks.append(hash_)
        return real(hash_, password)

    monkeypatch.setattr(services, "check_password_hash", counting)
    assert services.authenticate("nobody-here", "whatever password") is None
    assert len(checks) == 1
    assert services.authenticate("mira", "wrong password") is None
    assert services.authenticate("mira", DEFAULT_PASSWORD).username == "mira"


@pytest.mark.parametrize(
    "app_config",
    [{"RATELIMIT_ENABLED": True, "RATE_LIMIT_LOGIN_FAILURES": "3 per minute"}],
)
def test_failed_sign_ins_are_counted_per_account_across_addresses(app, client):
    limiter.reset()
    make_user("mira")
    make_user("omar")
    statuses = []
    for attempt in range(4):
        other = _new_client(app)
        other.environ_base["REMOTE_ADDR"] = f"10.0.0.{attempt + 1}"
        response = other.submit(
            "/auth/login", {"username": "MIRA@example.com", "password": "wrong pass"}
        )
        statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 429]
    # Another account is not locked, and the right password for it works.
    assert login_as(client, make_user("lena")).status_code == 302
    limiter.reset()
