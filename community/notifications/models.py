"""A notification tells one member about one thing, with a link to it; members choose which
kinds also reach them by mail (at once, or in a daily digest), and every mail waits in the
outbox until it is sent, once."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.db import UTCDateTime, value_enum
from community.extensions import db
from community.timeutil import utcnow


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
        #: A member's list, newest first, read in index order at any depth.
        Index("ix_notifications_user_id_created_at_id", "user_id", "created_at", "id"),
    )

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
    #: When it went out by mail (on its own or in a digest); NULL: not mailed (yet).
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class MailTopic(enum.StrEnum):
    """What a member chooses mail for; each notification kind belongs to one topic."""

    REPLIES = "replies"
    MENTIONS = "mentions"
    FOLLOWED_POSTS = "followed_posts"
    MENTORSHIP = "mentorship"
    EVENTS = "events"
    MODERATION = "moderation"
    PLANS = "plans"
    #: Not a notification: sign-in and address mail, which can't be turned off.
    ACCOUNT = "account"

    @property
    def label(self) -> str:
        return TOPIC_LABELS[self]


TOPIC_LABELS = {
    MailTopic.REPLIES: "Replies to your posts and comments",
    MailTopic.MENTIONS: "Mentions of you",
    MailTopic.FOLLOWED_POSTS: "New comments on discussions you follow",
    MailTopic.MENTORSHIP: "Mentorship requests, answers and messages",
    MailTopic.EVENTS: "Events you organise or answered (changes, seats, reminders)",
    MailTopic.MODERATION: "Moderators' decisions about your content or account",
    MailTopic.PLANS: "Your transition plan (overdue goals, your mentors' comments)",
    MailTopic.ACCOUNT: "Your account (password resets, address checks)",
}


class Delivery(enum.StrEnum):
    OFF = "off"
    IMMEDIATELY = "immediately"
    DAILY = "daily"


class MailPreference(db.Model):
    """A member's choice for one topic; without a row the topic's default applies."""

    __tablename__ = "mail_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[MailTopic] = mapped_column(value_enum(MailTopic), primary_key=True)
    delivery: Mapped[Delivery] = mapped_column(value_enum(Delivery))


class OutgoingMail(db.Model):
    """One mail, rendered and waiting to be sent; ``sent_at`` makes sending it idempotent."""

    __tablename__ = "outgoing_mail"
    __table_args__ = (Index("ix_outgoing_mail_sent_at_created_at", "sent_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The member it is for (NULL once they deleted their account).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(254))
    topic: Mapped[MailTopic] = mapped_column(value_enum(MailTopic))
    subject: Mapped[str] = mapped_column(String(200))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    #: Extra headers as "Name: value" lines (List-Unsubscribe).
    headers: Mapped[str] = mapped_column(Text, default="")
    #: An attachment: file name, MIME type and text (an event's .ics).
    attachment_name: Mapped[str | None] = mapped_column(String(100))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str] = mapped_column(String(500), default="", server_default="")
