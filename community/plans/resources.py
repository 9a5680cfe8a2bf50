"""Learning resources: the catalogue and the resources on members' plans."""

from __future__ import annotations

from community.plans.models import Plan, PlanResource


def plan_resources(plan: Plan) -> list[PlanResource]:
    """The resources on ``plan``, with each resource loaded."""
    return []
