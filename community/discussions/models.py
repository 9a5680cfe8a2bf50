"""Posts, their tags and followers: the guide and the discussions members start.

Comments and everything hanging off them live in ``comment_models``.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, and_, case, literal
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.db import UTCDateTime
from community.extensions import db
from community.timeutil import utcnow

TITLE_MAX = 200
POST_BODY_MAX = 40_000
SLUG_MAX = 80
TAGS_MAX = 5
TAG_MAX = 30
#: What members see instead of a deleted post's title and body.
DELETED_TEXT = "[deleted by the author]"
#: A deleted post's slug: its address no longer carries the title.
DELETED_SLUG = "deleted"


def _is_word_character(char: str) -> bool:
    """Letters and digits of every script, with the marks that complete them (Hindi vowels)."""
    return char.isalnum() or unicodedata.category(char).startswith("M")


def slug_for(title: str) -> str:
    """The readable part of a post's URL, in the title's own script.

    Letters and digits are kept, lower-cased; every other run becomes one hyphen. A
    Cyrillic or Japanese title keeps its words (the URL percent-encodes them) instead
    of every such post sharing one placeholder; ids keep URLs unique.
    """
    text = unicodedata.normalize("NFKC", title).lower()
    words = "".join(char if _is_word_character(char) else " " for char in text).split()
    return "-".join(words)[:SLUG_MAX].rstrip("-") or "post"


def normalise_tag(text: str) -> str:
    """A tag as stored and filtered on: NFKC, lower case, no ``#`` in front."""
    return unicodedata.normalize("NFKC", text).strip().lstrip("#").lower()


def is_valid_tag(name: str) -> bool:
    """Up to ``TAG_MAX`` letters of any script, digits and hyphens; a letter or digit first."""
    return (
        0 < len(name) <= TAG_MAX
        and name[0].isalnum()
        and all(_is_word_character(char) or char == "-" for char in name)
    )


post_tags = Table(
    "post_tags",
    db.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-case letters of any script, digits and hyphens; what ``?tag=`` filters on.
    name: Mapped[str] = mapped_column(String(TAG_MAX), unique=True)

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"


class Post(db.Model):
    __tablename__ = "posts"
    #: The post list's three orders, pinned first, each ending in ``id`` so deep pages
    #: seek to a (value, id) key instead of counting skipped rows.
    __table_args__ = (
        Index("ix_posts_pinned_activity", "is_pinned", "last_activity_at", "id"),
        Index("ix_posts_pinned_created", "is_pinned", "created_at", "id"),
        Index("ix_posts_pinned_top", "is_pinned", "comment_count", "last_activity_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    #: From the title, by ``slug_for``; a wrong slug in a URL redirects to this one.
    slug: Mapped[str] = mapped_column(String(SLUG_MAX))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    #: The site's career-transition guide, seeded by ``flask seed``.
    is_guide: Mapped[bool] = mapped_column(default=False, index=True)
    is_pinned: Mapped[bool] = mapped_column(default=False)
    is_locked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Set when the author edits the post.
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Creation or latest comment: the "active" sort order.
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Visible comments, kept by the comment services: the "top" sort and the list's counts.
    comment_count: Mapped[int] = mapped_column(default=0, server_default="0", index=True)
    #: Bumped by every change to the thread; rendered threads are cached per version,
    #: so every worker process sees a change on its next read of the post.
    thread_version: Mapped[int] = mapped_column(default=1, server_default="1")
    #: Set by a moderator: members see "[removed by a moderator]"; the author sees why.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    #: A new member's post with links waits here, unlisted, until a moderator lets it through.
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Chosen by a moderator for the home page.
    featured_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: Set when the author deletes the post: its URL and thread stay, its words are
    #: shown as ``DELETED_TEXT`` (moderators still read them), and it takes no comments.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags, lazy="selectin", order_by=Tag.name)

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_held(self) -> bool:
        return self.held_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def shown_title(self) -> str:
        """The title members see: a deleted post's is gone with its body."""
        return DELETED_TEXT if self.deleted_at is not None else self.title

    @property
    def is_public(self) -> bool:
        """Listed and readable by everyone: neither hidden nor held for review."""
        return self.hidden_at is None and self.held_at is None

    @classmethod
    def public(cls):
        """The SQL twin of ``is_public``, for every list and count members see."""
        return and_(cls.hidden_at.is_(None), cls.held_at.is_(None))

    @classmethod
    def listed(cls):
        """Public and not deleted by its author: what home, feeds and search show.

        Apart from ``public()`` on purpose: a deleted post's thread stays readable, so
        its comments still count where public posts' comments do, and the post list
        keeps a deleted post that has comments (``discussions.queries``).
        """
        return and_(cls.public(), cls.deleted_at.is_(None))

    @classmethod
    def shown_title_sql(cls):
        """``shown_title`` in SQL, for reads that select the title as a column."""
        return case((cls.deleted_at.is_not(None), literal(DELETED_TEXT)), else_=cls.title)

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.slug}>"


class PostFollow(db.Model):
    """A member who wants to hear of every new comment on a post."""

    __tablename__ = "post_follows"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
