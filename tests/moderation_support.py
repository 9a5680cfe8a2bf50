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


# --- reading what the services stored ------------------------------------------------


def add_comment(post, author: User, body: str = "Same here: it took me a year too."):
    """A comment through the real service, committed."""
    from community.discussions import comment_services

    comment = comment_services.create_comment(post, author, body)
    db.session.commit()
    return comment


def stored(model, row_id: int):
    """The row as the database holds it now (nothing cached in the session)."""
    db.session.expire_all()
    return db.session.get(model, row_id)


def log_entries(action=None, target_type=None, target_id=None) -> list:
    """Moderation log lines, oldest first, narrowed by what is given."""
    from sqlalchemy import select

    from community.moderation.models import LogEntry

    query = select(LogEntry).order_by(LogEntry.id)
    if action is not None:
        query = query.where(LogEntry.action == action)
    if target_type is not None:
        query = query.where(LogEntry.target_type == target_type)
    if target_id is not None:
        query = query.where(LogEntry.target_id == target_id)
    db.session.expire_all()
    return list(db.session.scalars(query))


def reviews_of(target_type, target_id: int) -> list[Review]:
    """Every queue item about one object, open or closed, oldest first."""
    from sqlalchemy import select

    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.target_type == target_type, Review.target_id == target_id)
            .order_by(Review.id)
        )
    )


def moderation_notices(user: User) -> list[str]:
    """The messages ``user`` was sent about moderation, oldest first."""
    from sqlalchemy import select

    from community.notifications.models import Notification

    return list(
        db.session.scalars(
            select(Notification.message)
            .where(
                Notification.user_id == user.id,
                Notification.kind.in_(("moderation", "moderation_queue")),
            )
            .order_by(Notification.id)
        )
    )
