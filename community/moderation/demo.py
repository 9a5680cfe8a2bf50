"""Demo moderation: a comment two demo members flagged, so ``/mod/`` has something to show."""

from __future__ import annotations

from collections.abc import Sequence

from community.accounts.models import User
from community.discussions.comment_services import create_comment
from community.discussions.queries import get_guide
from community.moderation import services, targets
from community.moderation.models import FlagReason, TargetType

SPAM = (
    "(Demo) Guaranteed AI job in 30 days! Our certified course has a 100% placement rate, "
    "message me for a discount code."
)
REASONS = (FlagReason.PROMOTION, FlagReason.SPAM)


def seed_demo_flags(members: Sequence[User]) -> int:
    """One obvious course promotion under the guide, flagged by two other demo members.

    Returns the number of flags (they stay below the automatic hiding threshold).
    """
    author, *reporters = members[: 1 + len(REASONS)]
    spam = create_comment(get_guide(), author, SPAM)
    target = targets.get(TargetType.COMMENT, spam.id)
    for reporter, reason in zip(reporters, REASONS, strict=True):
        services.flag(target, reporter, reason, "Selling a course in the guide's thread.")
    return len(reporters)
