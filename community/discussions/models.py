"""Posts: the guide and the discussions members start."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.extensions import db
from community.timeutil import UTCDateTime, utcnow

TITLE_MAX = 200
POST_BODY_MAX = 40_000


class Post(db.Model):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    slug: Mapped[str] = mapped_column(String(80))
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

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.slug}>"
