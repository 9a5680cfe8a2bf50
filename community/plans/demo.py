"""Demo plans and paths for ``flask demo-data``.

Three demo members have plans: one shared on a profile, one with mentors, one private, each
started from the guide with goals done over the past months. A few more demo members share
only an experience under the guide, on the moves the first demo members made, so that the
paths map (three members a pair at least) has something to draw.
"""

from __future__ import annotations

import random
from datetime import timedelta

from community.accounts.models import User
from community.accounts.services import register_user
from community.discussions.comment_models import Outcome, Step
from community.discussions.comment_services import Experience, create_comment
from community.discussions.models import Post
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


#: (username, display name, from, to, months, steps that worked): two more members on each
#: of three demo moves (Ana's, Chen's and Dora's), so each is a path of three.
DEMO_TRAVELLERS = (
    ("demo-fay", "Fay (demo)", "Teacher", "Data analyst", 14, (Step.CERTIFICATIONS, Step.PROJECTS)),
    ("demo-gus", "Gus (demo)", "Teacher", "Data analyst", 11, (Step.PROJECTS,)),
    ("demo-hana", "Hana (demo)", "Accountant", "Product manager", 18, (Step.NETWORKING,)),
    ("demo-ivo", "Ivo (demo)", "Accountant", "Product manager", 9, (Step.NETWORKING, Step.PLAN)),
    ("demo-jun", "Jun (demo)", "Nurse", "UX researcher", 16, (Step.CERTIFICATIONS,)),
    ("demo-kai", "Kai (demo)", "Nurse", "UX researcher", 12, (Step.NETWORKING, Step.PROJECTS)),
)
TRAVELLER_NAMES = tuple(row[0] for row in DEMO_TRAVELLERS)


def seed_demo_travellers(guide: Post, password: str, joined_days_ago: int) -> list[User]:
    """The travellers, each with one experience under the guide; most changed role."""
    rng = random.Random(14)
    travellers = []
    for index, (username, name, start, goal, months, steps) in enumerate(DEMO_TRAVELLERS):
        member = register_user(username, f"{username}@example.com", password)
        member.display_name = name
        member.created_at = utcnow() - timedelta(days=joined_days_ago)
        outcome = Outcome.IN_PROGRESS if index % 3 == 2 else Outcome.CHANGED_ROLE
        experience = Experience(
            steps=list(steps), from_role=start, to_role=goal, months=months, outcome=outcome
        )
        body = (
            f"(Demo) {rng.choice(_OPENINGS)} From {start.lower()} to {goal.lower()} took me "
            f"{months} months; {', '.join(step.label.lower() for step in steps)} made the "
            "difference."
        )
        create_comment(guide, member, body, experience=experience)
        travellers.append(member)
    db.session.flush()
    return travellers


_OPENINGS = (
    "Short version of my move.",
    "What worked for me, in one paragraph.",
    "I kept notes the whole way.",
)
