"""A member's transition plan (roles, goals by horizon, mentors' comments), the learning
resources catalogue, portfolio projects, and the curated roles that paths are drawn with."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.db import UTCDateTime, value_enum
from community.discussions.comment_models import ROLE_MAX, Step
from community.extensions import db
from community.timeutil import utcnow

GOAL_TITLE_MAX = 200
NOTE_MAX = 2_000
GOAL_COMMENT_MAX = 2_000
REVIEW_MAX = 2_000
RESOURCE_TITLE_MAX = 200
PROVIDER_MAX = 100
URL_MAX = 500
RESOURCE_DESCRIPTION_MAX = 2_000
PROJECT_TITLE_MAX = 200
PROJECT_DESCRIPTION_MAX = 2_000
SKILLS_MAX = 200
#: A plan's target roles, goals and portfolio projects are bounded so a page stays bounded.
TARGETS_MAX = 5
GOALS_MAX = 100
#: Comments on all of a plan's goals together: the plan page shows them all.
PLAN_COMMENTS_MAX = 300
PROJECTS_MAX = 30
#: Longest a resource or role key (``guide:...``, a slug) may be.
KEY_MAX = 80


class Horizon(enum.StrEnum):
    """The guide's three horizons, in months."""

    SHORT = "3-6"
    MID = "6-12"
    LONG = "12-24"

    @property
    def label(self) -> str:
        return HORIZON_LABELS[self]

    @property
    def months(self) -> tuple[int, int]:
        low, high = self.value.split("-")
        return int(low), int(high)


HORIZON_LABELS = {
    Horizon.SHORT: "Short term: the next 3–6 months",
    Horizon.MID: "Mid term: 6–12 months",
    Horizon.LONG: "Long term: 12–24 months",
}


class Visibility(enum.StrEnum):
    """Who besides the member sees the plan; mentors only while a mentorship is accepted."""

    PRIVATE = "private"
    MENTORS = "mentors"
    PROFILE = "profile"

    @property
    def label(self) -> str:
        return VISIBILITY_LABELS[self]


VISIBILITY_LABELS = {
    Visibility.PRIVATE: "Only me",
    Visibility.MENTORS: "Me and my mentors, while a mentorship is accepted",
    Visibility.PROFILE: "Everyone, on my profile (mentors can comment)",
}


class Plan(db.Model):
    """One per member, made the first time they save anything to it."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    current_role: Mapped[str] = mapped_column(String(ROLE_MAX), default="", server_default="")
    visibility: Mapped[Visibility] = mapped_column(
        value_enum(Visibility), default=Visibility.PRIVATE, server_default="private", index=True
    )
    #: When "Start from the guide" first ran; it adds only goals the plan never had.
    started_from_guide_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    targets: Mapped[list[PlanTarget]] = relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        order_by="PlanTarget.position, PlanTarget.id",
    )
    goals: Mapped[list[Goal]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Goal.id"
    )

    @property
    def target_roles(self) -> list[str]:
        return [target.role for target in self.targets]

    def __repr__(self) -> str:
        return f"<Plan of user {self.user_id}>"


class PlanTarget(db.Model):
    """A role the member is going towards; a plan may aim at several."""

    __tablename__ = "plan_targets"
    __table_args__ = (UniqueConstraint("plan_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(ROLE_MAX))
    position: Mapped[int] = mapped_column(default=0)

    plan: Mapped[Plan] = relationship(back_populates="targets")


class Goal(db.Model):
    """One goal on a horizon, optionally tied to a guide step and due on a date."""

    __tablename__ = "plan_goals"
    __table_args__ = (
        # "Start from the guide" adds each suggested goal once per plan.
        UniqueConstraint("plan_id", "guide_key"),
        # Overdue reminders walk open goals by due date.
        Index("ix_plan_goals_due_open", "due", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(GOAL_TITLE_MAX))
    horizon: Mapped[Horizon] = mapped_column(value_enum(Horizon))
    due: Mapped[date | None] = mapped_column(Date)
    step: Mapped[Step | None] = mapped_column(value_enum(Step))
    note_md: Mapped[str] = mapped_column(Text, default="", server_default="")
    note_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Which of the guide's suggestions this goal came from; NULL for the member's own.
    guide_key: Mapped[str | None] = mapped_column(String(KEY_MAX))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the member was told it is overdue (once per due date).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="goals")
    comments: Mapped[list[GoalComment]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="GoalComment.id"
    )

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, today: date) -> bool:
        return not self.is_done and self.due is not None and self.due < today


class GoalComment(db.Model):
    """A mentor's private word on a goal, seen by the plan's owner and their mentors only."""

    __tablename__ = "plan_goal_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(
        ForeignKey("plan_goals.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    goal: Mapped[Goal] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()


class ResourceKind(enum.StrEnum):
    COURSE = "course"
    CERTIFICATION = "certification"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Resource(db.Model):
    """A course or certification in the catalogue; moderators keep it."""

    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(RESOURCE_TITLE_MAX))
    provider: Mapped[str] = mapped_column(String(PROVIDER_MAX), default="", server_default="")
    url: Mapped[str] = mapped_column(String(URL_MAX))
    kind: Mapped[ResourceKind] = mapped_column(
        value_enum(ResourceKind), default=ResourceKind.COURSE, server_default="course"
    )
    #: The role family it serves ("Automation/AI", "Project management"), free text.
    track: Mapped[str] = mapped_column(String(PROVIDER_MAX), default="", server_default="")
    description_md: Mapped[str] = mapped_column(Text, default="", server_default="")
    description_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Set on the ones seeded from the guide, so seeding again finds them.
    guide_key: Mapped[str | None] = mapped_column(String(KEY_MAX), unique=True)
    #: Members with it on their plan, by status (``counters``: kept as plans change).
    planned_count: Mapped[int] = mapped_column(default=0, server_default="0")
    in_progress_count: Mapped[int] = mapped_column(default=0, server_default="0")
    completed_count: Mapped[int] = mapped_column(default=0, server_default="0", index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Resource {self.id} {self.title!r}>"


class ResourceStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return RESOURCE_STATUS_LABELS[self]


RESOURCE_STATUS_LABELS = {
    ResourceStatus.PLANNED: "Planned",
    ResourceStatus.IN_PROGRESS: "In progress",
    ResourceStatus.COMPLETED: "Completed",
}


class PlanResource(db.Model):
    """A resource on a member's plan; a completed one may carry a short review."""

    __tablename__ = "plan_resources"
    __table_args__ = (
        UniqueConstraint("plan_id", "resource_id"),
        # The resource page counts completions and lists reviews, newest first.
        Index("ix_plan_resources_resource_status", "resource_id", "status", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    status: Mapped[ResourceStatus] = mapped_column(
        value_enum(ResourceStatus), default=ResourceStatus.PLANNED
    )
    review_md: Mapped[str] = mapped_column(Text, default="", server_default="")
    review_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    plan: Mapped[Plan] = relationship()
    resource: Mapped[Resource] = relationship()


class PortfolioProject(db.Model):
    """A side project on the member's profile, as the guide's fourth step suggests."""

    __tablename__ = "portfolio_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(PROJECT_TITLE_MAX))
    url: Mapped[str] = mapped_column(String(URL_MAX), default="", server_default="")
    description_md: Mapped[str] = mapped_column(Text, default="", server_default="")
    description_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Comma-separated, as typed and tidied ("Python, SQL").
    skills: Mapped[str] = mapped_column(String(SKILLS_MAX), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()

    @property
    def skill_list(self) -> list[str]:
        return [skill.strip() for skill in self.skills.split(",") if skill.strip()]


class CareerRole(db.Model):
    """A curated role ("Data analyst") that paths are drawn between."""

    __tablename__ = "career_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(KEY_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(ROLE_MAX), unique=True)

    def __repr__(self) -> str:
        return f"<CareerRole {self.slug}>"


class RoleAlias(db.Model):
    """Free text members typed ("school teacher"), mapped by a moderator to a curated role.

    ``text`` is the normalised form (lower case, single spaces), so each spelling is mapped
    once; ``role_id`` NULL means seen but not mapped yet.
    """

    __tablename__ = "role_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(ROLE_MAX), unique=True)
    role_id: Mapped[int | None] = mapped_column(
        ForeignKey("career_roles.id", ondelete="SET NULL"), index=True
    )
    mapped_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    mapped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    role: Mapped[CareerRole | None] = relationship()
