"""Building moderation states in tests through the real services (flags, hides, suspensions)."""

from __future__ import annotations

from community.accounts.models import User
from community.extensions import db
from community.moderation import members, services, targets
from community.moderation.models import FlagReason, Review, TargetType


def flag(kind: TargetType, target_id: int, *reporters: User, reason=FlagReason.SPAM) -> Review:
    """Each reporter flags the object once; the open review they share."""
    review = None
    for reporter in reporters:
        review = services.flag(targets.get(kind, target_id), reporter, reason, "looks like spam")
        db.session.commit()
    return review


def moderate(name: str, kind: TargetType, target_id: int, moderator: User, reason: str = "Spam"):
    message = services.moderate(name, targets.get(kind, target_id), moderator, reason)
    db.session.commit()
    return message


def suspend(member: User, moderator: User, reason: str = "Repeated spam", until=None):
    suspension = members.suspend(member, moderator, reason, until)
    db.session.commit()
    return suspension
