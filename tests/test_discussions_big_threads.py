"""A comment with thousands of replies: every page loads a bounded number of comments,
and "more replies" links lead, page by page, to every one of them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import insert, update

from community.accounts.models import User
from community.discussions import queries
from community.discussions.comment_models import Comment
from community.discussions.comment_services import bump_thread, create_comment
from community.discussions.thread_rendering import cache_for
from community.extensions import db
from community.timeutil import utcnow
from tests.conftest import count_queries, login_as, make_post, make_user

REPLIES = 5_000
ARTICLE = '<article class="comment'


def add_replies(parent: Comment, authors: Sequence[User], count: int, label: str = "Reply"):
    """``count`` replies to ``parent`` in two bulk statements, with the tree columns the
    comment services write (``root_id``, ``depth``, ``path``), a second apart, scores
    cycling from 0 to 6. Returns their ids, oldest first."""
    started = utcnow() - timedelta(days=1)
    rows = [
        {
            "post_id": parent.post_id,
            "author_id": authors[number % len(authors)].id,
            "parent_id": parent.id,
            "root_id": parent.root_id,
            "depth": parent.depth + 1,
            "path": "",
            "body_md": f"{label} {number}",
            "body_html": f"<p>{label} {number}</p>",
            "score": number % 7,
            "created_at": started + timedelta(seconds=number),
        }
        for number in range(count)
    ]
    ids = list(
        db.session.scalars(
            insert(Comment).returning(Comment.id, sort_by_parameter_order=True), rows
        )
    )
    db.session.execute(
        update(Comment), [{"id": id_, "path": f"{parent.path}/{id_:010d}"} for id_ in ids]
    )
    bump_thread(parent.post_id, activity=True, comments=count)
    return ids


def top_comment(app, post, author, body="The question everyone answers") -> Comment:
    with app.test_request_context():
        comment = create_comment(post, author, body)
    db.session.commit()
    return comment


@pytest.fixture
def crowded(app):
    """A post whose single top-level comment holds ``REPLIES`` replies."""
    authors = [make_user() for _ in range(5)]
    post = make_post(authors[0], title="One question, five thousand answers")
    root = top_comment(app, post, authors[0])
    reply_ids = add_replies(root, authors, REPLIES)
    db.session.commit()
    return post, root, reply_ids


def fetch(client, url: str) -> tuple[str, int]:
    """(page, SQL statements) for a request that starts with an empty session and cache."""
    cache_for(current_app).clear()
    db.session.expunge_all()
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True), len(statements)


def shown_ids(page: str) -> list[int]:
    return [int(match) for match in re.findall(r'<article class="comment[^"]*" id="c(\d+)"', page)]


def post_url(post) -> str:
    return f"/posts/{post.id}/{post.slug}"


def test_post_page_loads_a_bounded_part_of_a_huge_reply_list(app, client, crowded):
    post, root, reply_ids = crowded
    small = make_post(make_user(), title="A quiet one")
    small_root = top_comment(app, small, small.author)
    add_replies(small_root, [small.author], 3)
    db.session.commit()
    big_url, small_url, root_id = post_url(post), post_url(small), root.id

    page, statements = fetch(client, big_url)
    _, small_statements = fetch(client, small_url)

    assert statements == small_statements <= 5
    assert page.count(ARTICLE) == 1 + queries.REPLIES_SHOWN
    # Best first: the highest scores (6), oldest first among equals.
    best = sorted(range(REPLIES), key=lambda n: (-(n % 7), n))[: queries.REPLIES_SHOWN]
    assert shown_ids(page) == [root_id, *(reply_ids[n] for n in best)]
    more = REPLIES - queries.REPLIES_SHOWN
    assert f'href="/comments/{root_id}?sort=best#c{root_id}">{more:,} more replies' in page


def test_newest_first_shows_the_newest_replies_and_keeps_the_order_on_the_permalink(
    app, client, crowded
):
    post, root, reply_ids = crowded
    root_id = root.id
    page, _ = fetch(client, post_url(post) + "?sort=newest")
    newest = reply_ids[::-1][: queries.REPLIES_SHOWN]
    assert shown_ids(page) == [root_id, *newest]
    link = re.search(r'href="(/comments/\d+\?sort=newest)#c\d+">4,990 more replies', page)
    assert link is not None
    permalink, _ = fetch(client, link.group(1))
    assert shown_ids(permalink)[1:] == reply_ids[::-1][: queries.REPLIES_PER_PAGE]


def test_permalink_pages_reach_every_reply_and_each_is_bounded(app, client, crowded):
    post, root, reply_ids = crowded
    root_id = root.id
    few = top_comment(app, post, make_user(), "Few replies")
    add_replies(few, [few.author], 3)
    db.session.commit()
    _, few_statements = fetch(client, f"/comments/{few.id}")
    url, seen, pages = f"/comments/{root_id}", [], 0
    while url:
        page, statements = fetch(client, url)
        pages += 1
        ids = shown_ids(page)
        assert ids[0] == root_id and len(ids) <= 1 + queries.REPLIES_PER_PAGE
        assert statements == few_statements, url
        seen.extend(ids[1:])
        following = re.search(r'<a rel="next" href="([^"]+)"', page)
        url = following.group(1).replace("&amp;", "&") if following else None
    assert pages == REPLIES // queries.REPLIES_PER_PAGE
    assert seen == reply_ids  # oldest first, each once
    assert "Replies 4,901–5,000 of 5,000" in page and "Page 50 of 50" in page


def test_a_page_past_the_last_shows_the_last_replies(app, client, crowded):
    _, root, reply_ids = crowded
    page, _ = fetch(client, f"/comments/{root.id}?page=9999")
    assert shown_ids(page)[1:] == reply_ids[-queries.REPLIES_PER_PAGE :]
    assert "Page 50 of 50" in page


def test_a_new_reply_leads_to_the_page_that_shows_it(app, client, crowded):
    post, root, _ = crowded
    post_id, root_id = post.id, root.id
    login_as(client, make_user())
    response = client.submit(
        f"/posts/{post_id}/comments",
        {"body": "Answer number five thousand and one", "parent_id": str(root_id)},
        page=f"/comments/{root_id}",
    )
    assert response.status_code == 302
    assert f"/comments/{root_id}?page=51#c" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "Answer number five thousand and one" in page
    assert "Replies 5,001–5,001 of 5,001" in page


def test_nested_reply_lists_are_cut_at_every_level(app, client):
    """50 replies with 50 replies each: the first ten of each shown level, links for the rest."""
    author = make_user()
    post = make_post(author)
    root = top_comment(app, post, author)
    first_level = add_replies(root, [author], 50)
    db.session.commit()
    for reply in db.session.get(Comment, first_level[0]), db.session.get(Comment, first_level[1]):
        add_replies(reply, [author], 50, label=f"Answer to {reply.id}")
    db.session.commit()

    page, statements = fetch(client, post_url(post) + "?sort=oldest")
    shown = queries.REPLIES_SHOWN
    assert page.count(ARTICLE) == 1 + shown + 2 * shown
    assert page.count("40 more replies") == 3  # under the root and the two answered replies
    assert statements <= 5


def test_a_page_loads_at_most_its_reply_budget(app, client, monkeypatch):
    """Replies are taken level by level: every comment's first replies before any
    comment's next ones, and never a reply without its parent."""
    monkeypatch.setattr(queries, "PAGE_REPLIES_MAX", 15)
    author = make_user()
    post = make_post(author)
    roots = [top_comment(app, post, author, f"Top {n}") for n in range(3)]
    for top in roots:
        for reply_id in add_replies(top, [author], 12)[:2]:
            add_replies(db.session.get(Comment, reply_id), [author], 4, label="Deeper")
    db.session.commit()

    page, _ = fetch(client, post_url(post) + "?sort=oldest")
    # Five replies under each top-level comment (their first, then their second, …),
    # then the budget ran out before any deeper reply; every cut list links on.
    assert page.count(ARTICLE) == 3 + 15
    assert "Deeper" not in page
    assert page.count("7 more replies") == 3 and page.count("4 more replies") == 6
