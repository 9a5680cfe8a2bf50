"""Hostile or odd input on discussion and notification pages: a 4xx or a page, never a 500."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import current_app
from sqlalchemy import func, select

from community.discussions.comment_models import Comment
from community.discussions.models import Post, PostFollow
from community.discussions.thread_rendering import cache_for
from community.extensions import db
from tests.conftest import login_as, make_post, make_user


def url_of(post: Post) -> str:
    return f"/posts/{post.id}/{post.slug}"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# Query strings that reach url_for


@pytest.mark.parametrize(
    "query", ["post_id=2", "slug=x", "_method=POST", "_anchor=x", "_scheme=javascript", "x=1"]
)
def test_unknown_query_parameters_never_reach_the_post_redirect(app, client, query):
    post = make_post(make_user())
    response = client.get(f"/posts/{post.id}?{query}")
    assert response.status_code == 301
    assert response.headers["Location"] == url_of(post)


def test_post_redirect_cannot_be_sent_to_another_host(app, client):
    post = make_post(make_user())
    response = client.get(f"/posts/{post.id}?_external=1", headers={"Host": "evil.example"})
    assert response.status_code == 301
    assert response.headers["Location"] == url_of(post)


def test_post_redirect_keeps_sort_page_and_step(app, client):
    post = make_post(make_user())
    response = client.get(f"/posts/{post.id}/old-slug?sort=newest&page=2&step=plan&junk=1")
    location = urlsplit(response.headers["Location"])
    assert (response.status_code, location.path) == (301, url_of(post))
    assert parse_qs(location.query) == {"sort": ["newest"], "page": ["2"], "step": ["plan"]}


# Page numbers


@pytest.mark.parametrize("number", ["99999999999999999999", "0", "-1", "abc", "1e3", "٣", ""])
def test_any_page_number_gives_a_page(app, client, number):
    member = make_user()
    post = make_post(member)
    login_as(client, member)
    for url in ("/posts/", url_of(post), "/notifications"):
        response = client.get(f"{url}?page={number}")
        assert response.status_code == 200, (url, number)


def test_pages_past_the_last_share_the_last_pages_cache_entry(app, client):
    app.config["COMMENTS_PER_PAGE"] = 2
    author = make_user()
    post = make_post(author)
    login_as(client, author)
    for number in range(3):
        client.submit(f"/posts/{post.id}/comments", {"body": f"Top {number}"}, page=url_of(post))
    login_as(client, make_user())
    cache = cache_for(current_app)
    cache.clear()
    for number in range(1, 41):
        response = client.get(f"{url_of(post)}?page={number}")
        assert response.status_code == 200
    assert "Page 2 of 2" in response.get_data(as_text=True)
    assert len(cache._entries) <= 2


# Filters and ids out of range


def test_nul_in_the_tag_filter_is_ignored(app, client):
    make_post(make_user(), title="Still listed")
    response = client.get("/posts/?tag=%00")
    assert response.status_code == 200
    assert "Still listed" in response.get_data(as_text=True)
    assert client.get("/posts/?tag=da%00ta").status_code == 200


@pytest.mark.parametrize("parent_id", ["12345678901", "999999999999999", "2147483648"])
def test_a_parent_id_out_of_range_is_a_form_error(app, client, parent_id):
    post = make_post(make_user())
    login_as(client, make_user())
    response = client.submit(
        f"/posts/{post.id}/comments",
        {"body": "My reply", "parent_id": parent_id},
        page=url_of(post),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "not in this discussion" in page and "My reply" in page
    assert count(Comment) == 0


# Rules that had holes


def test_the_same_short_comment_is_fine_on_two_posts(app, client):
    author = make_user()
    first, second = make_post(author, title="One"), make_post(author, title="Two")
    login_as(client, make_user())
    for post in (first, second):
        response = client.submit(
            f"/posts/{post.id}/comments", {"body": "Thanks!"}, page=url_of(post)
        )
        assert response.status_code == 302
    again = client.submit(f"/posts/{second.id}/comments", {"body": "Thanks!"}, page=url_of(second))
    assert again.status_code == 400 and "You just posted exactly this" in again.get_data(
        as_text=True
    )
    assert count(Comment) == 2


def test_suspended_members_cannot_follow(app, client):
    post = make_post(make_user())
    suspended = make_user(suspended=True)
    login_as(client, suspended)
    assert ">Follow</button>" not in client.get(url_of(post)).get_data(as_text=True)
    response = client.submit(f"/posts/{post.id}/follow", {}, page=url_of(post))
    assert response.status_code == 403
    assert count(PostFollow) == 1  # the author's own


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Как я стал аналитиком данных", "как-я-стал-аналитиком-данных"),
        ("データ分析への転職", "データ分析への転職"),
        ("Café au lait: from barista to UX", "café-au-lait-from-barista-to-ux"),
    ],
)
def test_titles_in_any_script_keep_a_readable_slug(app, client, title, slug):
    login_as(client, make_user())
    response = client.submit("/posts/new", {"title": title, "body": "Body", "tags": ""})
    post = db.session.scalar(select(Post))
    assert post.slug == slug
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and title in page.get_data(as_text=True)
    assert client.get(f"/posts/{post.id}").status_code == 301


def test_tags_in_any_script_are_accepted_and_filter(app, client):
    login_as(client, make_user())
    client.submit("/posts/new", {"title": "Moving on", "body": "B", "tags": "Данные, 転職, हिंदी"})
    client.submit("/posts/new", {"title": "Other", "body": "B", "tags": "data"})
    post = db.session.scalar(select(Post).where(Post.title == "Moving on"))
    assert sorted(tag.name for tag in post.tags) == sorted(["данные", "転職", "हिंदी"])
    for tag in ("данные", "Данные", "転職", "हिंदी"):
        page = client.get("/posts/", query_string={"tag": tag}).get_data(as_text=True)
        assert "Moving on" in page and "Other" not in page, tag
    show = client.get(url_of(post)).get_data(as_text=True)
    assert "#данные</a>" in show


INVISIBLE = [
    "   ",
    "\u200b",
    "\u200c\u200d",
    "\ufeff",
    "\u2060",
    "<!-- -->",
    "&nbsp;",
    " \u200b&nbsp;<!-- hidden --> \n",
]


@pytest.mark.parametrize("text", INVISIBLE)
def test_invisible_titles_and_bodies_are_refused(app, client, text):
    login_as(client, make_user())
    response = client.submit("/posts/new", {"title": text, "body": "Body"})
    assert response.status_code == 400
    assert "Give your post a title." in response.get_data(as_text=True)
    response = client.submit("/posts/new", {"title": "Title", "body": text})
    assert response.status_code == 400
    assert "Write the body of your post." in response.get_data(as_text=True)
    assert count(Post) == 0


@pytest.mark.parametrize("text", INVISIBLE)
def test_invisible_comments_are_refused(app, client, text):
    author = make_user()
    post = make_post(author)
    login_as(client, author)
    response = client.submit(f"/posts/{post.id}/comments", {"body": text}, page=url_of(post))
    assert response.status_code == 400
    assert "Write something before posting." in response.get_data(as_text=True)
    assert count(Comment) == 0
