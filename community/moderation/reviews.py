"""Opening and closing reviews: the moderation queue's items.

Features open reviews (a flag, a held post, an appeal) through here; this module knows
no feature's models, so any of them may import it. Closing is one conditional UPDATE:
when two moderators handle one item at the same moment, one closes it and the other
is told it was handled.
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from community.accounts.models import Role, User
from community.db import Refused, insert_once
from community.extensions import db
from community.moderation.models import Action, Review, ReviewCause, TargetType
from community.notifications.services import notify
from community.timeutil import utcnow

QUEUE_PATH = "/mod/"
QUEUE_KIND = "moderation_queue"

#: What moderators are told when an item first enters the queue.
NOTICES = {
    ReviewCause.FLAGS: "Members flagged a {label}: it waits in the moderation queue.",
    ReviewCause.HELD: "A new member's post with links waits for review.",
    ReviewCause.APPEAL: "A suspended member appealed: the appeal waits in the queue.",
}


class AlreadyHandled(Refused):
    """Another moderator closed the item first; nothing more to do."""


def open_review(
    target_type: TargetType, target_id: int, cause: ReviewCause, subject_id: int | None
) -> tuple[Review, bool]:
    """The open review of this object for this cause, opened now if there is none.

    Returns it and whether this call opened it. Concurrent openers share one row (the
    partial unique index), and moderators are told once per opening, not per flag.
    """
    opened = insert_once(
        Review,
        target_type=target_type,
        target_id=target_id,
        cause=cause,
        subject_id=subject_id,
        opened_at=utcnow(),
        flag_count=0,
    )
    review = db.session.scalar(
        select(Review).where(
            Review.target_type == target_type,
            Review.target_id == target_id,
            Review.cause == cause,
            Review.closed_at.is_(None),
        )
    )
    if opened:
        label = target_type.label
        tell_moderators(NOTICES[cause].format(label=label), QUEUE_PATH, exclude=subject_id)
    return review, opened


def tell_moderators(message: str, url: str, exclude: int | None = None) -> None:
    """One notification per moderator able to act (never the member concerned)."""
    staff = db.session.scalars(
        select(User).where(
            User.role.in_((Role.MODERATOR, Role.ADMIN)),
            User.deleted_at.is_(None),
            User.password_hash.is_not(None),
            User.not_suspended(),
        )
    )
    for moderator in staff:
        if moderator.id != exclude:
            # Its own kind: moderators see the queue in the site; it is not their mail about
            # decisions on their own content (topic "moderation").
            notify(moderator, QUEUE_KIND, message, url)


def add_flag_to(review: Review) -> int:
    """Count one more flag on the review; the new count (one UPDATE, no lost counts)."""
    count = db.session.scalar(
        update(Review)
        .where(Review.id == review.id)
        .values(flag_count=Review.flag_count + 1)
        .returning(Review.flag_count)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(review, ["flag_count"])
    return count


def close(review: Review, moderator: User, outcome: Action) -> None:
    """Close one review, or refuse (``AlreadyHandled``) when another moderator did first."""
    closed = _close_where(Review.id == review.id, moderator, outcome)
    db.session.expire(review)
    if not closed:
        raise AlreadyHandled("Another moderator has already handled this item.")


def close_open_about(
    target_type: TargetType,
    target_id: int,
    moderator: User,
    outcome: Action,
    causes: tuple[ReviewCause, ...] = (ReviewCause.FLAGS, ReviewCause.HELD),
) -> int:
    """Close whatever waits about an object once a moderator acted on it directly."""
    return _close_where(
        (Review.target_type == target_type)
        & (Review.target_id == target_id)
        & Review.cause.in_(causes),
        moderator,
        outcome,
    )


def close_flags_on_person(subject_id: int, moderator: User, outcome: Action) -> int:
    """Close the flags about a member themself: their profile and their private messages
    (what a suspension answers; their posts and comments are judged one by one)."""
    return _close_where(
        (Review.subject_id == subject_id)
        & Review.target_type.in_((TargetType.MEMBER, TargetType.MESSAGE))
        & (Review.cause == ReviewCause.FLAGS),
        moderator,
        outcome,
    )


def _close_where(condition, moderator: User, outcome: Action) -> int:
    result = db.session.execute(
        update(Review)
        .where(condition, Review.closed_at.is_(None))
        .values(closed_at=utcnow(), closed_by_id=moderator.id, outcome=outcome.value)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def open_review_for(target_type: TargetType, target_id: int, cause: ReviewCause) -> Review | None:
    return db.session.scalar(
        select(Review).where(
            Review.target_type == target_type,
            Review.target_id == target_id,
            Review.cause == cause,
            Review.closed_at.is_(None),
        )
    )


def open_count() -> int:
    """Items waiting in the queue (pending events are counted by the events feature)."""
    return db.session.scalar(select(func.count(Review.id)).where(Review.closed_at.is_(None)))
