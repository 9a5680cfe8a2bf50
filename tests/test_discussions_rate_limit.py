"""Comment creation is rate-limited per member (limits on, as in production)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from community.discussions.comment_models import Comment
from community.extensions import db, limiter
from tests.conftest import login_as, make_post, make_user


@pytest.fixture
def app_config() -> dict:
    return {"RATELIMIT_ENABLED": True, "RATE_LIMIT_COMMENTS": "3 per minute"}


def test_comment_creation_is_rate_limited_per_member(app, client):
    limiter.reset()
    first, second = make_user("quick"), make_user("steady")
    post = make_post(first)
    login_as(client, first)
    url, page = f"/posts/{post.id}/comments", f"/posts/{post.id}/{post.slug}"
    statuses = [
        client.submit(url, {"body": f"Comment {n}"}, page=page).status_code for n in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    assert "Slow down" in client.submit(url, {"body": "Again"}, page=page).get_data(as_text=True)
    login_as(client, second)  # same address, another member: a limit of their own
    assert client.submit(url, {"body": "My turn"}, page=page).status_code == 302
    assert db.session.scalar(select(func.count(Comment.id))) == 4
