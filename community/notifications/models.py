"""A notification tells one member about one thing, with a link to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.db import UTCDateTime
from community.extensions import db
from community.timeutil import utcnow


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Who is told.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Who caused it, if a member did.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: A short machine name: "reply", "mention", "mentorship_request", ...
    kind: Mapped[str] = mapped_column(String(40))
    #: Plain text, escaped when shown.
    message: Mapped[str] = mapped_column(String(300))
    #: A path inside the site.
    url: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
