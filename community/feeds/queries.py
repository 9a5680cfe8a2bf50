"""The rows each feed shows, newest first, each read in a fixed number of queries.

Feeds are fetched by readers without anyone's session, so every query here selects what a
visitor may see: public posts, visible comments, listed events.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from community.discussions.comment_models import Comment
from community.discussions.models import Post
from community.events.models import LISTED_STATES, Event
from community.extensions import db

#: Entries in every feed: readers poll often, so the newest are enough.
FEED_ENTRIES = 50


def public_post(post_id: int) -> Post | None:
    """The post whose comments feed was asked for, if listed (a deleted post's thread is
    closed: its feed is gone with it)."""
    return db.session.scalar(select(Post).where(Post.id == post_id, Post.listed()))


def latest_posts(limit: int | None = None) -> list[Post]:
    """The newest listed posts (public, not deleted), with their authors and tags (two
    queries)."""
    query = (
        select(Post)
        .where(Post.listed())
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(limit or FEED_ENTRIES)
    )
    return list(db.session.scalars(query))


def latest_comments(post: Post, limit: int | None = None) -> list[Comment]:
    """The newest visible comments on ``post``, with their authors (one query)."""
    query = (
        select(Comment)
        .where(
            Comment.post_id == post.id,
            Comment.deleted_at.is_(None),
            Comment.hidden_at.is_(None),
        )
        .options(joinedload(Comment.author), lazyload(Comment.post))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit or FEED_ENTRIES)
    )
    return list(db.session.scalars(query).unique())


def latest_events(limit: int | None = None) -> list[Event]:
    """The most recently published listed events (a cancelled one stays, marked), with their
    organisers and tags (two queries)."""
    query = (
        select(Event)
        .where(Event.published_at.is_not(None), Event.state.in_(LISTED_STATES))
        .order_by(Event.published_at.desc(), Event.id.desc())
        .limit(limit or FEED_ENTRIES)
    )
    return list(db.session.scalars(query))
