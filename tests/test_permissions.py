"""Who may do what: the rules in permissions.py and every foundation route, per persona."""

import pytest

from community import permissions
from community.notifications.services import notify
from tests.conftest import PERSONAS, make_post

ALLOWED = {
    "can_write": {"member", "moderator", "admin", "hostile"},
    "can_moderate": {"moderator", "admin"},
    "can_grant_roles": {"admin"},
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("rule", sorted(ALLOWED))
def test_role_rules(app, personas, persona, rule):
    from flask_login import AnonymousUserMixin

    user = personas[persona] or AnonymousUserMixin()
    assert getattr(permissions, rule)(user) is (persona in ALLOWED[rule])


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_author_edits_a_post(app, personas, persona):
    from flask_login import AnonymousUserMixin

    post = make_post(personas["member"])
    user = personas[persona] or AnonymousUserMixin()
    assert permissions.can_edit_post(user, post) is (persona == "member")


def test_suspended_author_cannot_edit_own_post(app, personas):
    post = make_post(personas["suspended"])
    assert permissions.can_edit_post(personas["suspended"], post) is False


SIGNED_IN = {"member", "suspended", "moderator", "admin", "hostile"}

# (method, path, data, {persona: expected status}); missing personas get `default`.
ROUTES = [
    ("GET", "/settings", None, {"visitor": 302}, 200),
    (
        "POST",
        "/settings",
        {"display_name": "X", "bio": "", "timezone": "UTC"},
        {"visitor": 302, "suspended": 403},
        302,
    ),
    ("POST", "/settings/password", {"pw-current_password": "x"}, {"visitor": 302}, 400),
    ("POST", "/settings/delete", {"del-password": "wrong"}, {"visitor": 302}, 400),
    ("GET", "/settings/export", None, {"visitor": 302}, 200),
    ("GET", "/notifications", None, {"visitor": 302}, 200),
    ("POST", "/notifications/read-all", {}, {"visitor": 302}, 302),
    ("POST", "/auth/logout", {}, {}, 302),
    ("GET", "/auth/login", None, {p: 302 for p in SIGNED_IN}, 200),
    ("GET", "/auth/register", None, {p: 302 for p in SIGNED_IN}, 200),
    ("GET", "/", None, {}, 200),
    ("GET", "/posts/", None, {}, 200),
    ("GET", "/u/mira", None, {}, 200),
    ("GET", "/healthz", None, {}, 200),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("method", "path", "data", "expected", "default"),
    ROUTES,
    ids=[f"{method} {path}" for method, path, *_ in ROUTES],
)
def test_route_matrix(app, client, personas, login, persona, method, path, data, expected, default):
    login(personas[persona])
    response = client.get(path) if method == "GET" else client.submit(path, data, page="/")
    assert response.status_code == expected.get(persona, default)
    if response.status_code == 302 and persona == "visitor" and path != "/auth/logout":
        assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_notification_is_readable_by_its_recipient_only(app, client, personas, login, persona):
    notify(personas["member"], "reply", "Someone replied", "/posts/")
    from community.extensions import db

    db.session.commit()
    login(personas[persona])
    response = client.submit("/notifications/1/read", {}, page="/")
    expected = {"visitor": 302, "member": 302}.get(persona, 403)
    assert response.status_code == expected
