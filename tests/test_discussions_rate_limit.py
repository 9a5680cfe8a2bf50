"""Every write in discussions and notifications is rate-limited per member (limits on, as in
production): posts, comments, edits, votes, follows, flags, marking notifications read."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from community.discussions.comment_models import Comment
from community.discussions.models import Post
from community.extensions import db, limiter
from community.notifications.services import notify
from tests.conftest import login_as, make_post, make_user


@pytest.fixture
def app_config() -> dict:
    return {
        "RATELIMIT_ENABLED": True,
        "RATE_LIMIT_COMMENTS": "3 per minute",
        "RATE_LIMIT_POSTS": "2 per minute",
        "RATE_LIMIT_EDITS": "2 per minute",
        "RATE_LIMIT_FOLLOWS": "2 per minute",
        "RATE_LIMIT_VOTES": "2 per minute",
        "RATE_LIMIT_NOTIFICATIONS": "2 per minute",
    }


@pytest.fixture(autouse=True)
def fresh_limits(app):
    limiter.reset()


def url_of(post: Post) -> str:
    return f"/posts/{post.id}/{post.slug}"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_comment_creation_is_rate_limited_per_member(app, client):
    first, second = make_user("quick"), make_user("steady")
    post = make_post(first)
    login_as(client, first)
    url, page = f"/posts/{post.id}/comments", url_of(post)
    statuses = [
        client.submit(url, {"body": f"Comment {n}"}, page=page).status_code for n in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    assert "Slow down" in client.submit(url, {"body": "Again"}, page=page).get_data(as_text=True)
    login_as(client, second)  # same address, another member: a limit of their own
    assert client.submit(url, {"body": "My turn"}, page=page).status_code == 302
    assert count(Comment) == 4


def test_new_posts_are_rate_limited(app, client):
    login_as(client, make_user())
    statuses = [
        client.submit("/posts/new", {"title": f"Post {n}", "body": "Body"}).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert count(Post) == 2
    assert client.get("/posts/new").status_code == 200  # reading the form costs nothing


def test_post_and_comment_edits_share_one_limit(app, client):
    author = make_user()
    post = make_post(author)
    login_as(client, author)
    client.submit(f"/posts/{post.id}/comments", {"body": "Mine"}, page=url_of(post))
    made = db.session.scalar(select(Comment))
    edit_post = {"title": "New title", "body": "New body"}
    assert client.submit(f"/posts/{post.id}/edit", edit_post).status_code == 302
    assert client.submit(f"/comments/{made.id}/edit", {"body": "Edited"}).status_code == 302
    response = client.submit(f"/posts/{post.id}/edit", {"title": "Third", "body": "Again"})
    assert response.status_code == 429
    db.session.expire_all()
    assert db.session.get(Post, post.id).title == "New title"


def test_follows_votes_and_notifications_are_rate_limited(app, client):
    author, member = make_user(), make_user()
    post = make_post(author)
    login_as(client, author)
    client.submit(f"/posts/{post.id}/comments", {"body": "Vote on me"}, page=url_of(post))
    made = db.session.scalar(select(Comment))
    notify(member, "reply", "Hello", "/posts/")
    db.session.commit()
    login_as(client, member)
    follows = [
        client.submit(f"/posts/{post.id}/{action}", {}, page=url_of(post)).status_code
        for action in ("follow", "unfollow", "follow")
    ]
    votes = [
        client.submit(f"/comments/{made.id}/vote", {}, page=url_of(post)).status_code
        for _ in range(3)
    ]
    marks = [
        client.submit("/notifications/read-all", page="/notifications").status_code
        for _ in range(3)
    ]
    assert (follows, votes, marks) == ([302, 302, 429], [302, 302, 429], [302, 302, 429])
