"""The plan pages: ``/plan`` (the member's own) and ``/u/<username>/plan`` (shared ones)."""

from __future__ import annotations

from community.plans import models  # noqa: F401
from community.plans.blueprint import bp  # noqa: F401
