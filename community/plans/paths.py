"""Paths: the from-role → to-role transitions members shared in their experiences."""

from __future__ import annotations

from typing import Any

from community.plans.models import Plan


def suggestion_for(plan: Plan) -> Any | None:
    """The shared path closest to the plan's current and target roles, if any."""
    return None
