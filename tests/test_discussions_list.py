"""The discussion list (/posts/) as a reader pages through it: first, previous, next and last
links with cursors, every post once and in order across pages (pinned ones first, equal
timestamps included), sort and tag kept, old ``?page=N`` links, forged cursors, a capped
total, and the same few queries however long the list."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from community.discussions import queries
from community.discussions import services as discussions
from community.discussions.models import Post
from community.discussions.queries import PostSort
from community.extensions import db
from community.keyset import Move, Seek
from tests.conftest import count_queries, make_user

PER_PAGE = 3
START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
_LINK = re.compile(r'<a rel="(first|prev|next|last)" href="([^"]+)">([^<]*)</a>')
_TITLE = re.compile(r'<h2 class="post-list__title">.*?<a href="/posts/\d+/[^"]*">([^<]*)</a>', re.S)


@pytest.fixture
def app_config() -> dict:
    return {"POSTS_PER_PAGE": PER_PAGE}


def links(page: str) -> dict[str, str]:
    return {rel: html.unescape(href) for rel, href, _ in _LINK.findall(page)}


def titles(page: str) -> list[str]:
    return [html.unescape(title) for title in _TITLE.findall(page)]


def get(client, url: str) -> str:
    db.session.expunge_all()
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def add_post(
    author,
    title: str,
    *,
    hours: float = 0,
    activity: float | None = None,
    comments: int = 0,
    pinned: bool = False,
    tags: tuple[str, ...] = (),
) -> Post:
    """A listed post ``hours`` after START, last active ``activity`` hours after START."""
    created = START + timedelta(hours=hours)
    post = discussions.create_post(author, title, "Body", list(tags))
    post.created_at = created
    post.last_activity_at = START + timedelta(hours=hours if activity is None else activity)
    post.comment_count = comments
    post.is_pinned = pinned
    db.session.commit()
    return post


@pytest.fixture
def listed(app) -> list[Post]:
    """Ten posts: two pinned, runs of equal creation times, activity and comment counts
    that disagree with creation order."""
    author = make_user()
    posts = [
        add_post(author, f"Story {n}", hours=n // 3, activity=(n * 7) % 10, comments=n % 3)
        for n in range(8)
    ]
    posts.append(add_post(author, "Rules", hours=-50, pinned=True))
    posts.append(add_post(author, "Welcome", hours=-50, pinned=True, comments=4))
    return posts


def expected(sort: PostSort, tag: str | None = None) -> list[str]:
    return [post.title for post in db.session.scalars(queries.posts_query(sort, tag))]


def walk_forward(client, url: str) -> list[list[str]]:
    pages, page = [], get(client, url)
    while True:
        pages.append(titles(page))
        if "next" not in links(page):
            return pages
        page = get(client, links(page)["next"])


def walk_backward(client, url: str) -> list[list[str]]:
    last = links(get(client, url))["last"]
    pages, page = [], get(client, last)
    while True:
        pages.insert(0, titles(page))
        if "prev" not in links(page):
            return pages
        page = get(client, links(page)["prev"])


@pytest.mark.parametrize("sort", list(PostSort))
def test_next_links_show_every_post_once_in_order(client, listed, sort):
    order = expected(sort)
    assert order[:2] in (["Welcome", "Rules"], ["Rules", "Welcome"])  # pinned first
    pages = walk_forward(client, f"/posts/?sort={sort.value}")
    assert [title for page in pages for title in page] == order
    assert [len(page) for page in pages] == [3, 3, 3, 1]


@pytest.mark.parametrize("sort", list(PostSort))
def test_previous_links_from_the_last_page_go_back_to_the_first(client, listed, sort):
    order = expected(sort)
    pages = walk_backward(client, f"/posts/?sort={sort.value}")
    # Ten posts, three a page, counted from the end: the first page is full and
    # overlaps the next one by two.
    assert pages == [order[:3], order[1:4], order[4:7], order[7:]]


def test_equal_timestamps_across_a_page_boundary(client, app):
    author = make_user()
    for n in range(7):
        add_post(author, f"Same minute {n}")  # all created and active at START
    pages = walk_forward(client, "/posts/?sort=new")
    seen = [title for page in pages for title in page]
    assert sorted(seen) == sorted(f"Same minute {n}" for n in range(7))
    assert seen == [f"Same minute {n}" for n in reversed(range(7))]  # newest id first


def test_the_links_each_page_shows(client, listed):
    first = get(client, "/posts/")
    assert set(links(first)) == {"next", "last"}
    assert [text for rel, _, text in _LINK.findall(first)] == ["Next →", "Oldest »"]
    middle = get(client, links(first)["next"])
    assert set(links(middle)) == {"first", "prev", "next", "last"}
    assert links(middle)["first"] == "/posts/"
    assert "after=" in links(middle)["next"] and "before=" in links(middle)["prev"]
    last = get(client, links(middle)["last"])
    assert set(links(last)) == {"first", "prev"}
    assert links(first)["last"] == "/posts/?page=last"
    top = get(client, "/posts/?sort=top")
    assert "Fewest comments »" in top


def test_sort_and_tag_stay_in_every_link(client, app):
    author = make_user()
    for n in range(8):
        add_post(author, f"Data {n}", hours=n, comments=n % 4, tags=("data",))
    add_post(author, "Untagged", hours=20)
    pages = walk_forward(client, "/posts/?sort=top&tag=data")
    assert [title for page in pages for title in page] == expected(PostSort.TOP, "data")
    assert "Untagged" not in str(pages)
    middle = get(client, links(get(client, "/posts/?sort=top&tag=data"))["next"])
    for rel, href in links(middle).items():
        query = parse_qs(urlsplit(href).query)
        assert query["sort"] == ["top"] and query["tag"] == ["data"], (rel, href)


def test_the_default_sort_stays_out_of_links(client, listed):
    for href in links(get(client, "/posts/")).values():
        assert "sort=" not in href


FORGED = [
    "%00",
    "1.2.3%00",
    "x" * 5000,
    "9" * 400,
    "1." + "9" * 30 + ".1",
    "0.-99999999999999999999.1",
    "0.1764140619123456.99999999999",
    "1.1764140619123456.-99999999999",
    "0.1.2.3.4",
    "%EF%BC%91.1.1",
    "%3Cscript%3E",
    "null",
    "[]",
    "0.1764140619123456",
    "",
]


@pytest.mark.parametrize("name", ["after", "before"])
@pytest.mark.parametrize("value", FORGED)
def test_forged_cursors_show_the_first_page(client, listed, name, value):
    page = get(client, f"/posts/?sort=new&{name}={value}")
    assert titles(page) == expected(PostSort.NEW)[:PER_PAGE]
    assert set(links(page)) == {"next", "last"}


def test_repeated_and_mixed_parameters(client, listed):
    first = get(client, "/posts/")
    second = links(first)["next"]
    cursor = parse_qs(urlsplit(second).query)["after"][0]
    page = get(client, f"/posts/?after={cursor}&after=junk&before=junk&page=last")
    assert titles(page) == expected(PostSort.ACTIVE)[3:6]


def test_cursors_past_the_ends_show_the_ends(client, listed):
    order = expected(PostSort.ACTIVE)
    assert titles(get(client, "/posts/?after=0.-62135000000000000.1")) == order[-3:]
    assert titles(get(client, "/posts/?before=1.253402000000000000.2147483647")) == order[:3]


def test_old_page_links_still_work(client, listed):
    order = expected(PostSort.NEW)
    assert titles(get(client, "/posts/?sort=new&page=2")) == order[3:6]
    second = get(client, "/posts/?sort=new&page=2")
    assert set(links(second)) == {"first", "prev", "next", "last"}
    assert titles(get(client, "/posts/?sort=new&page=4")) == order[9:]
    for far in ("5", "99", "99999999999999999999"):  # past the end or past the bound
        assert titles(get(client, f"/posts/?sort=new&page={far}")) == order[-3:]
    for junk in ("0", "-1", "abc", "1e3", "%00"):
        assert titles(get(client, f"/posts/?sort=new&page={junk}")) == order[:3]


def test_the_total_is_counted_up_to_a_cap(client, listed, monkeypatch):
    assert "10 discussions" in get(client, "/posts/")
    monkeypatch.setattr(queries, "POSTS_COUNT_CAP", 5)
    assert "5+ discussions" in get(client, "/posts/")
    assert "5+ discussions" in get(client, "/posts/?page=last")


def test_one_post_and_none(client, app):
    assert "0 discussions" in get(client, "/posts/")
    assert "No discussions yet." in get(client, "/posts/")
    add_post(make_user(), "Only one")
    page = get(client, "/posts/")
    assert "1 discussion<" in page and titles(page) == ["Only one"] and links(page) == {}


def test_hidden_and_held_posts_are_not_listed_or_counted(client, listed):
    discussions.set_hidden(listed[0], "Spam")
    listed[1].held_at = START
    db.session.commit()
    seen = [title for page in walk_forward(client, "/posts/") for title in page]
    assert "Story 0" not in seen and "Story 1" not in seen and len(seen) == 8
    assert "8 discussions" in get(client, "/posts/")


def list_queries(client, url: str) -> int:
    db.session.expunge_all()
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def visits(client) -> dict[str, int]:
    """Queries for the first, a next, the last and an old numbered page."""
    first = get(client, "/posts/?sort=top&tag=data")
    return {
        "first": list_queries(client, "/posts/?sort=top&tag=data"),
        "next": list_queries(client, links(first)["next"]),
        "last": list_queries(client, links(first)["last"]),
        "page 2": list_queries(client, "/posts/?sort=top&tag=data&page=2"),
    }


def test_pages_cost_the_same_queries_however_long_the_list(client, app):
    authors = [make_user() for _ in range(4)]
    for n in range(7):
        add_post(authors[0], f"Few {n}", hours=n, tags=("data",))
    few = visits(client)
    for n in range(60):
        add_post(authors[n % 4], f"Many {n}", hours=n, comments=n % 5, tags=("data", f"t{n}"))
    many = visits(client)
    assert few == many, (few, many)
    assert max(many.values()) <= 3  # capped count, page with authors, its tags


def test_the_page_function_reads_the_last_page(app, listed):
    last = queries.posts_page(PostSort.ACTIVE, None, Seek.last(), PER_PAGE)
    assert [post.title for post in last.items] == expected(PostSort.ACTIVE)[-3:]
    assert last.has_prev and not last.has_next


#: SQLite's plans are checked here; PostgreSQL's in tests/test_query_plans.py.
on_sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def sqlite_plans(read) -> list[tuple[str, list[str]]]:
    """Each SELECT ``read`` sends, with SQLite's EXPLAIN QUERY PLAN lines for it."""
    from sqlalchemy import event

    assert db.engine.dialect.name == "sqlite", "mark the test @on_sqlite"
    issued = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        issued.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        read()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    with db.engine.connect() as connection:
        return [
            (
                statement,
                [
                    row[3]
                    for row in connection.exec_driver_sql(
                        "EXPLAIN QUERY PLAN " + statement, parameters
                    )
                ],
            )
            for statement, parameters in issued
        ]


def full_reads(plans: list[tuple[str, list[str]]], tables=("posts", "comments")) -> list[str]:
    """Plan lines that read one of ``tables`` whole, without an index."""
    return [
        line
        for _, lines in plans
        for line in lines
        if any(
            line == f"SCAN {table}" or (line.startswith(f"SCAN {table} ") and "INDEX" not in line)
            for table in tables
        )
    ]


@on_sqlite
@pytest.mark.parametrize("sort", list(PostSort))
def test_pages_seek_through_the_sort_index_on_sqlite(app, listed, sort):
    first = queries.posts_page(sort, None, Seek.first(), PER_PAGE)
    cursor = queries.POST_ORDERS[sort].key_of(first.items[-1])
    for seek in (Seek.first(), Seek.after(cursor), Seek.before(cursor), Seek.last(), Seek.page(2)):
        plans = sqlite_plans(lambda seek=seek: queries.posts_page(sort, None, seek, PER_PAGE))
        assert full_reads(plans) == []
        page_plan = next(
            lines
            for statement, lines in plans
            if "LIMIT" in statement and "count(*)" not in statement
        )
        assert any("INDEX ix_posts_pinned_" in line for line in page_plan), page_plan
        assert not any("TEMP B-TREE" in line for line in page_plan), page_plan
        if seek.move in (Move.AFTER, Move.BEFORE):
            assert any("(is_pinned," in line for line in page_plan), (
                page_plan
            )  # a range, not a walk


def test_each_post_shows_an_excerpt_its_last_activity_and_its_comments(client, app):
    author = make_user()
    words = " ".join(f"word{n}" for n in range(60))
    post = discussions.create_post(author, "Long one", f"**Bold** start <script>x</script> {words}")
    post.comment_count = 2
    post.last_activity_at = datetime.now(UTC) - timedelta(hours=3)
    db.session.commit()
    page = get(client, "/posts/")
    preview = re.search(r'<p class="post-list__excerpt">([^<]*)</p>', page)
    assert preview, page
    text = html.unescape(preview.group(1))
    assert text.startswith("Bold start") and text.endswith("…")
    # Markup a reader sees as text stays text, escaped once more on the list.
    assert len(text) <= 161 and "<script>x</script> word0" in text
    assert "<script>" not in page.split("post-list__excerpt", 1)[1].split("</p>", 1)[0]
    assert re.search(r'active <time datetime="[^"]+" title="[^"]+">3 hours ago</time>', page)
    assert "2 comments" in page


def test_a_short_post_is_shown_whole(client, app):
    discussions.create_post(make_user(), "Short one", "Just *this*.")
    db.session.commit()
    assert '<p class="post-list__excerpt">Just this.</p>' in get(client, "/posts/")
