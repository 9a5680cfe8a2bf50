"""Keyset paging (``community.keyset``): cursors that survive forgery, and pages that cover a
list exactly once in order, forwards and backwards, across equal values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from community.discussions.models import Post
from community.extensions import db
from community.keyset import (
    INT_MAX,
    CappedCount,
    Keyset,
    Kind,
    Move,
    Seek,
)
from tests.conftest import make_user

KEYSET = Keyset(Post.is_pinned, Post.created_at, Post.id)
WHEN = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
CURSOR = KEYSET.encode((True, WHEN, 42))


# --- cursors ------------------------------------------------------------------------------


def test_kinds_come_from_the_column_types():
    assert KEYSET.kinds == (Kind.BOOL, Kind.DATETIME, Kind.INT)
    with pytest.raises(TypeError):
        Keyset(Post.title)
    with pytest.raises(ValueError):
        Keyset()


@pytest.mark.parametrize(
    "key",
    [
        (True, WHEN, 42),
        (False, WHEN.replace(microsecond=0), 1),
        (False, datetime(1969, 7, 20, 20, 17, tzinfo=UTC), INT_MAX),
        (True, datetime(2026, 3, 1, 14, 30, tzinfo=UTC), 7),
    ],
)
def test_a_key_survives_its_cursor(key):
    text = KEYSET.encode(key)
    assert text.isascii() and all(part.lstrip("-").isdigit() for part in text.split("."))
    assert KEYSET.decode(text) == key


def test_a_cursor_is_written_in_utc():
    from zoneinfo import ZoneInfo

    paris = WHEN.astimezone(ZoneInfo("Europe/Paris"))
    assert KEYSET.encode((True, paris, 1)) == KEYSET.encode((True, WHEN, 1))
    assert KEYSET.decode(KEYSET.encode((True, paris, 1)))[1].tzinfo is UTC


@pytest.mark.parametrize(
    "forged",
    [
        None,
        "",
        ".",
        "1.2",  # too few parts
        "1.2.3.4",  # too many
        "2.1764140619123456.42",  # a bool that is neither 0 nor 1
        "01.1764140619123456.42",
        "1.1764140619123456.2147483648",  # past the integer column
        "1.1764140619123456.-2147483649",
        "1.9999999999999999999.42",  # past year 9999
        "1.-9999999999999999999.42",  # before year 1
        "1.99999999999999999999.42",  # more digits than any timestamp
        "1.1764140619123456." + "9" * 5000,  # huge
        "1.1764140619123456.4\x002",  # NUL
        "1.1764140619123456.42\n",
        "1.1764140619123456. 42",
        "1.1764140619123456.+42",
        "1.1764140619123456.4e2",
        "1.1764140619123456.0x2a",
        "1.1764140619123456.٤٢",  # Arabic-Indic digits
        "1.1764140619123456.４２",  # full-width digits
        "1.1764140619123456.42.",
        "true.2026-03-01T12:30:15.42",
        "<script>.1.2",
        "1.1764140619123456.42" + "." * 300,
    ],
)
def test_forged_cursors_decode_to_nothing(forged):
    assert KEYSET.decode(forged) is None


def test_ints_within_the_column_range_are_kept():
    keyset = Keyset(Post.is_pinned, Post.comment_count, Post.last_activity_at, Post.id)
    key = keyset.decode("0.-5.0.2147483647")
    assert key == (False, -5, datetime(1970, 1, 1, tzinfo=UTC), INT_MAX)


@pytest.mark.parametrize(
    "args, expected",
    [
        ({}, Seek.first()),
        ({"after": CURSOR}, Seek.after((True, WHEN, 42))),
        ({"before": CURSOR}, Seek.before((True, WHEN, 42))),
        ({"after": "junk"}, Seek.first()),
        ({"before": "1.2.3\x00"}, Seek.first()),
        ({"after": "", "page": "3"}, Seek.first()),  # a cursor that was asked for wins
        ({"after": CURSOR, "page": "last"}, Seek.after((True, WHEN, 42))),
        ({"page": "last"}, Seek.last()),
        ({"page": "1"}, Seek.first()),
        ({"page": "0"}, Seek.first()),
        ({"page": "3"}, Seek(Move.NUMBER, number=3)),
        ({"page": "50"}, Seek(Move.NUMBER, number=50)),
        ({"page": "51"}, Seek.last()),
        ({"page": "9" * 400}, Seek.last()),
        ({"page": "-1"}, Seek.first()),
        ({"page": "1e3"}, Seek.first()),
        ({"page": "²"}, Seek.first()),
        ({"page": "LAST"}, Seek.first()),
    ],
)
def test_the_query_string_asks_for_a_page(args, expected):
    assert KEYSET.seek_from(MultiDict(args), old_pages=50) == expected


def test_capped_counts_read_as_people_say_them():
    assert str(CappedCount(1000, True)) == "1,000+"
    assert CappedCount(1000, True).of("discussion", "discussions") == "1,000+ discussions"
    assert CappedCount(1, False).of("discussion", "discussions") == "1 discussion"
    assert CappedCount(0, False).of("discussion", "discussions") == "0 discussions"
    assert CappedCount(1234, False).of("post", "posts") == "1,234 posts"


# --- pages --------------------------------------------------------------------------------


def add_posts(specs: list[tuple[bool, datetime]]) -> list[int]:
    """Posts with the given (pinned, created) and no tags, inserted as they are."""
    author = make_user()
    posts = [
        Post(
            author_id=author.id,
            title=f"Post {number}",
            slug=f"post-{number}",
            body_md="Body",
            body_html="<p>Body</p>",
            is_pinned=pinned,
            created_at=created,
            last_activity_at=created,
        )
        for number, (pinned, created) in enumerate(specs)
    ]
    db.session.add_all(posts)
    db.session.commit()
    return [post.id for post in posts]


def in_order() -> list[int]:
    return list(db.session.scalars(select(Post.id).order_by(*KEYSET.order())))


def read(seek: Seek, per_page: int = 3, cap: int = 1000):
    db.session.expunge_all()
    return KEYSET.read(db.session, select(Post), seek, per_page, cap)


def ids(page) -> list[int]:
    return [post.id for post in page.items]


@pytest.fixture
def listed(app) -> list[int]:
    """Eleven posts: two pinned, and runs of equal timestamps across page boundaries."""
    day = timedelta(days=1)
    specs = [(False, WHEN - day * (n // 4)) for n in range(9)]  # four share each day
    specs += [(True, WHEN - 5 * day), (True, WHEN - 5 * day)]
    add_posts(specs)
    return in_order()


def test_next_pages_cover_the_list_once_in_order(listed):
    page, seen, pages = read(Seek.first()), [], 0
    assert not page.has_prev and page.prev_cursor is None
    while True:
        seen += ids(page)
        pages += 1
        if not page.has_next:
            break
        page = read(Seek.after(KEYSET.decode(page.next_cursor)))
        assert page.has_prev
    assert seen == listed and pages == 4
    assert ids(read(Seek.first()))[:2] == listed[:2]  # pinned first


def test_previous_pages_from_the_last_cover_the_list_backwards(listed):
    page = read(Seek.last())
    assert ids(page) == listed[-3:] and not page.has_next and page.has_prev
    pages = [ids(page)]
    while page.has_prev:
        page = read(Seek.before(KEYSET.decode(page.prev_cursor)))
        pages.insert(0, ids(page))
    # 11 posts: the last page holds 3, so the two left at the start come as the (full)
    # first page, which overlaps the page after it by one.
    assert pages == [listed[:3], listed[2:5], listed[5:8], listed[8:]]
    assert not page.has_prev


def test_links_carry_the_neighbours_cursors(listed):
    first = read(Seek.first())
    assert first.link_args() == {"next": {"after": first.next_cursor}, "last": {"page": "last"}}
    middle = read(Seek.after(KEYSET.decode(first.next_cursor)))
    assert set(middle.link_args()) == {"first", "prev", "next", "last"}
    assert middle.link_args()["prev"] == {"before": KEYSET.encode(KEYSET.key_of(middle.items[0]))}
    assert set(read(Seek.last()).link_args()) == {"first", "prev"}


def test_old_page_numbers_are_read_with_an_offset(listed):
    assert ids(read(Seek.page(2))) == listed[3:6]
    assert ids(read(Seek.page(4))) == listed[9:]
    assert ids(read(Seek.page(9))) == listed[-3:]  # past the end: the last page


def test_cursors_past_either_end_read_as_an_end(listed):
    after_all = (False, datetime(1, 1, 2, tzinfo=UTC), 1)
    before_all = (True, datetime(9999, 12, 1, tzinfo=UTC), INT_MAX)
    assert ids(read(Seek.after(after_all))) == listed[-3:]
    assert ids(read(Seek.before(before_all))) == listed[:3]
    # A cursor between rows (a post since deleted) still seeks to its place.
    gone = read(Seek.page(2)).items[0]
    key = KEYSET.key_of(gone)
    db.session.delete(db.session.get(Post, gone.id))
    db.session.commit()
    assert ids(read(Seek.after(key))) == [i for i in listed if i != gone.id][3:6]


def test_an_empty_list_has_no_links(app):
    for seek in (Seek.first(), Seek.last(), Seek.page(3), Seek.after((True, WHEN, 1))):
        page = read(seek)
        assert page.items == [] and page.link_args() == {}
        assert str(page.total) == "0"


def test_totals_are_counted_up_to_the_cap(listed):
    assert str(read(Seek.first(), cap=20).total) == "11"
    assert str(read(Seek.first(), cap=11).total) == "11"
    assert str(read(Seek.last(), cap=10).total) == "10+"
