"""Double clicks and two tabs: "Start from the guide" adds each goal once, and the goal limit
holds, when two requests change one plan at the same moment.

Each thread has its own app context (its own session and connection), as two web workers
would. The services lock the plan's row while they count, so the second waits and then sees
what the first did.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from community.accounts.models import User
from community.db import Refused
from community.extensions import db
from community.plans import services
from community.plans.guide_goals import GUIDE_GOALS
from community.plans.models import GOALS_MAX, Goal, Horizon, Plan
from tests.concurrency import at_once
from tests.conftest import make_user

#: Real row locks and concurrent connections: these run on PostgreSQL only.
on_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def race(app, user_id: int, action: Callable[[User], object], racers: int = 2) -> list[str]:
    """Run ``action`` for the member from ``racers`` threads at once; each one's outcome."""

    def attempt() -> str:
        try:
            action(db.session.get(User, user_id))
            db.session.commit()
            return "done"
        except Refused as refusal:
            db.session.rollback()
            return f"refused: {refusal.message}"

    return at_once(app, attempt, racers)


@contextmanager
def slow_counts():
    """Each count of a plan's goals waits a moment before the insert that follows it, so
    without the plan's lock both racers would count the same number."""

    def pause(conn, cursor, statement, parameters, context, executemany):
        if "count(plan_goals.id)" in statement:
            time.sleep(0.3)

    event.listen(db.engine, "after_cursor_execute", pause)
    try:
        yield
    finally:
        event.remove(db.engine, "after_cursor_execute", pause)


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


@on_postgresql
def test_two_first_starts_from_the_guide_make_one_plan_with_each_goal_once(app):
    user_id = make_user("ines").id
    db.session.remove()

    outcomes = race(
        app, user_id, lambda user: services.start_from_guide(services.get_or_create_plan(user))
    )

    assert outcomes == ["done", "done"]
    assert count(Plan, Plan.user_id == user_id) == 1
    assert count(Goal) == len(GUIDE_GOALS)


@on_postgresql
def test_two_goals_added_at_once_never_pass_the_limit(app):
    user = make_user("ines")
    plan = services.get_or_create_plan(user)
    db.session.add_all(
        Goal(plan_id=plan.id, title=f"Goal {number}", horizon=Horizon.SHORT)
        for number in range(GOALS_MAX - 1)
    )
    db.session.commit()
    user_id = user.id
    db.session.remove()

    with slow_counts():
        outcomes = race(
            app,
            user_id,
            lambda member: services.add_goal(services.plan_for(member), "Last one", Horizon.MID),
        )

    assert sorted(outcomes) == [
        "done",
        f"refused: A plan holds up to {GOALS_MAX} goals; remove one first.",
    ]
    assert count(Goal) == GOALS_MAX
