"""Community figures on the guide page: members following a plan, the most completed
resources, the median months to a role change per step; only counts of 5 or more."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import select

from community.discussions.comment_models import Outcome, Step
from community.discussions.thread_rendering import cache_for
from community.extensions import db
from community.plans import resources
from community.plans.figures import FIGURE_MIN, guide_figures
from community.plans.models import (
    CareerRole,
    Goal,
    Horizon,
    Plan,
    Resource,
    ResourceStatus,
)
from tests.conftest import count_queries, make_post, make_user
from tests.test_plans_paths import share


@pytest.fixture
def guide(app):
    post = make_post(make_user(), title="The guide")
    post.is_guide = True
    db.session.commit()
    return post


def guide_page(client, guide) -> str:
    response = client.get(f"/posts/{guide.id}/{guide.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def planners(count: int, goals: int = 1) -> list[Plan]:
    plans = []
    for _ in range(count):
        plan = Plan(user_id=make_user().id)
        plan.goals = [Goal(title=f"Goal {i}", horizon=Horizon.SHORT) for i in range(goals)]
        db.session.add(plan)
        plans.append(plan)
    db.session.commit()
    return plans


def completed(resource: Resource, count: int, status=ResourceStatus.COMPLETED) -> None:
    """``count`` members put ``resource`` on their plan, through the service that counts."""
    for plan in planners(count, goals=0):
        resources.add_to_plan(plan.user, resource, status)
    db.session.commit()


def resource(title: str) -> Resource:
    row = Resource(title=title, url="https://example.com/" + title.replace(" ", "-"))
    db.session.add(row)
    db.session.commit()
    return row


def test_nothing_is_shown_below_five(client, guide):
    planners(FIGURE_MIN - 1)
    completed(resource("Google Data Analytics"), FIGURE_MIN - 1)
    for _ in range(FIGURE_MIN - 1):
        share(guide, make_user(), steps=[Step.PROJECTS], months=10)
    figures = guide_figures()
    assert (figures.planners, figures.resources, figures.steps) == (None, [], [])
    html = guide_page(client, guide)
    assert "The community, in figures" not in html
    assert "Google Data Analytics" not in html
    assert "fewer than" not in html.lower()


def test_members_following_a_plan_show_from_five(client, guide):
    planners(FIGURE_MIN - 1)
    planners(3, goals=0)  # a plan without goals is not followed
    assert guide_figures().planners is None
    planners(1)
    assert guide_figures().planners == FIGURE_MIN
    assert "5 members follow a" in guide_page(client, guide)


def test_the_most_completed_resources_show_from_five_each(client, guide):
    popular, second, third, fourth = (resource(t) for t in ("SQL", "Python", "Stats", "Excel"))
    few = resource("Rarely done")
    completed(popular, 8)
    completed(second, 6)
    completed(third, 5)
    completed(fourth, 5)
    completed(few, 4)
    completed(few, 3, status=ResourceStatus.IN_PROGRESS)
    figures = guide_figures()
    assert [(row.title, row.members) for row in figures.resources] == [
        ("SQL", 8),
        ("Python", 6),
        ("Excel", 5),
    ]
    html = guide_page(client, guide)
    assert f'<a href="/resources/{popular.id}">SQL</a>: completed by 8 members' in html
    assert "Rarely done" not in html


def test_median_months_to_a_role_change_per_step(client, guide):
    for months in (6, 8, 10, 12):
        share(guide, make_user(), steps=[Step.CERTIFICATIONS, Step.PROJECTS], months=months)
    share(guide, make_user(), steps=[Step.PROJECTS], months=30, outcome=Outcome.IN_PROGRESS)
    share(guide, make_user(), steps=[Step.PROJECTS], months=40, hidden_at=db.func.now())
    assert guide_figures().steps == []
    again = make_user()
    share(guide, again, steps=[Step.PROJECTS], months=99, age_days=30)
    share(guide, again, steps=[Step.PROJECTS], months=14)  # the latest counts
    figures = guide_figures()
    assert [(row.step, row.members, row.median_months) for row in figures.steps] == [
        (Step.PROJECTS, 5, "10")
    ]
    html = guide_page(client, guide)
    assert "Side projects and portfolio: 10 months (5 members who changed role)" in html


def test_the_guide_page_costs_the_same_statements_with_more_figures(client, guide):
    def statements() -> int:
        cache_for(current_app).clear()
        db.session.expire_all()
        with count_queries() as run:
            guide_page(client, guide)
        return len(run)

    planners(1)
    for months in (3, 4):
        share(guide, make_user(), steps=[Step.PLAN], months=months)
    few = statements()
    planners(12, goals=3)
    completed(resource("SQL"), 6)
    for months in range(5, 12):
        share(guide, make_user(), steps=list(Step), months=months)
    assert statements() == few


def test_the_figures_are_not_on_other_posts(client, guide):
    planners(FIGURE_MIN)
    other = make_post(make_user(), title="Another post")
    response = client.get(f"/posts/{other.id}/{other.slug}")
    assert "The community, in figures" not in response.get_data(as_text=True)
    assert "The community, in figures" in guide_page(client, guide)


def test_flask_seed_adds_the_curated_roles_once(app, runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert "Curated roles for paths added: 2" in first.output
    again = runner.invoke(args=["seed"])
    assert "Curated roles for paths added: 0" in again.output
    assert db.session.scalar(select(db.func.count()).select_from(CareerRole)) >= 20
