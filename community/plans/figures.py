"""Community figures on the guide's page, counted without exposing anyone.

Members following a plan, the resources most often completed, and the median months to
a role change per guide step. A figure is shown only when it counts ``FIGURE_MIN`` or more
members; below that it is left out altogether (never "fewer than 5" for one resource,
which would still say something about the few). Three grouped statements, whatever the
community's size, built at most every ``PATHS_CACHE_SECONDS`` per worker.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup
from sqlalchemy import func, select

from community.discussions.comment_models import Comment, ExperienceStep, Outcome, Step
from community.discussions.models import Post
from community.extensions import db
from community.plans.models import Goal, Plan, Resource
from community.plans.paths import cached, median, months_text
from community.plans.roles import visible_experiences

#: The fewest members a figure may count.
FIGURE_MIN = 5
TOP_RESOURCES = 3


@dataclass(frozen=True)
class ResourceFigure:
    id: int
    title: str
    members: int


@dataclass(frozen=True)
class StepFigure:
    step: Step
    members: int
    median_months: str


@dataclass(frozen=True)
class GuideFigures:
    #: None when fewer than ``FIGURE_MIN`` members follow a plan.
    planners: int | None
    resources: list[ResourceFigure]
    steps: list[StepFigure]

    @property
    def any(self) -> bool:
        return bool(self.planners or self.resources or self.steps)


def _planners() -> int | None:
    """Plans with a goal: one probe of the goals' plan index per plan, not every goal."""
    has_goal = select(Goal.id).where(Goal.plan_id == Plan.id).exists()
    count = db.session.scalar(select(func.count(Plan.id)).where(has_goal)) or 0
    return count if count >= FIGURE_MIN else None


def _resources() -> list[ResourceFigure]:
    """Read from the counts kept on each resource, through their index."""
    rows = db.session.execute(
        select(Resource.id, Resource.title, Resource.completed_count)
        .where(Resource.completed_count >= FIGURE_MIN)
        .order_by(Resource.completed_count.desc(), Resource.title, Resource.id)
        .limit(TOP_RESOURCES)
    ).all()
    return [ResourceFigure(id, title, count) for id, title, count in rows]


def _steps() -> list[StepFigure]:
    """Per step: the members whose latest role-changing experience with that step gives a
    duration, and the median of those durations."""
    ranked = (
        select(
            ExperienceStep.step.label("step"),
            Comment.months.label("months"),
            func.row_number()
            .over(
                partition_by=(Comment.author_id, ExperienceStep.step),
                order_by=(Comment.created_at.desc(), Comment.id.desc()),
            )
            .label("rank"),
        )
        .join(Comment, Comment.id == ExperienceStep.comment_id)
        .join(Post, Post.id == Comment.post_id)
        .where(
            visible_experiences(),
            Comment.outcome == Outcome.CHANGED_ROLE,
            Comment.months.is_not(None),
        )
    ).subquery()
    rows = db.session.execute(
        select(ranked.c.step, ranked.c.months, func.count())
        .where(ranked.c.rank == 1)
        .group_by(ranked.c.step, ranked.c.months)
    ).all()
    histograms: dict[Step, dict[int, int]] = {}
    for step, months, count in rows:
        histograms.setdefault(Step(step), {})[months] = count
    figures = []
    for step in Step:
        histogram = histograms.get(step, {})
        members = sum(histogram.values())
        if members >= FIGURE_MIN:
            figures.append(StepFigure(step, members, months_text(median(histogram))))
    return figures


def guide_figures() -> GuideFigures:
    """The figures as they stand (three statements)."""
    return GuideFigures(_planners(), _resources(), _steps())


def guide_figures_html() -> Markup:
    """The guide page's figures section, from the cache while it is fresh (empty when no
    figure reaches ``FIGURE_MIN``)."""

    def build() -> Markup:
        # Our own template's output, every value escaped as it was drawn.
        return Markup(render_template("plans/_guide_figures.html", figures=guide_figures()))

    return cached("guide_figures", build)
