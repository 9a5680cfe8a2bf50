"""Demo plans for ``flask demo-data``: a plan shared on a profile, one shared with mentors,
each started from the guide with goals done over the past months."""

from __future__ import annotations

from datetime import timedelta

from community.accounts.models import User
from community.extensions import db
from community.plans import services
from community.plans.models import Visibility
from community.timeutil import utcnow

#: (username, visibility, goals done, days the plan has run)
DEMO_PLANS = (
    ("demo-ana", Visibility.PROFILE, 5, 210),
    ("demo-chen", Visibility.MENTORS, 3, 120),
    ("demo-dora", Visibility.PRIVATE, 1, 40),
)


def seed_demo_plans(members: list[User], roles: dict[str, tuple[str, str]]) -> int:
    """A plan for some demo members, from and to the roles of their demo story (``roles``:
    username -> (current, target)); the number of plans started. A plan already started from
    the guide is left as it is."""
    by_name = {member.username: member for member in members}
    made = 0
    for username, visibility, done, days in DEMO_PLANS:
        member = by_name.get(username)
        if member is None:
            continue
        plan = services.get_or_create_plan(member)
        if plan.started_from_guide_at is not None:
            continue
        started = utcnow() - timedelta(days=days)
        plan.created_at = started
        services.start_from_guide(plan)
        db.session.refresh(plan)
        services.set_visibility(plan, visibility)
        current, target = roles.get(username, ("", ""))
        services.set_roles(plan, current, [target] if target else [])
        open_goals = [goal for goal in plan.goals if goal.done_at is None]
        for index, goal in enumerate(open_goals[:done]):
            goal.done_at = started + timedelta(days=(index + 1) * days // (done + 1))
        made += 1
    db.session.flush()
    return made
