"""Member profiles as a visitor sees them: who, since when, the moves they shared, what
they wrote (only what anyone may read), pages of it, and a constant number of queries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from community.accounts import profiles
from community.content import render_markdown
from community.discussions import comment_services as comments
from community.discussions import services as posts
from community.discussions.comment_models import Comment, Outcome, Step
from community.extensions import db
from community.timeutil import utcnow
from tests.conftest import count_queries, login_as, make_post, make_user
from tests.mentorship_support import make_mentor

#: Visitor: the member, their experiences, the activity count and page, the mentor badge,
#: the portfolio, whether the plan is shown.
VISITOR_CAP = 7
#: A signed-in viewer adds their sign-in and the unread-notification badge.
MEMBER_CAP = 9


def add_comment(app, post, author, body, experience=None) -> Comment:
    with app.test_request_context():
        made = comments.create_comment(post, author, body, None, experience)
        db.session.commit()
    return made


def share(app, guide, author, body, from_role, to_role, months, outcome=None) -> Comment:
    experience = comments.Experience(
        steps=[Step.PLAN], from_role=from_role, to_role=to_role, months=months, outcome=outcome
    )
    return add_comment(app, guide, author, body, experience)


def bulk_comments(post, author, count: int, prefix: str = "Bulk comment") -> None:
    """Many comments at once, written as the thread builder writes them (no notifications)."""
    base = utcnow() - timedelta(days=1)
    for number in range(count):
        body = f"{prefix} {number}"
        db.session.add(
            Comment(
                post_id=post.id,
                author_id=author.id,
                body_md=body,
                body_html=render_markdown(body),
                created_at=base + timedelta(seconds=number),
            )
        )
    db.session.commit()


@pytest.fixture
def guide(app):
    guide, _ = posts.seed_guide()
    db.session.commit()
    return guide


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- who they are --------------------------------------------------------------------------


def test_profile_shows_name_avatar_bio_and_membership(app, client):
    user = make_user("mira")
    user.display_name = "Mira Jones"
    user.bio_md = "Ex-**teacher**"
    user.bio_html = render_markdown(user.bio_md)
    user.created_at = utcnow() - timedelta(days=250)
    db.session.commit()
    page = page_of(client, "/u/mira")
    assert "<h1>Mira Jones</h1>" in page
    assert "@mira" in page
    assert "Ex-<strong>teacher</strong>" in page
    assert '<svg class="avatar" width="96" height="96"' in page
    assert ">MJ</text>" in page
    joined = f"{user.created_at:%B %Y}"
    assert f"Member since {joined} · 8 months" in text_of(page)
    # The month stands alone: no time-zone label glued to it.
    assert f"{joined} UTC" not in text_of(page)


def test_profile_without_bio_or_activity_says_so(app, client):
    make_user("quiet")
    page = page_of(client, "/u/quiet")
    assert "quiet hasn't written a bio yet." in page
    assert "quiet hasn't posted or commented yet." in page
    assert "Career moves shared" not in page


def test_hostile_display_names_and_bios_are_escaped(app, client):
    user = make_user("hostile")
    user.display_name = "<script>alert(1)</script>"
    user.bio_html = render_markdown("<script>alert(2)</script> hi")
    db.session.commit()
    page = page_of(client, "/u/hostile")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert ">S</text>" in page


def test_deleted_and_unknown_members_have_no_profile(app, client):
    user = make_user("gone")
    user.deleted_at = utcnow()
    db.session.commit()
    assert client.get("/u/gone").status_code == 404
    assert client.get("/u/nobody").status_code == 404
    assert client.get("/u/GONE?page=2").status_code == 404


# --- dates in words ------------------------------------------------------------------------

START = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("later", "words"),
    [
        (timedelta(0), "less than a day"),
        (timedelta(hours=5), "less than a day"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=20), "20 days"),
        (timedelta(days=31), "1 month"),
        (timedelta(days=245), "8 months"),
        (timedelta(days=366), "1 year"),
        (timedelta(days=366 + 92), "1 year, 3 months"),
        (timedelta(days=800), "2 years, 2 months"),
        (timedelta(days=-3), "less than a day"),
    ],
)
def test_duration_in_words(later, words):
    assert profiles.duration_in_words(START, START + later) == words


def test_membership_reads_the_month_in_the_viewers_zone():
    user = make_user_at(datetime(2026, 3, 31, 23, 30, tzinfo=UTC))
    now = datetime(2026, 11, 30, tzinfo=UTC)
    assert profiles.membership(user, "UTC", now).since == "March 2026"
    # Already the first of April in Berlin.
    assert profiles.membership(user, "Europe/Berlin", now).since == "April 2026"
    assert profiles.membership(user, "Mars/Olympus", now).since == "March 2026"
    assert profiles.membership(user, "UTC", now).length == "7 months"


def make_user_at(created_at: datetime):
    from community.accounts.models import User

    return User(username="someone", created_at=created_at)


def test_dates_and_their_zone_are_apart(app, client):
    author = make_user("ayo")
    make_post(author, title="Changing lanes")
    viewer = make_user("viewer")
    viewer.timezone = "Europe/Paris"
    db.session.commit()
    login_as(client, viewer)
    page = page_of(client, "/u/ayo")
    label = re.search(r"Dates are in (Europe/Paris \(CES?T\))\.", page)
    assert label, "the page names the viewer's zone once"
    listed = page[page.index('id="activity-heading"') :]
    dates = re.findall(r"<time datetime=\"[^\"]+\">([^<]+)</time>", listed)
    assert dates and all(re.fullmatch(r"\d{1,2} \w{3} \d{4}", day) for day in dates), dates
    assert profiles.zone_label("UTC") == "UTC"
    assert profiles.zone_label("America/New_York", datetime(2026, 1, 5, tzinfo=UTC)) == (
        "America/New York (EST)"
    )


# --- experiences ---------------------------------------------------------------------------


def test_shared_experiences_show_the_move_and_link_to_it(app, client, guide):
    author = make_user("nora")
    first = share(
        app, guide, author, "A plan helped", "Nurse", "UX researcher", 14, Outcome.CHANGED_ROLE
    )
    second = share(app, guide, author, "Still at it", "UX researcher", None, 1)
    page = page_of(client, "/u/nora")
    section = page[page.index("Career moves shared") : page.index("Posts and comments")]
    text = text_of(section)
    assert "Nurse → UX researcher · 14 months · Changed role" in text
    assert "UX researcher → … · 1 month" in text
    assert text.index("UX researcher → …") < text.index("Nurse →"), "newest first"
    assert f'href="/comments/{first.id}"' in section
    assert f'href="/comments/{second.id}"' in section


def test_hidden_deleted_and_unlisted_experiences_are_never_shown(app, client, guide):
    author = make_user("nora")
    shown = share(app, guide, author, "Shown", "Shown from", "Shown to", 3)
    hidden = share(app, guide, author, "Hidden", "Hidden from", "Hidden to", 4)
    deleted = share(app, guide, author, "Deleted", "Deleted from", "Deleted to", 5)
    assert comments.set_hidden(hidden, "Advertising")
    with app.test_request_context():
        comments.delete_comment(deleted)
    db.session.commit()
    page = page_of(client, "/u/nora")
    assert "Shown from" in page
    assert "Hidden from" not in page and "Deleted from" not in page
    assert f'href="/comments/{shown.id}"' in page
    assert f'"/comments/{hidden.id}"' not in page and f'"/comments/{deleted.id}"' not in page
    # A hidden guide takes its experiences off every profile.
    assert posts.set_hidden(guide, "Rewriting it")
    db.session.commit()
    page = page_of(client, "/u/nora")
    assert "Shown from" not in page and "Career moves shared" not in page


# --- posts and comments --------------------------------------------------------------------


def test_posts_and_comments_newest_first_with_excerpts(app, client):
    author, other = make_user("ayo"), make_user("ben")
    post = make_post(author, title="Changing lanes", body="It took me a year. " * 40)
    elsewhere = make_post(other, title="Data jobs in Lagos")
    reply = add_comment(app, elsewhere, author, "Try the **meetups** first.")
    page = page_of(client, "/u/ayo")
    section = page[page.index('id="activity-heading"') :]
    text = text_of(section)
    assert text.index("Comment on Data jobs in Lagos") < text.index("Post Changing lanes")
    assert "Try the meetups first." in text
    assert "It took me a year." in text and "…" in text  # a long body is cut
    assert f'href="/posts/{post.id}/{post.slug}"' in section
    assert f'href="/comments/{reply.id}"' in section
    assert "1 comment" not in text and "0 comments" in text
    assert "Data jobs in Lagos" not in text_of(page_of(client, "/u/ben")).split("Posts and")[0]


def test_removed_content_is_never_listed(app, client):
    author, other = make_user("ayo"), make_user("ben")
    visible_post = make_post(author, title="Visible post")
    hidden_post = make_post(author, title="Hidden post title")
    held_post = make_post(author, title="Held post title")
    foreign_hidden = make_post(other, title="Someone else's removed post")
    add_comment(app, visible_post, author, "Visible comment body")
    gone = add_comment(app, visible_post, author, "Deleted comment body")
    removed = add_comment(app, visible_post, author, "Hidden comment body")
    add_comment(app, foreign_hidden, author, "Comment under a removed post")
    add_comment(app, visible_post, other, "Someone else's comment")
    with app.test_request_context():
        comments.delete_comment(gone)
    assert comments.set_hidden(removed, "Spam")
    assert posts.set_hidden(hidden_post, "Spam")
    assert posts.set_hidden(foreign_hidden, "Spam")
    held_post.held_at = utcnow()
    db.session.commit()

    for viewer in (None, author, make_user("mod")):
        if viewer is not None:
            login_as(client, viewer)
        text = text_of(page_of(client, "/u/ayo"))
        assert "Visible post" in text and "Visible comment body" in text
        for secret in (
            "Hidden post title",
            "Held post title",
            "Deleted comment body",
            "Hidden comment body",
            "Comment under a removed post",
            "Someone else's removed post",
            "Someone else's comment",
        ):
            assert secret not in text, (viewer, secret)


def test_activity_pages(app, client):
    author = make_user("ayo")
    post = make_post(author, title="The one post")
    post.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    bulk_comments(make_post(make_user(), title="Elsewhere"), author, 44)
    first = page_of(client, "/u/ayo")
    assert first.count('class="activity-item ') == 20
    assert "Page 1 of 3" in first
    assert 'href="/u/ayo?page=2"' in first
    assert "Bulk comment 43" in first and "Bulk comment 24" in first
    assert "Bulk comment 23" not in first
    second = page_of(client, "/u/ayo?page=2")
    assert "Bulk comment 23" in second and "Bulk comment 4" in second
    assert 'href="/u/ayo?page=1"' in second and 'href="/u/ayo?page=3"' in second
    last = page_of(client, "/u/ayo?page=3")
    assert last.count('class="activity-item ') == 5
    assert "The one post" in last  # written first, listed last
    assert f'href="/posts/{post.id}/{post.slug}"' in last
    # Past the end shows the last page; junk reads as the first.
    beyond = page_of(client, "/u/ayo?page=99")
    assert beyond.count('class="activity-item ') == 5 and "Page 3 of 3" in beyond
    for junk in ("0", "-1", "abc", "1e3", "9" * 30, "%00"):
        assert page_of(client, f"/u/ayo?page={junk}").count('class="activity-item ') in (5, 20)
    assert "Page 1 of 3" in page_of(client, "/u/ayo?page=abc")


def test_activity_page_unit(app):
    author = make_user("ayo")
    bulk_comments(make_post(make_user(), title="Elsewhere"), author, 7)
    make_post(author, title="Mine")
    page = profiles.activity_page(author, 2, per_page=3)
    assert (page.page, page.pages, page.total, page.has_prev, page.has_next) == (
        2,
        3,
        8,
        True,
        True,
    )
    assert [item.excerpt for item in page.items] == [
        "Bulk comment 4",
        "Bulk comment 3",
        "Bulk comment 2",
    ]
    newest = profiles.activity_page(author, 1, per_page=3).items[0]
    assert newest.is_post and newest.post_title == "Mine"
    empty = profiles.activity_page(make_user(), 5)
    assert (empty.items, empty.page, empty.pages) == ([], 1, 1)


# --- the mentor badge ----------------------------------------------------------------------


def test_a_listed_mentor_gets_a_badge_and_a_link(app, client):
    mentor = make_user("dana")
    make_mentor(mentor)
    page = page_of(client, "/u/dana")
    assert 'class="tag tag--mentor" href="/mentors/dana"' in page
    assert "See dana's mentor profile" in page

    plain = page_of(client, "/u/" + make_user("plain").username)
    assert "tag--mentor" not in plain and "/mentors/plain" not in plain


def test_a_mentor_who_left_or_is_suspended_has_no_badge(app, client):
    left = make_mentor(make_user("left"))
    left.left_at = utcnow()
    suspended = make_mentor(make_user("paused", suspended=True))
    db.session.commit()
    assert suspended.user.is_suspended
    for name in ("left", "paused"):
        page = page_of(client, f"/u/{name}")
        assert "tag--mentor" not in page and f'href="/mentors/{name}"' not in page


# --- a constant number of queries ----------------------------------------------------------


def profile_queries(client, url: str) -> int:
    db.session.expunge_all()  # as in production: a request starts with an empty session
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_profile_queries_do_not_grow_with_what_the_member_wrote(app, client, guide, viewer):
    few, many = make_user("few"), make_user("many")
    make_mentor(many)
    for author, count in ((few, 3), (many, 300)):
        post = make_post(author, title=f"Post by {author.username}")
        bulk_comments(post, author, count)
        share(app, guide, author, f"My move, {author.username}", "Teacher", "Analyst", 9)
    for _ in range(30):
        make_post(many, title="Another post")
    if viewer == "member":
        login_as(client, make_user())
    cap = VISITOR_CAP if viewer == "visitor" else MEMBER_CAP
    counts = {
        url: profile_queries(client, url)
        for url in ("/u/few", "/u/many", "/u/many?page=3", "/u/many?page=999")
    }
    assert len(set(counts.values())) == 1, counts
    assert counts["/u/few"] <= cap


def test_the_pager_counts_a_bounded_number_of_items(app, client, monkeypatch):
    monkeypatch.setattr(profiles, "ACTIVITY_CAP", 25)
    author = make_user("ayo")
    bulk_comments(make_post(make_user(), title="Elsewhere"), author, 45)
    page = profiles.activity_page(author, 99, per_page=10)
    assert (page.is_capped, page.pages, page.page) == (True, 3, 3)
    assert "Page 1 of 2+" in page_of(client, "/u/ayo")
    assert page_of(client, "/u/ayo?page=9").count('class="activity-item ') == 20
