"""A post page costs the same few SQL queries whether it holds 10 comments or 1,000."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import select

from community.accounts.models import Role
from community.demo import seed_thread
from community.discussions import comment_services
from community.discussions import services as discussions
from community.discussions.comment_models import Comment
from community.discussions.thread_rendering import cache_for
from community.extensions import db
from tests.conftest import count_queries, login_as, make_post, make_user

#: Visitor, thread not cached: post (+ tags), top-level count, page ids, comments with
#: authors. A member adds their sign-in, unread count (once, however many templates
#: render), follow state and votes. docs/performance.md quotes these.
VISITOR_BOUND = 5
MEMBER_BOUND = 9
#: Thread cached: the post and its tags, plus the member's four.
VISITOR_CACHED_BOUND = 2
MEMBER_CACHED_BOUND = 6


def page_queries(client, url: str, cached: bool) -> tuple[int, str]:
    if not cached:
        cache_for(current_app).clear()
    db.session.expunge_all()  # as in production: a request starts with an empty session
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def p_url(post) -> str:
    return f"/posts/{post.id}/{post.slug}"


@pytest.fixture
def threads(app):
    authors = [make_user() for _ in range(25)]
    small, large = make_post(authors[0], title="Small"), make_post(authors[0], title="Large")
    seed_thread(small, authors, total=10, top_level=4, min_chars=20, max_chars=60)
    seed_thread(large, authors, total=1000, top_level=300, min_chars=20, max_chars=60)
    db.session.commit()
    db.session.refresh(small)
    db.session.refresh(large)
    return small, large


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_post_page_queries_do_not_grow_with_comments(app, client, threads, viewer):
    small, large = threads
    if viewer == "member":
        login_as(client, make_user())
    counts = {}
    for title, url, comments in [(p.title, p_url(p), p.comment_count) for p in (small, large)]:
        cold, page = page_queries(client, url, cached=False)
        warm, _ = page_queries(client, url, cached=True)
        counts[title] = (cold, warm)
        assert page.count('<article class="comment') >= min(comments, 100)
    bound, cached_bound = {
        "visitor": (VISITOR_BOUND, VISITOR_CACHED_BOUND),
        "member": (MEMBER_BOUND, MEMBER_CACHED_BOUND),
    }[viewer]
    assert counts["Small"] == counts["Large"], counts
    cold, warm = counts["Large"]
    assert cold <= bound and warm <= cached_bound, counts


def test_post_list_queries_do_not_grow_with_posts(app, client):
    def list_queries() -> int:
        db.session.expunge_all()
        with count_queries() as statements:
            assert client.get("/posts/").status_code == 200
        return len(statements)

    author = make_user()
    discussions.create_post(author, "First", "Body", ["data"])
    db.session.commit()
    few = list_queries()
    for number in range(15):
        discussions.create_post(make_user(), f"Story {number}", "Body", [f"tag{number}", "data"])
    db.session.commit()
    assert list_queries() == few <= 3  # count, page of posts with authors, their tags


def test_whole_first_page_of_a_large_thread_is_rendered(app, client, threads):
    _, large = threads
    _, page = page_queries(client, p_url(large), cached=False)
    assert "Page 1 of 3" in page
    # 100 top-level comments with every reply below them.
    assert page.count('<article class="comment') > 300


@pytest.mark.parametrize("viewer", ["visitor", "member", "moderator"])
def test_hidden_comments_cost_no_queries(app, client, threads, viewer):
    """Hidden comments are revealed or not from the cached thread: no query per comment."""
    _, large = threads
    if viewer != "visitor":
        role = Role.MODERATOR if viewer == "moderator" else Role.MEMBER
        login_as(client, make_user(role=role))
    before = page_queries(client, p_url(large), cached=False)[0]
    hidden = db.session.scalars(
        select(Comment).where(Comment.post_id == large.id).order_by(Comment.id).limit(40)
    ).all()
    for comment in hidden:
        comment_services.set_hidden(comment, "Spam")
    db.session.commit()
    cold, page = page_queries(client, p_url(large), cached=False)
    warm, _ = page_queries(client, p_url(large), cached=True)
    assert cold == before and warm <= cold
    assert ("[removed by a moderator]" in page) is (viewer != "moderator")
    assert ("Removed by a moderator: Spam" in page) is (viewer == "moderator")
