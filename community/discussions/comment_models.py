"""Comments form a tree under a post; votes, experiences, revisions and flags hang off them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.db import UTCDateTime
from community.extensions import db
from community.timeutil import utcnow

COMMENT_BODY_MAX = 10_000
#: Stored nesting limit: ``path`` holds one 10-digit segment per level.
MAX_DEPTH = 50
PATH_SEGMENT = 10
ROLE_MAX = 100
#: An experience's longest stated duration.
MONTHS_MAX = 240
#: Room for every step value, comma-separated, in a revision.
REVISION_STEPS_MAX = 100


def _values(enum_class: type[enum.Enum]) -> list[str]:
    return [member.value for member in enum_class]


class Step(enum.StrEnum):
    """The guide's four steps; an experience is tagged with the ones that worked."""

    CERTIFICATIONS = "certifications"
    NETWORKING = "networking"
    PLAN = "plan"
    PROJECTS = "projects"

    @property
    def label(self) -> str:
        return STEP_LABELS[self]


STEP_LABELS = {
    Step.CERTIFICATIONS: "Certifications and courses",
    Step.NETWORKING: "Networking and mentorship",
    Step.PLAN: "A transition plan",
    Step.PROJECTS: "Side projects and portfolio",
}


class Outcome(enum.StrEnum):
    EXPLORING = "exploring"
    IN_PROGRESS = "in_progress"
    CHANGED_ROLE = "changed_role"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.EXPLORING: "Exploring",
    Outcome.IN_PROGRESS: "In progress",
    Outcome.CHANGED_ROLE: "Changed role",
}


_HOME_CANDIDATES = "featured_at IS NOT NULL OR is_experience IS TRUE"


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_post_id_parent_id", "post_id", "parent_id"),
        Index("ix_comments_post_id_root_id", "post_id", "root_id"),
        Index("ix_comments_post_id_path", "post_id", "path"),
        Index("ix_comments_author_id_created_at", "author_id", "created_at"),
        #: The home page's "Experiences that worked" candidates (featured comments and
        #: experiences), a few among millions: found without reading the whole table.
        Index(
            "ix_comments_home_candidates",
            "post_id",
            postgresql_where=text(_HOME_CANDIDATES),
            sqlite_where=text(_HOME_CANDIDATES),
        ),
        #: A post's experiences by how many members said they worked (the home page).
        Index(
            "ix_comments_experiences_endorsed",
            "post_id",
            "endorsement_count",
            "created_at",
            "id",
            postgresql_where=text("is_experience IS TRUE"),
            sqlite_where=text("is_experience IS TRUE"),
        ),
        #: A post's newest comments (its feed).
        Index("ix_comments_post_id_created_at", "post_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: NULL for a top-level comment.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    #: The top-level comment of this subtree (itself when top-level): a page of
    #: top-level comments loads its whole subtrees with one ``root_id IN (...)``.
    root_id: Mapped[int | None] = mapped_column(index=True)
    #: 0 for top-level comments.
    depth: Mapped[int] = mapped_column(default=0)
    #: Zero-padded ids from the root down to this comment, ``/``-separated:
    #: ordering by it walks a subtree depth-first, a prefix range selects one.
    path: Mapped[str] = mapped_column(String((PATH_SEGMENT + 1) * (MAX_DEPTH + 1)), default="")
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    #: Upvotes; kept in step with ``votes`` by the vote service.
    score: Mapped[int] = mapped_column(default=0, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A deleted comment with replies shows as "[deleted]"; without replies it is not shown.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set by a moderator: members see "[removed by a moderator]"; the author sees why.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    #: Chosen by a moderator for the home page's "Experiences that worked".
    featured_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    #: Set when shared as an experience under the guide.
    is_experience: Mapped[bool] = mapped_column(default=False)
    from_role: Mapped[str | None] = mapped_column(String(ROLE_MAX))
    to_role: Mapped[str | None] = mapped_column(String(ROLE_MAX))
    months: Mapped[int | None] = mapped_column()
    outcome: Mapped[Outcome | None] = mapped_column(
        Enum(Outcome, native_enum=False, length=20, values_callable=_values)
    )
    #: "Worked for me too" marks; kept in step with ``endorsements``.
    endorsement_count: Mapped[int] = mapped_column(default=0)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    post = relationship("Post")
    steps: Mapped[list[ExperienceStep]] = relationship(
        cascade="all, delete-orphan", order_by="ExperienceStep.step"
    )

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_visible(self) -> bool:
        """Counted and readable by everyone: neither deleted nor hidden."""
        return self.deleted_at is None and self.hidden_at is None

    @property
    def step_values(self) -> list[Step]:
        return [row.step for row in self.steps]

    def __repr__(self) -> str:
        return f"<Comment {self.id} on post {self.post_id}>"


class ExperienceStep(db.Model):
    """One of the guide's steps an experience says worked."""

    __tablename__ = "experience_steps"

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    step: Mapped[Step] = mapped_column(
        Enum(Step, native_enum=False, length=20, values_callable=_values),
        primary_key=True,
        index=True,
    )


class Vote(db.Model):
    """One member's upvote on one comment (the primary key makes it one)."""

    __tablename__ = "votes"

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExperienceEndorsement(db.Model):
    """A member saying "worked for me too" about another member's experience."""

    __tablename__ = "experience_endorsements"

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommentRevision(db.Model):
    """An earlier version of an edited comment, for its author and moderators."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    #: When this version was written (the comment's creation or an earlier edit).
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When the edit replaced it.
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: An experience's details as they were in this version (NULL for a plain comment).
    from_role: Mapped[str | None] = mapped_column(String(ROLE_MAX))
    to_role: Mapped[str | None] = mapped_column(String(ROLE_MAX))
    months: Mapped[int | None] = mapped_column()
    outcome: Mapped[Outcome | None] = mapped_column(
        Enum(Outcome, native_enum=False, length=20, values_callable=_values)
    )
    #: The steps that worked, as comma-separated values in the guide's order ("plan,projects").
    steps: Mapped[str | None] = mapped_column(String(REVISION_STEPS_MAX))

    @property
    def is_experience(self) -> bool:
        return self.steps is not None

    @property
    def step_values(self) -> list[Step]:
        """The steps stored; a value no longer among the guide's steps is left out."""
        known = {step.value: step for step in Step}
        return [known[value] for value in (self.steps or "").split(",") if value in known]
