"""Atom feeds of new posts, of new comments on a post and of newly published events.

Every feed is parsed back with ``xml.etree.ElementTree`` and read as a feed reader would:
namespaces, ids, links, titles, authors, timestamps and the HTML content. The feeds show
what a visitor sees, escape what members wrote, are advertised on their pages, answer
``304`` to a reader that already has them, and cost the same number of queries however
many entries they hold. Runs on both engines.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from community.accounts import services as accounts
from community.accounts.models import Role
from community.discussions import comment_services
from community.discussions import services as discussions
from community.discussions.models import Post
from community.events import services as events
from community.events.models import EventFormat, EventKind
from community.extensions import db
from community.feeds import queries
from community.moderation.holds import hold
from community.moderation.models import TargetType
from community.timeutil import utcnow
from tests import moderation_support as moderation
from tests.conftest import count_queries, login_as, make_post, make_user
from tests.events_support import make_event, make_published_event, publish

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = '<script>alert("feed")</script> **bold** <img src=x onerror=alert(1)>'


def fetch(client, url: str) -> ET.Element:
    """The feed at ``url``, parsed; it must be served as Atom."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    return root


def text(element: ET.Element, name: str) -> str:
    child = element.find(f"{ATOM}{name}")
    assert child is not None, name
    return child.text or ""


def links(element: ET.Element) -> dict[str, str]:
    return {
        link.get("rel", "alternate"): link.get("href") for link in element.findall(f"{ATOM}link")
    }


def entries(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{ATOM}entry")


def titles(root: ET.Element) -> list[str]:
    return [text(entry, "title") for entry in entries(root)]


def author_of(entry: ET.Element) -> str:
    return entry.find(f"{ATOM}author/{ATOM}name").text


def content_of(entry: ET.Element) -> ET.Element:
    content = entry.find(f"{ATOM}content")
    assert content is not None
    assert content.get("type") == "html"
    # HTML is carried as escaped text: no element from another namespace sneaks in.
    assert list(content) == []
    return content


def timestamp(entry: ET.Element, name: str) -> datetime:
    return datetime.fromisoformat(text(entry, name))


def check_document(root: ET.Element) -> None:
    """What RFC 4287 requires of a feed and each entry, and what readers rely on."""
    assert text(root, "id").startswith("tag:")
    assert text(root, "title")
    timestamp(root, "updated")
    assert links(root)["self"].startswith("http://localhost/")
    ids = [text(entry, "id") for entry in entries(root)]
    assert len(set(ids)) == len(ids)
    for entry in entries(root):
        assert re.fullmatch(r"tag:[a-z0-9.-]+,\d{4}-\d{2}-\d{2}:[a-z]+/\d+", text(entry, "id"))
        assert text(entry, "title")
        assert timestamp(entry, "updated").utcoffset() is not None
        assert links(entry)["alternate"].startswith("http://localhost/")
        assert author_of(entry)


def hidden_by_moderator(kind: TargetType, target_id: int) -> None:
    moderation.moderate("hide", kind, target_id, make_user(role=Role.MODERATOR))


# --- new posts -------------------------------------------------------------------------


def test_posts_feed_lists_public_posts_newest_first(client):
    ayo = make_user("ayo", email="ayo@example.com")
    older = make_post(ayo, "From teaching to data analysis", "Evening courses, then a portfolio.")
    older.created_at = utcnow() - timedelta(days=2)
    newer = discussions.create_post(
        make_user("mira"), "Moving into UX research", "Mentors helped.", tags=("ux", "research")
    )
    held = make_post(ayo, "Held for review")
    hold(held)
    db.session.commit()
    hidden = make_post(ayo, "Removed by a moderator")
    hidden_by_moderator(TargetType.POST, hidden.id)

    root = fetch(client, "/feed.atom")

    check_document(root)
    assert text(root, "title") == "Pathways: new discussions"
    assert links(root) == {
        "self": "http://localhost/feed.atom",
        "alternate": "http://localhost/posts/",
    }
    assert titles(root) == ["Moving into UX research", "From teaching to data analysis"]
    first, second = entries(root)
    assert links(first)["alternate"] == f"http://localhost/posts/{newer.id}/{newer.slug}"
    assert author_of(first) == "mira"
    assert first.find(f"{ATOM}author/{ATOM}uri").text == "http://localhost/u/mira"
    assert content_of(first).text == newer.body_html
    assert [cat.get("term") for cat in first.findall(f"{ATOM}category")] == ["research", "ux"]
    assert timestamp(first, "published") == newer.created_at
    assert timestamp(root, "updated") == newer.created_at
    assert text(second, "id") != text(first, "id")
    assert older.created_at < timestamp(first, "updated")
    # No personal detail of the author travels with the entry.
    assert b"ayo@example.com" not in client.get("/feed.atom").data


def test_edited_post_keeps_its_id_and_shows_when_it_changed(client):
    post = make_post(make_user(), "A plan that worked", "First version.")
    before = entries(fetch(client, "/feed.atom"))[0]
    discussions.edit_post(post, "A plan that worked", "Second version, with the courses.")
    db.session.commit()

    after = entries(fetch(client, "/feed.atom"))[0]

    assert text(after, "id") == text(before, "id")
    assert timestamp(after, "updated") == post.edited_at
    assert timestamp(after, "published") == post.created_at
    assert "courses" in content_of(after).text


def test_posts_feed_holds_the_latest_entries_only(client, monkeypatch):
    monkeypatch.setattr(queries, "FEED_ENTRIES", 3)
    author = make_user()
    for number in range(5):
        post = make_post(author, f"Post {number}")
        post.created_at = utcnow() - timedelta(hours=10 - number)
    db.session.commit()

    assert titles(fetch(client, "/feed.atom")) == ["Post 4", "Post 3", "Post 2"]


def test_an_empty_site_has_a_valid_feed(client):
    root = fetch(client, "/feed.atom")

    check_document(root)
    assert entries(root) == []


def test_what_members_wrote_is_escaped_never_markup(client):
    author = make_user("hostile")
    post = make_post(author, '<script>alert("title")</script> Tips', HOSTILE)
    comment = moderation.add_comment(post, author, HOSTILE)
    make_published_event(
        author,
        make_user(role=Role.MODERATOR),
        title='<script>alert("event")</script> Meetup',
        description=HOSTILE,
    )

    for url in ("/feed.atom", f"/posts/{post.id}/{post.slug}/feed.atom", "/events/feed.atom"):
        body = client.get(url).data
        assert b"<script" not in body.lower()
        assert b"<img" not in body.lower()
        root = fetch(client, url)
        assert root.findall(".//{*}script") == []
        entry = entries(root)[0]
        assert "<script>" in text(entry, "title")  # shown as the words it is
        assert "<script" not in content_of(entry).text  # sanitised on write
    assert content_of(entries(fetch(client, "/feed.atom"))[0]).text == post.body_html
    assert "<strong>bold</strong>" in comment.body_html


def test_characters_xml_cannot_hold_are_left_out(client):
    post = make_post(make_user(), "Plain title")
    post.title = "Vertical\x0btab and\x01 bell"
    db.session.commit()

    assert titles(fetch(client, "/feed.atom")) == ["Verticaltab and bell"]


def test_deleted_member_is_named_as_such(client):
    leaving = make_user("leaving", email="leaving@example.com")
    post = make_post(leaving, "What worked for me")
    moderation.add_comment(post, leaving, "Networking, mostly.")
    accounts.delete_account(leaving)
    db.session.commit()

    post_entry = entries(fetch(client, "/feed.atom"))[0]
    comment_entry = entries(fetch(client, f"/posts/{post.id}/{post.slug}/feed.atom"))[0]

    for entry in (post_entry, comment_entry):
        assert author_of(entry) == "deleted member"
        assert entry.find(f"{ATOM}author/{ATOM}uri") is None
    assert text(comment_entry, "title") == "deleted member on “What worked for me”"


# --- new comments on a post ------------------------------------------------------------


def test_comments_feed_lists_visible_comments_newest_first(client, app):
    post = make_post(make_user("ayo"), "From teaching to data analysis")
    mira = make_user("mira")
    first = moderation.add_comment(post, mira, "Evening courses worked.")
    first.created_at = utcnow() - timedelta(hours=3)
    db.session.commit()
    with app.test_request_context():
        reply = comment_services.create_comment(post, make_user("tom"), "Same here.", first.id)
        db.session.commit()
    hidden = moderation.add_comment(post, make_user("spam"), "Buy followers")
    hidden_by_moderator(TargetType.COMMENT, hidden.id)
    deleted = moderation.add_comment(post, mira, "Never mind.")
    comment_services.delete_comment(deleted)
    db.session.commit()
    other = make_post(make_user(), "Another discussion")
    moderation.add_comment(other, mira, "Elsewhere.")

    root = fetch(client, f"/posts/{post.id}/{post.slug}/feed.atom")

    check_document(root)
    assert text(root, "title") == "Pathways: comments on “From teaching to data analysis”"
    assert links(root) == {
        "self": f"http://localhost/posts/{post.id}/{post.slug}/feed.atom",
        "alternate": f"http://localhost/posts/{post.id}/{post.slug}",
    }
    assert [author_of(entry) for entry in entries(root)] == ["tom", "mira"]
    newest, oldest = entries(root)
    assert text(newest, "title") == "tom on “From teaching to data analysis”"
    assert links(newest)["alternate"] == f"http://localhost/comments/{reply.id}#c{reply.id}"
    assert content_of(newest).text == reply.body_html
    assert content_of(oldest).text == first.body_html
    assert text(oldest, "id").endswith(f":comments/{first.id}")
    assert timestamp(root, "updated") == reply.created_at
    body = client.get(f"/posts/{post.id}/{post.slug}/feed.atom").data
    assert b"Buy followers" not in body and b"Never mind" not in body


@pytest.mark.parametrize("state", ["held", "hidden"])
def test_a_post_readers_may_not_see_has_no_feed(client, state):
    author = make_user("ayo")
    post = make_post(author, "Waiting for a moderator")
    moderation.add_comment(post, make_user(), "A comment.")
    if state == "held":
        hold(post)
        db.session.commit()
    else:
        hidden_by_moderator(TargetType.POST, post.id)
    url = f"/posts/{post.id}/{post.slug}/feed.atom"

    assert client.get(url).status_code == 404
    # Not even for the author or a moderator: a feed is the same for every reader.
    login_as(client, author)
    assert client.get(url).status_code == 404
    page = client.get(f"/posts/{post.id}/{post.slug}").get_data(as_text=True)
    assert "application/atom+xml" not in page
    assert client.get(f"/posts/{post.id}/wrong-slug/feed.atom").status_code == 404


def test_comments_feed_of_an_unknown_post_is_404(client):
    assert client.get("/posts/999999/nothing/feed.atom").status_code == 404


def test_a_wrong_slug_redirects_to_the_feed(client):
    post = make_post(make_user(), "Changing lanes")

    response = client.get(f"/posts/{post.id}/old-title/feed.atom")

    assert response.status_code == 301
    assert response.headers["Location"] == f"/posts/{post.id}/{post.slug}/feed.atom"


def test_a_post_without_comments_has_an_empty_feed(client):
    post = make_post(make_user(), "Quiet thread")

    root = fetch(client, f"/posts/{post.id}/{post.slug}/feed.atom")

    check_document(root)
    assert entries(root) == []
    assert timestamp(root, "updated") == post.created_at


# --- new events ------------------------------------------------------------------------


def test_events_feed_lists_published_events_by_publication(client, app):
    moderator = make_user("mod", role=Role.MODERATOR)
    organiser = make_user("ayo")
    with app.test_request_context():
        meetup = make_published_event(
            organiser,
            moderator,
            title="Data careers meetup",
            kind=EventKind.MEETUP,
            format=EventFormat.IN_PERSON,
            location="Kulturbrauerei, Berlin",
            description="Short **talks** by members.",
            starts_in=timedelta(days=40),
            tags=["data"],
        )
        # Submitted first, published second: the feed follows publication.
        webinar = make_event(organiser, title="UX research webinar", starts_in=timedelta(days=3))
        webinar = publish(webinar, moderator)
        make_event(organiser, title="Pending workshop")
        rejected = make_event(organiser, title="Rejected conference")
        events.reject_event(rejected, moderator, "Off topic")
        db.session.commit()
    meetup.published_at = utcnow() - timedelta(hours=1)
    db.session.commit()

    root = fetch(client, "/events/feed.atom")

    check_document(root)
    assert text(root, "title") == "Pathways: new events"
    assert links(root) == {
        "self": "http://localhost/events/feed.atom",
        "alternate": "http://localhost/events/",
    }
    assert titles(root) == ["UX research webinar", "Data careers meetup"]
    online, in_person = entries(root)
    assert links(in_person)["alternate"] == f"http://localhost/events/{meetup.id}/{meetup.slug}"
    assert author_of(in_person) == "ayo"
    summary = text(in_person, "summary")
    assert summary.startswith("Meetup · ")
    assert "(Europe/Berlin)" in summary
    assert summary.endswith(" · Kulturbrauerei, Berlin")
    local_start = meetup.starts_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{local_start:%a %d %b %Y, %H:%M}" in summary
    assert text(online, "summary").startswith("Webinar · ")
    assert text(online, "summary").endswith(" · Online")
    assert content_of(in_person).text == meetup.description_html
    assert "<strong>talks</strong>" in meetup.description_html
    assert timestamp(in_person, "published") == meetup.published_at
    assert [cat.get("term") for cat in in_person.findall(f"{ATOM}category")] == ["data"]
    assert webinar.url not in client.get("/events/feed.atom").get_data(as_text=True)


def test_a_hybrid_event_names_its_place_and_its_hours(client, app):
    with app.test_request_context():
        event = make_published_event(
            make_user(),
            make_user(role=Role.MODERATOR),
            title="Portfolio clinic",
            kind=EventKind.WORKSHOP,
            format=EventFormat.HYBRID,
            location="Impact Hub, Lagos",
            timezone="Africa/Lagos",
            hours=3,
        )

    summary = text(entries(fetch(client, "/events/feed.atom"))[0], "summary")

    start = event.starts_at.astimezone(ZoneInfo("Africa/Lagos"))
    end = event.ends_at.astimezone(ZoneInfo("Africa/Lagos"))
    assert summary.startswith(f"Workshop · {start:%a %d %b %Y, %H:%M}")
    assert f"{end:%H:%M} WAT (Africa/Lagos)" in summary
    assert summary.endswith(" · Impact Hub, Lagos and online")


def test_a_cancelled_event_stays_marked(client, app):
    moderator = make_user(role=Role.MODERATOR)
    with app.test_request_context():
        event = make_published_event(make_user(), moderator, title="Portfolio review")
        events.cancel_event(event, moderator, "Venue closed")
        db.session.commit()

    entry = entries(fetch(client, "/events/feed.atom"))[0]

    assert text(entry, "title") == "Cancelled: Portfolio review"
    assert text(entry, "summary").startswith("Cancelled · ")


# --- headers, caching and cost ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["posts", "comments", "events"])
def test_readers_that_have_the_feed_get_304(client, kind):
    post = make_post(make_user(), "Changing lanes")
    url = {
        "posts": "/feed.atom",
        "comments": f"/posts/{post.id}/{post.slug}/feed.atom",
        "events": "/events/feed.atom",
    }[kind]

    first = client.get(url)

    assert first.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert first.cache_control.public and first.cache_control.max_age == 300
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url).data == first.data  # the bytes depend on stored rows alone
    moderation.add_comment(post, make_user(), "A new comment.")
    if kind == "events":
        make_published_event(make_user(), make_user(role=Role.MODERATOR))
    if kind == "posts":
        make_post(make_user(), "Another discussion")
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def counted(client, url: str) -> int:
    db.session.expunge_all()
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_each_feed_costs_the_same_however_many_entries(client, app):
    moderator = make_user(role=Role.MODERATOR)
    post = make_post(make_user(), "A thread")
    post_id, slug = post.id, post.slug

    def grow() -> None:
        for _ in range(3):
            author = make_user()
            make_post(author, "Another post")
            thread = db.session.get(Post, post_id)
            moderation.add_comment(thread, author, f"Comment by {author.username}")
            with app.test_request_context():
                make_published_event(
                    author, db.session.merge(moderator), title=f"Event by {author.username}"
                )

    urls = ("/feed.atom", f"/posts/{post_id}/{slug}/feed.atom", "/events/feed.atom")
    grow()
    few = [counted(client, url) for url in urls]
    grow()
    grow()
    many = [counted(client, url) for url in urls]

    assert many == few
    assert max(few) <= 3


# --- advertised on their pages ---------------------------------------------------------


def alternates(client, url: str) -> list[tuple[str, str]]:
    page = client.get(url).get_data(as_text=True)
    return re.findall(
        r'<link rel="alternate" type="application/atom\+xml" title="([^"]+)" href="([^"]+)">',
        page,
    )


def test_pages_with_a_feed_advertise_it(client):
    post = make_post(make_user(), "Teaching to <data> analysis")
    posts_feed = [("Pathways: new discussions", "/feed.atom")]

    assert alternates(client, "/") == posts_feed
    assert alternates(client, "/posts/") == posts_feed
    assert alternates(client, "/events/") == [("Pathways: new events", "/events/feed.atom")]
    assert alternates(client, f"/posts/{post.id}/{post.slug}") == [
        (
            "Pathways: comments on “Teaching to &lt;data&gt; analysis”",
            f"/posts/{post.id}/{post.slug}/feed.atom",
        )
    ]
    # Each advertised feed answers.
    for url in ("/feed.atom", "/events/feed.atom", f"/posts/{post.id}/{post.slug}/feed.atom"):
        fetch(client, url)
