"""Writing the public moderation log: every moderator action, with its reason.

Features record their own moderator actions (approving an event) through ``record``;
this module knows no feature's models.
"""

from __future__ import annotations

from community.accounts.models import User
from community.db import Refused
from community.extensions import db
from community.moderation.models import REASON_MAX, Action, LogEntry, TargetType


class ReasonMissing(Refused):
    def __init__(self, message: str = "Give a reason: it goes in the public moderation log."):
        super().__init__(message, "reason")


def required_reason(reason: str | None) -> str:
    """The reason as logged: trimmed, present, within bounds."""
    text = " ".join((reason or "").split())
    if not text:
        raise ReasonMissing()
    if len(text) > REASON_MAX:
        raise ReasonMissing(f"Keep the reason under {REASON_MAX} characters.")
    return text


def record(
    moderator: User | None,
    action: Action,
    target_type: TargetType,
    target_id: int,
    reason: str,
    subject_id: int | None = None,
    detail: str = "",
) -> LogEntry:
    """Add one line to the log (``moderator`` None: the site acted by itself)."""
    entry = LogEntry(
        moderator_id=moderator.id if moderator else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        subject_id=subject_id,
        reason=required_reason(reason),
        detail=detail[:300],
    )
    db.session.add(entry)
    return entry
