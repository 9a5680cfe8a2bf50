"""Who may do what in discussions: every route against every role."""

from __future__ import annotations

import pytest

from community.accounts.models import Role
from community.discussions import comment_services as service
from community.discussions.comment_models import Step
from community.extensions import db
from tests.conftest import login_as, make_post, make_user

ROLES = ("anonymous", "member", "author", "moderator", "suspended")
LOGIN = "login"

#: (method, route, form data, expected outcome per role in ROLES order)
MATRIX = [
    ("GET", "/posts/", {}, (200, 200, 200, 200, 200)),
    ("GET", "{post_url}", {}, (200, 200, 200, 200, 200)),
    ("GET", "/comments/{comment}", {}, (200, 200, 200, 200, 200)),
    ("GET", "/posts/new", {}, (LOGIN, 200, 200, 200, 403)),
    ("POST", "/posts/new", {"title": "T", "body": "B"}, (LOGIN, 302, 302, 302, 403)),
    ("GET", "/posts/{post}/edit", {}, (LOGIN, 403, 200, 403, 403)),
    ("POST", "/posts/{post}/edit", {"title": "T", "body": "B"}, (LOGIN, 403, 302, 403, 403)),
    ("POST", "/posts/{post}/comments", {"body": "Hello"}, (LOGIN, 302, 302, 302, 403)),
    ("POST", "/posts/{post}/follow", {}, (LOGIN, 302, 302, 302, 403)),
    ("POST", "/posts/{post}/unfollow", {}, (LOGIN, 302, 302, 302, 403)),
    ("GET", "/comments/{comment}/edit", {}, (LOGIN, 403, 200, 403, 403)),
    ("POST", "/comments/{comment}/edit", {"body": "New"}, (LOGIN, 403, 302, 403, 403)),
    ("POST", "/comments/{comment}/delete", {}, (LOGIN, 403, 302, 403, 403)),
    ("POST", "/comments/{comment}/vote", {}, (LOGIN, 302, 403, 302, 403)),
    ("POST", "/comments/{comment}/endorse", {}, (LOGIN, 302, 403, 302, 403)),
    ("GET", "/comments/{comment}/flag", {}, (LOGIN, 200, 403, 200, 403)),
    ("POST", "/comments/{comment}/flag", {"reason": "spam"}, (LOGIN, 302, 403, 302, 403)),
    ("GET", "/comments/{comment}/revisions", {}, (LOGIN, 403, 200, 200, 403)),
]


@pytest.fixture
def world(app):
    """A post by "author" (treated as the guide) holding an experience they shared."""
    users = {
        "anonymous": None,
        "member": make_user("mira"),
        "author": make_user("ayo"),
        "moderator": make_user("mod", role=Role.MODERATOR),
        "suspended": make_user("sam", suspended=True),
    }
    post = make_post(users["author"], title="Changing lanes")
    post.is_guide = True
    db.session.commit()
    with app.test_request_context():
        made = service.create_comment(
            post,
            users["author"],
            "Mentors helped",
            experience=service.Experience([Step.NETWORKING]),
        )
        service.edit_comment(made, "Mentors helped a lot")
        db.session.commit()
    return users, post, made


@pytest.mark.parametrize(("method", "route", "data", "expected"), MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_route_role_matrix(app, client, world, role, method, route, data, expected):
    users, post, made = world
    url = route.format(post=post.id, comment=made.id, post_url=f"/posts/{post.id}/{post.slug}")
    if users[role] is not None:
        login_as(client, users[role])
    response = client.get(url) if method == "GET" else client.submit(url, data, page="/posts/")
    outcome = expected[ROLES.index(role)]
    if outcome == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")
    else:
        assert response.status_code == outcome, response.get_data(as_text=True)[:500]
    if outcome == 403:
        assert "Not allowed" in response.get_data(as_text=True) or "locked" in response.get_data(
            as_text=True
        )


def test_refused_writes_change_nothing(app, client, world):
    users, _post, made = world
    login_as(client, users["member"])
    client.submit(f"/comments/{made.id}/edit", {"body": "Hijacked"}, page="/posts/")
    client.submit(f"/comments/{made.id}/delete", {}, page="/posts/")
    db.session.refresh(made)
    assert made.body_md == "Mentors helped a lot" and made.deleted_at is None
