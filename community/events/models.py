"""Events (conferences, webinars, meetups, workshops) and the members who RSVP to them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.db import UTCDateTime, value_enum
from community.discussions.comment_models import Step
from community.discussions.models import SLUG_MAX, TITLE_MAX, Tag
from community.extensions import db
from community.timeutil import utcnow

DESCRIPTION_MAX = 10_000
LOCATION_MAX = 200
URL_MAX = 500
PRICE_MAX = 100
REASON_MAX = 300
CAPACITY_MAX = 100_000
TAGS_MAX = 5


class EventKind(enum.StrEnum):
    CONFERENCE = "conference"
    WEBINAR = "webinar"
    MEETUP = "meetup"
    WORKSHOP = "workshop"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class EventFormat(enum.StrEnum):
    ONLINE = "online"
    IN_PERSON = "in_person"
    HYBRID = "hybrid"

    @property
    def label(self) -> str:
        return {"online": "Online", "in_person": "In person", "hybrid": "Hybrid"}[self.value]

    @property
    def has_link(self) -> bool:
        """Online and hybrid events are joined through a link."""
        return self is not EventFormat.IN_PERSON

    @property
    def has_place(self) -> bool:
        """In-person and hybrid events happen somewhere."""
        return self is not EventFormat.ONLINE


class EventState(enum.StrEnum):
    """``pending → published | rejected``; pending or published → ``cancelled``."""

    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


#: States in which a published event stays public (a cancelled one stays, marked).
LISTED_STATES = (EventState.PUBLISHED, EventState.CANCELLED)


@dataclass(frozen=True)
class Transition:
    sources: tuple[EventState, ...]
    target: EventState


#: Every move on an event, the one table ``services`` and ``permissions`` read.
TRANSITIONS: dict[str, Transition] = {
    "approve": Transition((EventState.PENDING,), EventState.PUBLISHED),
    "reject": Transition((EventState.PENDING,), EventState.REJECTED),
    "cancel": Transition((EventState.PENDING, EventState.PUBLISHED), EventState.CANCELLED),
}


class RsvpStatus(enum.StrEnum):
    GOING = "going"
    INTERESTED = "interested"
    #: Asked to go when every seat was taken; promoted in order when one frees up.
    WAITLISTED = "waitlisted"


event_tags = Table(
    "event_tags",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Event(db.Model):
    """One event; times are stored in UTC beside the organiser's IANA zone."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(f"capacity BETWEEN 1 AND {CAPACITY_MAX}", name="capacity_range"),
        CheckConstraint("going_count >= 0", name="going_count_positive"),
        #: The upcoming and past lists: published events by start.
        Index("ix_events_state_starts_at", "state", "starts_at"),
        Index("ix_events_state_ends_at", "state", "ends_at"),
        #: The lists in start order whatever their filters (listed means two states, which
        #: the state-first index cannot return in start order).
        Index("ix_events_starts_at", "starts_at", "id"),
        #: The events feed: the latest published first.
        Index("ix_events_published_at", "published_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    slug: Mapped[str] = mapped_column(String(SLUG_MAX))
    kind: Mapped[EventKind] = mapped_column(value_enum(EventKind))
    format: Mapped[EventFormat] = mapped_column(value_enum(EventFormat))
    state: Mapped[EventState] = mapped_column(
        value_enum(EventState),
        default=EventState.PENDING,
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The organiser's IANA zone: the event page shows its times there too.
    timezone: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(LOCATION_MAX), default="")
    #: Where online and hybrid events are joined.
    url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    #: The join link is shown only to members who are going (and the organiser, moderators).
    is_link_attendees_only: Mapped[bool] = mapped_column(default=False)
    registration_url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    website_url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    is_free: Mapped[bool] = mapped_column(default=True, index=True)
    #: What a paid event costs, as the organiser words it ("€40, students €10").
    price: Mapped[str] = mapped_column(String(PRICE_MAX), default="")
    description_md: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    #: The guide step the event serves, when the organiser picked one.
    guide_step: Mapped[Step | None] = mapped_column(value_enum(Step))
    #: Seats for members going; None means no limit.
    capacity: Mapped[int | None]
    #: Members going, kept by the RSVP services under the event's row lock.
    going_count: Mapped[int] = mapped_column(default=0, server_default="0")
    interested_count: Mapped[int] = mapped_column(default=0, server_default="0")
    waitlist_count: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Raised on every change calendars must pick up (iCalendar ``SEQUENCE``).
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Who approved or rejected it and when; moderators' own events approve themselves.
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")
    cancelled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancellation_reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")

    organiser: Mapped[User] = relationship(
        foreign_keys=[organiser_id], lazy="joined", innerjoin=True
    )
    tags: Mapped[list[Tag]] = relationship(secondary=event_tags, lazy="selectin", order_by=Tag.name)

    @property
    def is_cancelled(self) -> bool:
        return self.state == EventState.CANCELLED

    @property
    def is_listed(self) -> bool:
        """Public: published, or cancelled after it was published (it stays, marked)."""
        return self.published_at is not None and self.state in LISTED_STATES

    def has_ended(self, now: datetime | None = None) -> bool:
        return self.ends_at <= (now or utcnow())

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.going_count >= self.capacity

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.going_count, 0)

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.slug}>"


class Rsvp(db.Model):
    """A member's answer to an event: going, interested, or waiting for a seat."""

    __tablename__ = "event_rsvps"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        #: Who is going, and the waitlist in order, without a sort.
        Index("ix_event_rsvps_event_status_at", "event_id", "status", "responded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[RsvpStatus] = mapped_column(value_enum(RsvpStatus))
    #: When the member last changed their answer: the waitlist's order.
    responded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the reminder before the start was sent to this member (going only).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    event: Mapped[Event] = relationship()

    def __repr__(self) -> str:
        return f"<Rsvp {self.event_id} {self.user_id} {self.status}>"
