"""Flags, the reviews they open, suspensions, and the public moderation log.

A *review* is one item in the moderation queue about one object (a post, a comment, an
event, a member's profile, a mentorship message, or a suspension under appeal). Flags
from many members on one object share one open review, so moderators are told once per
object and handle it once. Objects are named by ``(target_type, target_id)``: this module
imports no feature's models, so every feature may record to the log.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.db import UTCDateTime, value_enum
from community.extensions import db
from community.timeutil import utcnow

REASON_MAX = 500
FLAG_DETAILS_MAX = 500
APPEAL_MAX = 2_000


class TargetType(enum.StrEnum):
    POST = "post"
    COMMENT = "comment"
    EVENT = "event"
    MEMBER = "member"
    MESSAGE = "message"
    SUSPENSION = "suspension"
    TAG = "tag"
    #: A spelling of a role members typed, mapped onto a curated role (the paths map).
    ROLE = "role"
    RESOURCE = "resource"

    @property
    def label(self) -> str:
        return "mentorship message" if self is TargetType.MESSAGE else self.value


#: What members may flag (the rest are named in the log only).
FLAGGABLE = (
    TargetType.POST,
    TargetType.COMMENT,
    TargetType.EVENT,
    TargetType.MEMBER,
    TargetType.MESSAGE,
)
#: What a moderator can hide (and members then see as removed).
HIDEABLE = (TargetType.POST, TargetType.COMMENT)


class FlagReason(enum.StrEnum):
    SPAM = "spam"
    PROMOTION = "promotion"
    HARASSMENT = "harassment"
    OFF_TOPIC = "off_topic"
    MISINFORMATION = "misinformation"
    AI_FILLER = "ai_filler"
    OTHER = "other"

    @property
    def label(self) -> str:
        return FLAG_REASON_LABELS[self]


FLAG_REASON_LABELS = {
    FlagReason.SPAM: "Spam",
    FlagReason.PROMOTION: "Recruiter or course promotion",
    FlagReason.HARASSMENT: "Harassment",
    FlagReason.OFF_TOPIC: "Off topic",
    FlagReason.MISINFORMATION: "Misinformation",
    FlagReason.AI_FILLER: "AI-generated filler",
    FlagReason.OTHER: "Something else (say what)",
}


class ReviewCause(enum.StrEnum):
    FLAGS = "flags"
    #: A new member's post with links, held until a moderator lets it through.
    HELD = "held"
    #: A suspended member asked for their suspension to be reconsidered.
    APPEAL = "appeal"


class Action(enum.StrEnum):
    """Every move a moderator (or the flag threshold) makes; the log's ``action``."""

    HIDE = "hide"
    AUTO_HIDE = "auto_hide"
    RESTORE = "restore"
    LOCK = "lock"
    UNLOCK = "unlock"
    PIN = "pin"
    UNPIN = "unpin"
    FEATURE = "feature"
    UNFEATURE = "unfeature"
    EDIT_POST = "edit_post"
    MERGE_TAG = "merge_tag"
    RELEASE = "release"
    DISMISS = "dismiss"
    APPROVE_EVENT = "approve_event"
    REJECT_EVENT = "reject_event"
    CANCEL_EVENT = "cancel_event"
    SUSPEND = "suspend"
    UNSUSPEND = "unsuspend"
    UPHOLD = "uphold"
    SET_ROLE = "set_role"
    MAP_ROLE = "map_role"
    ADD_RESOURCE = "add_resource"
    EDIT_RESOURCE = "edit_resource"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.HIDE: "Hid",
    Action.AUTO_HIDE: "Hid automatically (flag threshold)",
    Action.RESTORE: "Restored",
    Action.LOCK: "Locked",
    Action.UNLOCK: "Unlocked",
    Action.PIN: "Pinned",
    Action.UNPIN: "Unpinned",
    Action.FEATURE: "Featured",
    Action.UNFEATURE: "Stopped featuring",
    Action.EDIT_POST: "Edited the title or tags of",
    Action.MERGE_TAG: "Merged tag",
    Action.RELEASE: "Let through",
    Action.DISMISS: "Dismissed flags on",
    Action.APPROVE_EVENT: "Approved",
    Action.REJECT_EVENT: "Rejected",
    Action.CANCEL_EVENT: "Cancelled",
    Action.SUSPEND: "Suspended",
    Action.UNSUSPEND: "Lifted the suspension of",
    Action.UPHOLD: "Upheld on appeal the suspension of",
    Action.SET_ROLE: "Changed the role of",
    Action.MAP_ROLE: "Mapped",
    Action.ADD_RESOURCE: "Added to the learning resources",
    Action.EDIT_RESOURCE: "Edited the learning resource",
}


class Flag(db.Model):
    """One member asking moderators to look at one object; one per member and object."""

    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("target_type", "target_id", "reporter_id", name="uq_flags_reporter"),
        Index("ix_flags_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[TargetType] = mapped_column(value_enum(TargetType))
    target_id: Mapped[int]
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[FlagReason] = mapped_column(value_enum(FlagReason))
    details: Mapped[str] = mapped_column(String(FLAG_DETAILS_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The queue item this flag joined.
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)

    reporter: Mapped[User] = relationship()


#: At most one open review per object and cause, on both engines.
_OPEN = "closed_at IS NULL"


class Review(db.Model):
    """One item of the moderation queue: an object, why it is there, and how it ended."""

    __tablename__ = "reviews"
    __table_args__ = (
        Index(
            "uq_reviews_open_target",
            "target_type",
            "target_id",
            "cause",
            unique=True,
            postgresql_where=text(_OPEN),
            sqlite_where=text(_OPEN),
        ),
        Index("ix_reviews_cause_closed_at", "cause", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[TargetType] = mapped_column(value_enum(TargetType))
    target_id: Mapped[int]
    cause: Mapped[ReviewCause] = mapped_column(value_enum(ReviewCause))
    #: The member whose content (or account) it is: moderators never review their own.
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    flag_count: Mapped[int] = mapped_column(default=0, server_default="0")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The action that closed it (``Action`` value), for the record.
    outcome: Mapped[str | None] = mapped_column(String(20))

    subject: Mapped[User | None] = relationship(foreign_keys=[subject_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


#: The queue's flagged section in its order (most flagged, then oldest): a page is read
#: from the index and the scan stops after it.
Index(
    "ix_reviews_open_queue",
    Review.cause,
    Review.flag_count.desc(),
    Review.opened_at,
    Review.id,
    postgresql_where=text(_OPEN),
    sqlite_where=text(_OPEN),
)


class LogEntry(db.Model):
    """One line of the public moderation log: who did what to which object, why, when."""

    __tablename__ = "moderation_log"
    __table_args__ = (
        Index("ix_moderation_log_moderator_created", "moderator_id", "created_at"),
        Index("ix_moderation_log_action_created", "action", "created_at"),
        #: The whole log, newest first.
        Index("ix_moderation_log_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: NULL for what the site did by itself (the flag threshold).
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[Action] = mapped_column(value_enum(Action))
    target_type: Mapped[TargetType] = mapped_column(value_enum(TargetType))
    target_id: Mapped[int]
    #: Whose content or account was acted on.
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(REASON_MAX))
    #: What changed, when the action has more to say ("moderator → member", "#ml → #ai").
    detail: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    moderator: Mapped[User | None] = relationship(foreign_keys=[moderator_id])
    subject: Mapped[User | None] = relationship(foreign_keys=[subject_id])


class Suspension(db.Model):
    """A member kept from writing, with the reason they are shown and one appeal."""

    __tablename__ = "suspensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(REASON_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: NULL: until a moderator lifts it.
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appeal: Mapped[str | None] = mapped_column(Text)
    appealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: How the appeal ended (``Action.UNSUSPEND`` or ``Action.UPHOLD``) and why.
    appeal_outcome: Mapped[str | None] = mapped_column(String(20))
    appeal_answer: Mapped[str | None] = mapped_column(String(REASON_MAX))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    moderator: Mapped[User | None] = relationship(foreign_keys=[moderator_id])

    def is_current(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.lifted_at is None and (self.ends_at is None or self.ends_at > now)
