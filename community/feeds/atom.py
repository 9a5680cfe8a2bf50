"""Atom documents for the feeds, built with feedgen (never by hand).

Every entry carries the stored, sanitised ``*_html`` as ``type="html"`` content, so the
XML library escapes it once and a reader shows exactly what the site's pages show. Ids
are tag URIs (RFC 4151) on the site's own host (``SERVER_NAME``, else ``SITE_URL``) and
the item's creation date: they stay the same whichever address a feed was fetched
through, so a reader never shows an entry twice. Links are absolute, for the request's
host. A feed's ``updated`` is its newest entry's, so the bytes (and the ETag) change
only when an entry does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from flask import current_app, url_for

from community.accounts.models import User
from community.discussions.comment_models import Comment
from community.discussions.models import Post, Tag
from community.events.models import Event
from community.timeutil import format_range

SITE_NAME = "Pathways"
ATOM_TYPE = "application/atom+xml"
#: The year the site began: the date in the ids of feeds that have no creation date.
SITE_YEAR = "2026"
#: ``updated`` of a feed with no entries yet (Atom requires one; it must not be "now").
EMPTY_FEED_UPDATED = datetime(2026, 1, 1, tzinfo=UTC)
#: Characters XML 1.0 can't carry (control characters, U+FFFE/U+FFFF); lxml refuses them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """``value`` without the characters an XML document can't hold."""
    return _NOT_XML.sub("", value)


def site_host() -> str:
    """The host in ids: configured, so it is the same for every request."""
    configured = current_app.config.get("SERVER_NAME")
    host = (
        configured.split(":", 1)[0]
        if configured
        else urlsplit(current_app.config["SITE_URL"]).hostname
    )
    return (host or "localhost").lower()


def tag_uri(specific: str, minted: date | str) -> str:
    """``tag:host,date:specific``, e.g. ``tag:pathways.example,2026-03-14:posts/12``."""
    day = minted if isinstance(minted, str) else f"{minted:%Y-%m-%d}"
    return f"tag:{site_host()},{day}:{specific}"


def posts_title() -> str:
    return f"{SITE_NAME}: new discussions"


def comments_title(post: Post) -> str:
    return f"{SITE_NAME}: comments on “{post.title}”"


def events_title() -> str:
    return f"{SITE_NAME}: new events"


def posts_feed(posts: Sequence[Post]) -> bytes:
    """The newest public discussions, newest first."""
    feed = _feed(
        feed_id=tag_uri("feeds/posts", SITE_YEAR),
        title=posts_title(),
        subtitle="New discussions started by members of the community.",
        self_url=url_for("feeds.posts", _external=True),
        page_url=url_for("discussions.index", _external=True),
        updated=_newest(_changed(post) for post in posts),
    )
    for post in posts:
        entry = _entry(
            feed,
            entry_id=tag_uri(f"posts/{post.id}", post.created_at),
            title=post.title,
            url=_post_url(post),
            author=post.author,
            published=post.created_at,
            updated=_changed(post),
        )
        entry.content(xml_text(post.body_html), type="html")
        _categories(entry, post.tags)
    return _document(feed)


def comments_feed(post: Post, comments: Sequence[Comment]) -> bytes:
    """The newest visible comments on a public ``post``, newest first."""
    feed = _feed(
        feed_id=tag_uri(f"posts/{post.id}/comments", post.created_at),
        title=comments_title(post),
        subtitle=f"New comments on a discussion started by {post.author.name}.",
        self_url=url_for("feeds.post_comments", post_id=post.id, slug=post.slug, _external=True),
        page_url=_post_url(post),
        updated=_newest((_changed(comment) for comment in comments), post.created_at),
    )
    for comment in comments:
        entry = _entry(
            feed,
            entry_id=tag_uri(f"comments/{comment.id}", comment.created_at),
            title=f"{comment.author.name} on “{post.title}”",
            url=url_for(
                "discussions.permalink",
                comment_id=comment.id,
                _anchor=f"c{comment.id}",
                _external=True,
            ),
            author=comment.author,
            published=comment.created_at,
            updated=_changed(comment),
        )
        entry.content(xml_text(comment.body_html), type="html")
    return _document(feed)


def events_feed(events: Sequence[Event]) -> bytes:
    """The most recently published events, by publication time."""
    feed = _feed(
        feed_id=tag_uri("feeds/events", SITE_YEAR),
        title=events_title(),
        subtitle="Conferences, webinars, meetups and workshops, as they are published.",
        self_url=url_for("feeds.events", _external=True),
        page_url=url_for("events.index", _external=True),
        updated=_newest(event.updated_at for event in events),
    )
    for event in events:
        entry = _entry(
            feed,
            entry_id=tag_uri(f"events/{event.id}", event.created_at),
            title=f"Cancelled: {event.title}" if event.is_cancelled else event.title,
            url=url_for("events.show", event_id=event.id, slug=event.slug, _external=True),
            author=event.organiser,
            published=event.published_at or event.created_at,
            updated=event.updated_at,
        )
        entry.summary(xml_text(event_summary(event)))
        if event.description_html:
            entry.content(xml_text(event.description_html), type="html")
        _categories(entry, event.tags)
    return _document(feed)


def event_summary(event: Event) -> str:
    """What, when (in the organiser's zone) and where, as one line: "Meetup · Tue 14 Mar
    2027, 18:30 to 20:00 CET (Europe/Berlin) · Kulturbrauerei, Berlin"."""
    when = f"{format_range(event.starts_at, event.ends_at, event.timezone)} ({event.timezone})"
    if event.format.has_place and event.location:
        where = event.location + (" and online" if event.format.has_link else "")
    else:
        where = "Online"
    parts = [event.kind.label, when, where]
    if event.is_cancelled:
        parts.insert(0, "Cancelled")
    return " · ".join(parts)


def _feed(
    *, feed_id: str, title: str, subtitle: str, self_url: str, page_url: str, updated: datetime
) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(xml_text(title))
    feed.subtitle(subtitle)
    feed.language("en")
    feed.link(href=self_url, rel="self", type=ATOM_TYPE)
    feed.link(href=page_url, rel="alternate", type="text/html")
    feed.generator(SITE_NAME, uri=url_for("main.home", _external=True))
    feed.updated(updated)
    return feed


def _entry(
    feed: FeedGenerator,
    *,
    entry_id: str,
    title: str,
    url: str,
    author: User,
    published: datetime,
    updated: datetime,
) -> FeedEntry:
    entry = feed.add_entry(order="append")
    entry.id(entry_id)
    entry.title(xml_text(title))
    entry.link(href=url, rel="alternate", type="text/html")
    entry.author(_person(author))
    entry.published(published)
    entry.updated(updated)
    return entry


def _post_url(post: Post) -> str:
    return url_for("discussions.show", post_id=post.id, slug=post.slug, _external=True)


def _person(user: User) -> dict[str, str]:
    """Name (a deleted member's is "deleted member") and, while the account exists, profile."""
    if user.is_deleted:
        return {"name": user.name}
    profile = url_for("accounts.profile", username=user.username, _external=True)
    return {"name": xml_text(user.name), "uri": profile}


def _categories(entry: FeedEntry, tags: Iterable[Tag]) -> None:
    for tag in tags:
        entry.category(term=tag.name, label=f"#{tag.name}")


def _changed(item: Post | Comment) -> datetime:
    return item.edited_at or item.created_at


def _newest(moments: Iterable[datetime], default: datetime = EMPTY_FEED_UPDATED) -> datetime:
    return max(moments, default=default)


def _document(feed: FeedGenerator) -> bytes:
    return feed.atom_str(pretty=False)
