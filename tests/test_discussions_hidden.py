"""Hidden, held and featured content as each viewer sees it: threads (cached and not),
permalinks, post pages, lists, the home page, counts and statistics."""

from __future__ import annotations

import re

import pytest
from flask import current_app
from sqlalchemy import select

from community.accounts.models import Role
from community.discussions import comment_services as comments
from community.discussions import queries
from community.discussions import services as posts
from community.discussions.comment_models import Comment, Step
from community.discussions.models import Post
from community.discussions.thread_rendering import cache_for
from community.extensions import db
from tests.conftest import login_as, make_post, make_user

PLACEHOLDER = "[removed by a moderator]"


def url_of(post: Post) -> str:
    return f"/posts/{post.id}/{post.slug}"


def add_comment(app, post, author, body, parent=None, experience=None) -> Comment:
    with app.test_request_context():
        made = comments.create_comment(
            post, author, body, parent.id if parent else None, experience
        )
        db.session.commit()
    return made


def hide(item, reason: str | None) -> None:
    """Hide (or with None restore) through the services, as a moderator's action does."""
    if isinstance(item, Comment):
        assert comments.set_hidden(item, reason)
    else:
        assert posts.set_hidden(item, reason)
    db.session.commit()


def as_viewer(client, user) -> None:
    if user is None:
        if client.signed_in():
            client.submit("/auth/logout")
    else:
        login_as(client, user)


def comment_html(page: str, comment_id: int) -> str:
    """One comment's own part of a page: its article up to its replies' list."""
    start = page.index(f'id="c{comment_id}"')
    end = page.find('<ol class="comments">', start)
    return page[start : end if end != -1 else None]


@pytest.fixture
def thread(app):
    """A post with a comment a moderator hid, a reply under it and a live comment."""
    people = {
        "post_author": make_user("poster"),
        "author": make_user("writer"),
        "other": make_user("reader"),
        "moderator": make_user("mod", role=Role.MODERATOR),
    }
    post = make_post(people["post_author"], title="Moving into analytics")
    hidden = add_comment(app, post, people["author"], "Secret words of the hidden comment")
    reply = add_comment(app, post, people["other"], "A reply that stays", parent=hidden)
    live = add_comment(app, post, people["post_author"], "A live comment")
    hide(hidden, "Off topic")
    return post, hidden, reply, live, people


def test_hidden_comment_from_one_cached_thread_as_each_viewer_sees_it(app, client, thread):
    post, hidden, reply, live, people = thread
    cache = cache_for(current_app)
    cache.clear()
    misses = cache.misses
    seen = {}
    for name in ("visitor", "author", "moderator", "other"):
        as_viewer(client, people.get(name))
        response = client.get(url_of(post))
        assert response.status_code == 200
        seen[name] = response.get_data(as_text=True)
    assert cache.misses == misses + 1  # rendered once, for the visitor; the rest were hits

    for name in ("visitor", "other"):
        page = seen[name]
        own = comment_html(page, hidden.id)
        assert PLACEHOLDER in own and "Secret words" not in page and "Off topic" not in page
        assert "writer" not in own and "Upvote" not in own and "/flag" not in own
        assert "A reply that stays" in page and "A live comment" in page
        assert 'aria-label="Comment removed by a moderator"' in page
    assert f'href="/comments/{live.id}/flag">Flag</a>' in seen["other"]
    assert f'href="/comments/{reply.id}/flag">Flag</a>' not in seen["other"]  # their own

    for name in ("author", "moderator"):
        own = comment_html(seen[name], hidden.id)
        assert "Secret words of the hidden comment" in own
        assert "Removed by a moderator: Off topic" in own
        assert "Upvote" not in own and "/flag" not in own and ">Reply<" not in own
        assert "A reply that stays" in seen[name]
    assert f'href="/comments/{hidden.id}/edit">Edit</a>' in seen["author"]
    assert f'href="/mod/comments/{hidden.id}">Moderate</a>' in seen["moderator"]
    assert f'href="/mod/comments/{live.id}">Moderate</a>' in seen["moderator"]
    assert "Moderate</a>" not in seen["author"] + seen["other"] + seen["visitor"]


def test_hidden_comment_on_its_permalink_page(app, client, thread):
    _, hidden, reply, _, people = thread
    for name in ("visitor", "other", "author", "moderator"):
        as_viewer(client, people.get(name))
        for url in (f"/comments/{hidden.id}", f"/comments/{reply.id}"):
            response = client.get(url)
            page = response.get_data(as_text=True)
            assert response.status_code == 200 and "A reply that stays" in page
            reveals = name in ("author", "moderator")
            assert ("Secret words of the hidden comment" in page) is reveals, (name, url)
            assert ("Removed by a moderator: Off topic" in page) is reveals
            assert (PLACEHOLDER in page) is not reveals
        # Nobody replies to a hidden comment from its page.
        assert 'name="parent_id"' not in client.get(f"/comments/{hidden.id}").get_data(as_text=True)


def test_restored_comment_reads_again_for_everyone(app, client, thread):
    post, hidden, _, _, people = thread
    client.get(url_of(post))
    hide(hidden, None)
    page = client.get(url_of(post)).get_data(as_text=True)
    assert "Secret words of the hidden comment" in page and PLACEHOLDER not in page
    login_as(client, people["other"])
    assert f'href="/comments/{hidden.id}/flag">Flag</a>' in client.get(url_of(post)).get_data(
        as_text=True
    )


def test_hidden_and_deleted_comment_shows_as_deleted_to_everyone(app, client, thread):
    post, hidden, _, _, people = thread
    with app.test_request_context():
        comments.delete_comment(hidden)
        db.session.commit()
    for name in ("visitor", "author", "moderator"):
        as_viewer(client, people.get(name))
        page = client.get(url_of(post)).get_data(as_text=True)
        own = comment_html(page, hidden.id)
        assert "[deleted]" in own and "Secret words" not in page and PLACEHOLDER not in page
        assert "A reply that stays" in page


def test_hidden_comment_without_replies_keeps_its_place(app, client):
    post = make_post(make_user())
    alone = add_comment(app, post, make_user(), "Nobody answered this")
    hide(alone, "Spam")
    page = client.get(url_of(post)).get_data(as_text=True)
    assert f'id="c{alone.id}"' in page and PLACEHOLDER in page and "Nobody answered" not in page


def test_votes_on_a_hidden_comment_are_refused(app, client, thread):
    post, hidden, _, _, people = thread
    login_as(client, people["other"])
    response = client.submit(f"/comments/{hidden.id}/vote", {"action": "up"}, page=url_of(post))
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Comment, hidden.id).score == 0


# Counts


def stored_count(post: Post) -> int:
    db.session.expire_all()
    return db.session.get(Post, post.id).comment_count


def test_comment_count_follows_hide_restore_and_delete(app, client):
    post = make_post(make_user())
    first, second, third = (add_comment(app, post, make_user(), f"Words {n}") for n in range(3))
    assert stored_count(post) == 3
    hide(first, "Spam")
    assert stored_count(post) == 2
    assert 'Comments <span class="muted">(2)</span>' in client.get(url_of(post)).get_data(
        as_text=True
    )
    assert "2 comments" in client.get("/posts/").get_data(as_text=True)
    hide(first, None)
    assert stored_count(post) == 3
    # Hidden, then deleted: counted out once, and restoring it brings nothing back.
    hide(second, "Spam")
    with app.test_request_context():
        comments.delete_comment(db.session.get(Comment, second.id))
        db.session.commit()
    assert stored_count(post) == 2
    hide(db.session.get(Comment, second.id), None)
    assert stored_count(post) == 2
    # Deleted, then hidden: the same.
    with app.test_request_context():
        comments.delete_comment(db.session.get(Comment, third.id))
        db.session.commit()
    assert stored_count(post) == 1
    hide(db.session.get(Comment, third.id), "Spam")
    assert stored_count(post) == 1
    # A second hide by another moderator changes nothing.
    hide(first, "Spam")
    assert not comments.set_hidden(db.session.get(Comment, first.id), "Again")
    assert stored_count(post) == 0


def test_experience_stats_leave_hidden_experiences_out(app, client):
    guide, _ = posts.seed_guide()
    db.session.commit()
    kept = comments.Experience(steps=[Step.PLAN])
    shared = add_comment(app, guide, make_user(), "A plan helped", experience=kept)
    add_comment(app, guide, make_user(), "So did mine", experience=kept)

    def plan_members() -> int:
        return {row.step: row.members for row in queries.experience_stats(guide)}[Step.PLAN]

    assert plan_members() == 2
    hide(shared, "Advertising")
    assert plan_members() == 1
    page = client.get(url_of(guide)).get_data(as_text=True)
    assert re.search(r"A transition plan</span>\s*<span class=\"step-stats__count\">1 member", page)


# Hidden and held posts


@pytest.fixture
def hidden_post(app):
    author = make_user("poster")
    post = make_post(author, title="Buy my course now", body="Cheap certificates here.")
    add_comment(app, post, make_user(), "A comment under it")
    hide(post, "Advertising")
    return post, author


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_hidden_post_shows_a_placeholder_to_others(app, client, hidden_post, viewer):
    post, _ = hidden_post
    if viewer == "member":
        login_as(client, make_user())
    for url in (url_of(post), f"/posts/{post.id}", f"/posts/{post.id}/wrong-slug"):
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert PLACEHOLDER in page
        assert "Buy my course" not in page and "Cheap certificates" not in page
        assert "A comment under it" not in page and "Advertising" not in page
        assert 'id="reply"' not in page
        if url != url_of(post):  # no redirect that would spell out the title
            assert "buy-my-course" not in page
    assert "Buy my course" not in client.get("/posts/").get_data(as_text=True)
    assert "Buy my course" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("viewer", ["author", "moderator"])
def test_hidden_post_reads_with_the_reason_for_author_and_moderators(
    app, client, hidden_post, viewer
):
    post, author = hidden_post
    user = author if viewer == "author" else make_user(role=Role.MODERATOR)
    login_as(client, user)
    page = client.get(url_of(post)).get_data(as_text=True)
    assert "A moderator removed this post: Advertising" in page
    assert "Buy my course now" in page and "Cheap certificates here." in page
    assert "A comment under it" in page
    assert "A moderator removed this post: it accepts no new comments." in page
    assert (f'href="/mod/posts/{post.id}">Moderate</a>' in page) is (viewer == "moderator")
    response = client.submit(f"/posts/{post.id}/comments", {"body": "Still here?"})
    assert response.status_code == 403
    assert "it accepts no new comments" in response.get_data(as_text=True)
    assert len(db.session.scalars(select(Comment)).all()) == 1


def test_comment_on_a_hidden_post_keeps_its_words_from_others(app, client, hidden_post):
    comment = db.session.scalars(select(Comment)).one()
    page = client.get(f"/comments/{comment.id}").get_data(as_text=True)
    assert PLACEHOLDER in page and "A comment under it" not in page
    assert "Buy my course" not in page


@pytest.fixture
def held_post(app):
    newcomer = make_user("newcomer")
    post = posts.create_post(newcomer, "My portfolio", "See [it](https://example.com/me).")
    db.session.commit()
    assert post.is_held
    return post, newcomer


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_held_post_is_not_found_by_others(app, client, held_post, viewer):
    post, _ = held_post
    if viewer == "member":
        login_as(client, make_user())
        response = client.submit(f"/posts/{post.id}/comments", {"body": "Hello"})
        assert response.status_code == 404
    assert client.get(url_of(post)).status_code == 404
    assert client.get(f"/posts/{post.id}").status_code == 404
    assert "My portfolio" not in client.get("/posts/").get_data(as_text=True)
    assert "My portfolio" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("viewer", ["author", "moderator"])
def test_held_post_waits_with_a_notice_for_author_and_moderators(app, client, held_post, viewer):
    post, author = held_post
    login_as(client, author if viewer == "author" else make_user(role=Role.MODERATOR))
    response = client.get(url_of(post))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "My portfolio" in page
    assert (
        "Waiting for a moderator: posts with links from new members are reviewed "
        "before they are listed." in page
    )
    response = client.submit(f"/posts/{post.id}/comments", {"body": "Anyone?"})
    assert response.status_code == 403
    assert "waiting for a moderator" in response.get_data(as_text=True)


def test_released_post_is_listed(app, client, held_post):
    post, _ = held_post
    assert posts.release(post)
    db.session.commit()
    assert client.get(url_of(post)).status_code == 200
    assert "My portfolio" in client.get("/posts/").get_data(as_text=True)


# Featured content and the home page


def test_featured_post_is_tagged_in_lists_and_first_on_the_home_page(app, client):
    author = make_user()
    older = make_post(author, title="An older story")
    make_post(author, title="The newest story")
    assert posts.set_featured(older, True)
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert home.index("An older story") < home.index("The newest story")
    assert re.search(r'tag--featured">Featured</span> <a href="[^"]+">An older story', home)
    listing = client.get("/posts/").get_data(as_text=True)
    assert re.search(r'Featured</span>\s*<a href="[^"]+">An older story', listing)
    assert "Featured" in client.get(url_of(older)).get_data(as_text=True)


def test_home_experiences_featured_first_then_most_endorsed(app, client):
    guide, _ = posts.seed_guide()
    post = make_post(make_user(), title="A side discussion")
    plan = comments.Experience(steps=[Step.PLAN])
    few = add_comment(app, guide, make_user(), "Few endorsed this", experience=plan)
    two = add_comment(app, guide, make_user(), "Two endorsed this", experience=plan)
    add_comment(app, guide, make_user(), "Nobody endorsed this", experience=plan)
    many = add_comment(app, guide, make_user(), "Many endorsed this", experience=plan)
    gone = add_comment(app, guide, make_user(), "Hidden experience", experience=plan)
    chosen = add_comment(app, post, make_user(), "A featured comment")
    with app.test_request_context():
        for comment, marks in ((few, 1), (two, 2), (many, 3), (gone, 5)):
            for _ in range(marks):
                comments.endorse(comment, make_user())
        db.session.commit()
    for comment in (chosen, many):  # many is featured last: it comes first
        assert posts.set_featured(comment, True)
        db.session.commit()
    hide(gone, "Spam")
    removed_post = make_post(make_user(), title="Another side discussion")
    on_removed = add_comment(app, removed_post, make_user(), "Featured on a hidden post")
    assert posts.set_featured(on_removed, True)
    db.session.commit()
    hide(removed_post, "Spam")

    listed = [item.comment.id for item in queries.experiences_that_worked(4)]
    assert listed == [many.id, chosen.id, two.id, few.id]
    page = client.get("/").get_data(as_text=True)
    section = page[page.index("Experiences that worked") :]
    assert [int(i) for i in re.findall(r'href="/comments/(\d+)"', section)] == listed
    assert "Hidden experience" not in page and "Featured on a hidden post" not in page
    assert "3 members say it worked for them too" in section
    assert "A transition plan" in section and "in A side discussion" in section
    assert "Many endorsed this" in section and "A featured comment" in section
