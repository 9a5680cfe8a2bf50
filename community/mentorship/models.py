"""Mentor profiles, mentorship requests and the private messages between the two sides."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.db import UTCDateTime
from community.extensions import db
from community.timeutil import utcnow

CAPACITY_MIN, CAPACITY_MAX = 1, 20
HEADLINE_MAX = 120
TAG_MAX = 40
REASON_MAX = 300
TESTIMONIAL_MAX = 2000

#: The expertise a career-transition community asks for most; members may add their own tags.
CURATED_EXPERTISE: dict[str, str] = {
    "ai-ml": "AI and machine learning",
    "automation": "Automation",
    "data": "Data",
    "product-management": "Product management",
    "project-management": "Project management",
    "leadership": "Leadership",
    "career-change": "Career change",
    "software-engineering": "Software engineering",
    "ux-design": "UX design",
    "cybersecurity": "Cybersecurity",
    "cloud": "Cloud and DevOps",
    "sales-customer-success": "Sales and customer success",
    "marketing": "Marketing",
    "finance": "Finance",
    "healthcare": "Healthcare",
    "education": "Education and teaching",
    "entrepreneurship": "Entrepreneurship",
    "job-search": "Job search and interviews",
    "freelancing": "Freelancing",
    "returning-to-work": "Returning to work",
}


class RequestState(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


#: A mentee holds at most one of these per mentor (a partial unique index enforces it).
OPEN_STATES = (RequestState.PENDING, RequestState.ACCEPTED)
_OPEN_STATES_SQL = "state IN ('pending', 'accepted')"
#: While a request is open its two sides can write to each other.
MESSAGING_STATES = OPEN_STATES


class Side(enum.StrEnum):
    """Who makes a move: the mentor, the mentee, or either of them."""

    MENTOR = "mentor"
    MENTEE = "mentee"
    EITHER = "either"


@dataclass(frozen=True)
class Transition:
    source: RequestState
    target: RequestState
    side: Side


#: Every move a member can make, the one table the services and ``permissions`` read.
#: Expiry is the system's move (``services.expire_if_overdue``), made by nobody.
TRANSITIONS: dict[str, Transition] = {
    "accept": Transition(RequestState.PENDING, RequestState.ACCEPTED, Side.MENTOR),
    "decline": Transition(RequestState.PENDING, RequestState.DECLINED, Side.MENTOR),
    "withdraw": Transition(RequestState.PENDING, RequestState.WITHDRAWN, Side.MENTEE),
    "complete": Transition(RequestState.ACCEPTED, RequestState.COMPLETED, Side.EITHER),
    "cancel": Transition(RequestState.ACCEPTED, RequestState.CANCELLED, Side.EITHER),
}


def expiry_period() -> timedelta:
    """How long a request waits for an answer (``MENTORSHIP_REQUEST_EXPIRY_DAYS``)."""
    return timedelta(days=current_app.config["MENTORSHIP_REQUEST_EXPIRY_DAYS"])


class MentorProfile(db.Model):
    """A member's offer to mentor; one per member, kept (hidden) when they leave."""

    __tablename__ = "mentor_profiles"
    __table_args__ = (
        CheckConstraint(
            f"capacity BETWEEN {CAPACITY_MIN} AND {CAPACITY_MAX}", name="capacity_range"
        ),
        #: The directory's order (taking requests first, newest first): a page, or the home
        #: page's few mentors with room, is read in order and the scan stops there.
        Index("ix_mentor_profiles_directory", "is_accepting", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True, index=True
    )
    headline: Mapped[str] = mapped_column(String(HEADLINE_MAX))
    bio_md: Mapped[str] = mapped_column(Text, default="")
    bio_html: Mapped[str] = mapped_column(Text, default="")
    years_experience: Mapped[int | None]
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    #: How many accepted (active) mentorships the mentor takes at once.
    capacity: Mapped[int] = mapped_column(default=1)
    #: The "accepting requests" switch; off means paused.
    is_accepting: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when the mentor leaves mentoring: hidden from the directory until they return.
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    expertise: Mapped[list[MentorExpertise]] = relationship(
        cascade="all, delete-orphan", order_by="MentorExpertise.position"
    )
    languages: Mapped[list[MentorLanguage]] = relationship(
        cascade="all, delete-orphan", order_by="MentorLanguage.position"
    )

    @property
    def is_active(self) -> bool:
        return self.left_at is None

    @property
    def expertise_slugs(self) -> list[str]:
        return [tag.slug for tag in self.expertise]

    def __repr__(self) -> str:
        return f"<MentorProfile {self.user_id}>"


class MentorExpertise(db.Model):
    """An expertise tag: a curated slug with its label, or a member's own tag."""

    __tablename__ = "mentor_expertise"
    __table_args__ = (UniqueConstraint("profile_id", "slug", name="uq_mentor_expertise_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_profiles.id", ondelete="CASCADE"), index=True
    )
    #: What the directory filters on (``?expertise=<slug>``).
    slug: Mapped[str] = mapped_column(String(TAG_MAX), index=True)
    label: Mapped[str] = mapped_column(String(TAG_MAX))
    position: Mapped[int] = mapped_column(default=0)


class MentorLanguage(db.Model):
    """A language the mentor mentors in, stored lower-case for matching."""

    __tablename__ = "mentor_languages"
    __table_args__ = (
        UniqueConstraint("profile_id", "language", name="uq_mentor_languages_language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_profiles.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(TAG_MAX), index=True)
    position: Mapped[int] = mapped_column(default=0)


def _state_enum(states: type[enum.Enum] = RequestState) -> Enum:
    return Enum(
        states,
        native_enum=False,
        length=20,
        values_callable=lambda e: [m.value for m in e],
    )


class MentorshipRequest(db.Model):
    """A mentee's request to a mentor and, once accepted, the mentorship itself.

    ``state`` changes only in ``mentorship.services``; each change records who and when.
    """

    __tablename__ = "mentorship_requests"
    __table_args__ = (
        #: One open (pending or accepted) request per mentee-mentor pair, on both engines.
        Index(
            "uq_mentorship_requests_open_pair",
            "mentee_id",
            "mentor_id",
            unique=True,
            postgresql_where=text(_OPEN_STATES_SQL),
            sqlite_where=text(_OPEN_STATES_SQL),
        ),
        Index("ix_mentorship_requests_mentor_id_state", "mentor_id", "state"),
        Index("ix_mentorship_requests_mentee_id_state", "mentee_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[RequestState] = mapped_column(_state_enum(), default=RequestState.PENDING)
    #: What the mentee wants to achieve and where they are now.
    message_md: Mapped[str] = mapped_column(Text)
    message_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Latest state change or message: the sort order of the member's list.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: The answer to a pending request: accepted, declined, withdrawn or expired (by nobody).
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    decline_reason: Mapped[str | None] = mapped_column(String(REASON_MAX))
    #: The end of an accepted mentorship: completed or cancelled.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    end_note_md: Mapped[str | None] = mapped_column(Text)
    end_note_html: Mapped[str | None] = mapped_column(Text)

    mentee: Mapped[User] = relationship(foreign_keys=[mentee_id])
    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])
    responded_by: Mapped[User | None] = relationship(foreign_keys=[responded_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])
    messages: Mapped[list[MentorshipMessage]] = relationship(
        back_populates="request",
        cascade="all, delete-orphan",
        order_by="(MentorshipMessage.created_at, MentorshipMessage.id)",
    )
    #: Read-only here: ``mentorship.testimonials`` writes it; the request page joins it.
    testimonial: Mapped[Testimonial | None] = relationship(viewonly=True)

    @property
    def expires_at(self) -> datetime:
        return self.created_at + expiry_period()

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Pending past its expiry, whether or not the expiry is stored yet."""
        return self.state == RequestState.PENDING and self.expires_at <= (now or utcnow())

    @property
    def current_state(self) -> RequestState:
        """The state members see: an overdue pending request reads as expired.

        Pages show it so without writing; ``flask expire-requests`` and the next POST
        on the request store it.
        """
        return RequestState.EXPIRED if self.is_overdue() else self.state

    @property
    def is_open(self) -> bool:
        return self.current_state in OPEN_STATES

    def takes_side(self, user: User, side: Side) -> bool:
        """Whether ``user`` is this request's mentor, mentee, or either, as ``side`` asks."""
        if side == Side.MENTOR:
            return user.id == self.mentor_id
        if side == Side.MENTEE:
            return user.id == self.mentee_id
        return user.id in (self.mentor_id, self.mentee_id)

    def other_side(self, user: User) -> User:
        return self.mentor if user.id == self.mentee_id else self.mentee

    def __repr__(self) -> str:
        return f"<MentorshipRequest {self.id} {self.state}>"


class MentorshipMessage(db.Model):
    """A message in a request's private thread, seen by its two participants only."""

    __tablename__ = "mentorship_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("mentorship_requests.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    request: Mapped[MentorshipRequest] = relationship(back_populates="messages")
    author: Mapped[User] = relationship()


class MentorshipRetrospective(db.Model):
    """What helped and what's next, written after completion; only its author reads it."""

    __tablename__ = "mentorship_retrospectives"
    __table_args__ = (
        UniqueConstraint("request_id", "author_id", name="uq_mentorship_retrospectives_author"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("mentorship_requests.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TestimonialState(enum.StrEnum):
    """``pending`` waits for the mentor; ``published`` shows on their profile;
    ``declined`` is the mentor's no (or their later unpublishing), which the mentee sees."""

    PENDING = "pending"
    PUBLISHED = "published"
    DECLINED = "declined"


@dataclass(frozen=True)
class TestimonialMove:
    source: TestimonialState
    target: TestimonialState


#: The mentor's moves on a testimonial; writing, editing and withdrawing are the mentee's.
TESTIMONIAL_MOVES: dict[str, TestimonialMove] = {
    "approve": TestimonialMove(TestimonialState.PENDING, TestimonialState.PUBLISHED),
    "decline": TestimonialMove(TestimonialState.PENDING, TestimonialState.DECLINED),
    "hide": TestimonialMove(TestimonialState.PUBLISHED, TestimonialState.DECLINED),
}


class Testimonial(db.Model):
    """A mentee's public word about a completed mentorship, shown on the mentor's profile.

    One per mentorship. The mentee consents by writing it (the form asks explicitly) and
    withdraws consent by deleting it; it shows only once the mentor approves it.
    ``state`` changes only in ``mentorship.testimonials``.
    """

    __tablename__ = "testimonials"
    __table_args__ = (
        #: The mentor's profile: their published testimonials, newest first.
        Index("ix_testimonials_mentor_id_state_published_at", "mentor_id", "state", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("mentorship_requests.id", ondelete="CASCADE"), unique=True
    )
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: The author.
    mentee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    state: Mapped[TestimonialState] = mapped_column(
        _state_enum(TestimonialState), default=TestimonialState.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The latest edit, which sends it back to the mentor.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    mentee: Mapped[User] = relationship(foreign_keys=[mentee_id])
    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])

    def __repr__(self) -> str:
        return f"<Testimonial {self.id} {self.state}>"
