"""The rendered-thread cache: bounded, expiring, and invalidated by every thread change."""

from __future__ import annotations

from flask import current_app

from community.discussions import comment_services as service
from community.discussions.thread_rendering import RenderedThread, ThreadCache, cache_for, slot
from community.extensions import db
from tests.conftest import login_as, make_post, make_user


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
