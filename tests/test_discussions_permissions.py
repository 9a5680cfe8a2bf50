"""Refused discussion writes leave nothing behind (who may do what: ``test_route_matrix.py``)."""

from __future__ import annotations

import pytest

from community.accounts.models import Role
from community.discussions import comment_services as service
from community.discussions.comment_models import Step
from community.extensions import db
from tests.conftest import login_as, make_post, make_user


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


def test_refused_writes_change_nothing(app, client, world):
    users, _post, made = world
    login_as(client, users["member"])
    client.submit(f"/comments/{made.id}/edit", {"body": "Hijacked"}, page="/posts/")
    client.submit(f"/comments/{made.id}/delete", {}, page="/posts/")
    db.session.refresh(made)
    assert made.body_md == "Mentors helped a lot" and made.deleted_at is None
