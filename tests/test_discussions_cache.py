"""The rendered-thread cache: bounded, expiring, and invalidated by every thread change."""

from __future__ import annotations

from flask import current_app

from community.discussions import comment_services as service
from community.discussions.thread_rendering import RenderedThread, ThreadCache, cache_for, slot
from community.extensions import db
from tests.conftest import DEFAULT_PASSWORD, login_as, make_post, make_user


def rendered(chars: int) -> RenderedThread:
    return RenderedThread.from_html("x" * chars, {})


def test_cache_evicts_least_recently_used_by_count_and_size(app):
    cache = ThreadCache(max_entries=2, max_chars=100)
    for key in ("a", "b"):
        cache.get_or_render(key, lambda: rendered(40))
    cache.get_or_render("a", lambda: rendered(40))  # a is now the most recent
    cache.get_or_render("c", lambda: rendered(40))
    assert list(cache._entries) == ["a", "c"]
    cache.get_or_render("d", lambda: rendered(90))
    assert list(cache._entries) == ["d"] and cache._chars == 90
    cache.get_or_render("huge", lambda: rendered(500))  # served, never kept
    assert "huge" not in cache._entries


def test_cache_entries_expire(app):
    app.config["THREAD_CACHE_SECONDS"] = 0
    cache = ThreadCache()
    renders = []
    for _ in range(2):
        cache.get_or_render("k", lambda: renders.append(1) or rendered(10))
    assert len(renders) == 2


def test_slots_split_the_html_and_cannot_be_forged_by_text(app):
    html = f"<p>before</p>{slot(7)}<p>&lt;!--slot-x-7--&gt;</p>"
    thread = RenderedThread.from_html(html, {})
    assert thread.segments == ["<p>before</p>", 7, "<p>&lt;!--slot-x-7--&gt;</p>"]
    assert str(thread.for_visitor()) == "<p>before</p><p>&lt;!--slot-x-7--&gt;</p>"


def test_every_change_to_the_thread_shows_on_the_next_view(app, client):
    author, other = make_user(), make_user()
    post = make_post(author)
    url = f"/posts/{post.id}/{post.slug}"
    with app.test_request_context():
        first = service.create_comment(post, author, "First words")
        db.session.commit()
    assert "First words" in client.get(url).get_data(as_text=True)
    hits = cache_for(current_app).hits
    assert "First words" in client.get(url).get_data(as_text=True)
    assert cache_for(current_app).hits == hits + 1
    with app.test_request_context():
        service.edit_comment(first, "Edited words")
        service.create_comment(post, other, "Second words")
        service.vote(first, other)
        db.session.commit()
    db.session.expire_all()
    page = client.get(url).get_data(as_text=True)
    assert "Edited words" in page and "Second words" in page and "1 point" in page
    login_as(client, other)
    assert ">Upvoted<" in client.get(url).get_data(as_text=True)


def _thread_with_writer(app):
    """A member's comment in one discussion, and another discussion they never wrote in."""
    writer, other = make_user(), make_user()
    theirs, elsewhere = make_post(other, title="Theirs"), make_post(other, title="Elsewhere")
    with app.test_request_context():
        service.create_comment(theirs, writer, "Words from the writer")
        service.create_comment(elsewhere, other, "Words from someone else")
        db.session.commit()
    urls = [f"/posts/{post.id}/{post.slug}" for post in (theirs, elsewhere)]
    return writer, *urls


def test_a_new_display_name_shows_in_cached_threads_on_the_next_view(app, client):
    writer, theirs, elsewhere = _thread_with_writer(app)
    username = writer.username
    for url in (theirs, elsewhere):  # both threads rendered and cached
        client.get(url)
    assert f">{username}</a>" in client.get(theirs).get_data(as_text=True)
    login_as(client, writer)
    response = client.submit(
        "/settings", {"display_name": "Mira the Analyst", "bio": "", "timezone": "UTC"}
    )
    assert response.status_code == 302
    cache = cache_for(current_app)
    hits, misses = cache.hits, cache.misses

    page = client.get(theirs).get_data(as_text=True)
    assert ">Mira the Analyst</a>" in page and f">{username}</a>" not in page
    assert 'aria-label="Comment by Mira the Analyst"' in page
    client.get(elsewhere)
    # Only the thread that shows the name was rendered again.
    assert (cache.hits, cache.misses) == (hits + 1, misses + 1)


def test_a_deleted_account_shows_as_deleted_member_in_cached_threads(app, client):
    writer, theirs, _ = _thread_with_writer(app)
    username = writer.username
    assert f">{username}</a>" in client.get(theirs).get_data(as_text=True)
    login_as(client, writer)
    response = client.submit(
        "/settings/delete", {"del-password": DEFAULT_PASSWORD}, page="/settings"
    )
    assert response.status_code == 302

    page = client.get(theirs).get_data(as_text=True)
    assert "Words from the writer" in page
    assert '<span class="user user--deleted">deleted member</span>' in page
    assert username not in page
