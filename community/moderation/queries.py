"""Named reads for the moderation pages: the queue's sections, the log, the open count.

Every page reads a constant number of queries whatever the queue or log holds: a page of
items, their objects (``targets.load``: one query per kind), and their flags (one query,
at most ``FLAGS_SHOWN`` per item, with counts by reason from one more).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from community.accounts.models import User
from community.db import CappedPagination, paginate
from community.discussions.models import Tag, post_tags
from community.events.models import Event, EventState, event_tags
from community.extensions import db
from community.moderation import targets
from community.moderation.models import Action, Flag, FlagReason, LogEntry, Review, ReviewCause

#: Flags shown with each queue item (the latest); the rest are counted by reason.
FLAGS_SHOWN = 5
#: Rows the queue's and the log's pagers count at most: pages stay as cheap in a big
#: community; older log entries are found by date.
COUNT_CAP = 10_000
#: Held posts and appeals shown at once (oldest first); more wait their turn.
SECTION_SHOWN = 20


@dataclass
class QueueItem:
    review: Review
    target: targets.Target
    #: The latest flags, with reporters.
    flags: list[Flag] = field(default_factory=list)
    #: How many flags gave each reason.
    reasons: dict[FlagReason, int] = field(default_factory=dict)


def flagged_page(page: int, per_page: int) -> tuple[CappedPagination, list[QueueItem]]:
    """Open flag reviews, most flagged first, then oldest first."""
    query = (
        select(Review)
        .where(Review.cause == ReviewCause.FLAGS, Review.closed_at.is_(None))
        # Not joined: on a deep page the planner would join every open review to its
        # member before the OFFSET; a second query reads only this page's members.
        .options(selectinload(Review.subject))
        .order_by(Review.flag_count.desc(), Review.opened_at, Review.id)
    )
    pagination = paginate(query, page, per_page, cap=COUNT_CAP)
    return pagination, _items(pagination.items, with_flags=True)


def waiting(cause: ReviewCause, limit: int = SECTION_SHOWN) -> list[QueueItem]:
    """Open reviews of one cause, oldest first (held posts, appeals)."""
    rows = db.session.scalars(
        select(Review)
        .where(Review.cause == cause, Review.closed_at.is_(None))
        .options(joinedload(Review.subject))
        .order_by(Review.opened_at, Review.id)
        .limit(limit)
    ).all()
    return _items(rows, with_flags=False)


def _items(rows: list[Review], with_flags: bool) -> list[QueueItem]:
    found = targets.load((row.target_type, row.target_id) for row in rows)
    items = [QueueItem(row, found[(row.target_type, row.target_id)]) for row in rows]
    if with_flags and items:
        _attach_flags(items)
    return items


def _attach_flags(items: list[QueueItem]) -> None:
    by_review = {item.review.id: item for item in items}
    ids = list(by_review)
    rank = (
        func.row_number()
        .over(partition_by=Flag.review_id, order_by=(Flag.created_at.desc(), Flag.id.desc()))
        .label("rank")
    )
    latest = select(Flag.id, rank).where(Flag.review_id.in_(ids)).subquery()
    flags = db.session.scalars(
        select(Flag)
        .join(latest, latest.c.id == Flag.id)
        # Said twice so the outer read of flags also goes through the review's index.
        .where(Flag.review_id.in_(ids), latest.c.rank <= FLAGS_SHOWN)
        .options(joinedload(Flag.reporter))
        .order_by(Flag.created_at.desc(), Flag.id.desc())
    )
    for flag in flags:
        by_review[flag.review_id].flags.append(flag)
    counts = db.session.execute(
        select(Flag.review_id, Flag.reason, func.count())
        .where(Flag.review_id.in_(ids))
        .group_by(Flag.review_id, Flag.reason)
    )
    for review_id, reason, count in counts:
        by_review[review_id].reasons[reason] = count


def open_counts() -> dict[str, int]:
    """What waits, by section, in one query: the queue's headings and the navigation badge."""

    def waiting_count(cause: ReviewCause):
        return (
            select(func.count(Review.id))
            .where(Review.cause == cause, Review.closed_at.is_(None))
            .scalar_subquery()
        )

    pending_events = (
        select(func.count(Event.id)).where(Event.state == EventState.PENDING).scalar_subquery()
    )
    row = db.session.execute(
        select(
            waiting_count(ReviewCause.FLAGS),
            waiting_count(ReviewCause.HELD),
            waiting_count(ReviewCause.APPEAL),
            pending_events,
        )
    ).one()
    counts = dict(zip(("flags", "held", "appeals", "events"), row, strict=True))
    counts["total"] = sum(counts.values())
    return counts


def reviews_about(target_type, target_id: int) -> list[QueueItem]:
    """Everything ever queued about one object, newest first, with its flags."""
    rows = db.session.scalars(
        select(Review)
        .where(Review.target_type == target_type, Review.target_id == target_id)
        .options(joinedload(Review.closed_by))
        .order_by(Review.opened_at.desc(), Review.id.desc())
        .limit(20)
    ).all()
    return _items(rows, with_flags=True)


# --- the log -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LogFilters:
    moderator: str = ""
    action: Action | None = None
    from_date: date | None = None
    to_date: date | None = None

    @property
    def active(self) -> bool:
        return bool(self.moderator or self.action or self.from_date or self.to_date)

    def query_args(self) -> dict[str, str]:
        args = {
            "moderator": self.moderator,
            "action": self.action.value if self.action else "",
            "from_date": self.from_date.isoformat() if self.from_date else "",
            "to_date": self.to_date.isoformat() if self.to_date else "",
        }
        return {name: value for name, value in args.items() if value}


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def log_query(filters: LogFilters) -> Select:
    """The log, newest first, with who acted and on whom (joined)."""
    query = (
        select(LogEntry)
        .options(joinedload(LogEntry.moderator), joinedload(LogEntry.subject))
        .order_by(LogEntry.created_at.desc(), LogEntry.id.desc())
    )
    if filters.moderator:
        moderator = select(User.id).where(User.username == filters.moderator.lower())
        query = query.where(LogEntry.moderator_id.in_(moderator))
    if filters.action:
        query = query.where(LogEntry.action == filters.action)
    if filters.from_date:
        query = query.where(LogEntry.created_at >= _day_start(filters.from_date))
    if filters.to_date:
        query = query.where(LogEntry.created_at < _day_start(filters.to_date + timedelta(days=1)))
    return query


def log_page(filters: LogFilters, page: int, per_page: int):
    """(pagination, {(type, id): Target}) for one page of the log."""
    pagination = paginate(log_query(filters), page, per_page, cap=COUNT_CAP)
    found = targets.load((entry.target_type, entry.target_id) for entry in pagination.items)
    return pagination, found


def moderators_in_log() -> list[str]:
    """Usernames of everyone who has acted, for the log's filter."""
    return list(
        db.session.scalars(
            select(User.username)
            .where(User.id.in_(select(LogEntry.moderator_id).distinct()))
            .order_by(User.username)
        )
    )


def flags_by(reporter: User, target_type, target_id: int) -> Flag | None:
    return db.session.scalar(
        select(Flag).where(
            Flag.reporter_id == reporter.id,
            Flag.target_type == target_type,
            Flag.target_id == target_id,
        )
    )


def history_of(member: User, limit: int = 20) -> list[LogEntry]:
    """What moderators did about a member or their content, newest first."""
    return list(
        db.session.scalars(
            select(LogEntry)
            .where(LogEntry.subject_id == member.id)
            .options(joinedload(LogEntry.moderator))
            .order_by(LogEntry.created_at.desc(), LogEntry.id.desc())
            .limit(limit)
        )
    )


#: Tags listed on the merge page (the most used first).
TAGS_SHOWN = 200


def tags_in_use(limit: int = TAGS_SHOWN) -> list[tuple[str, int, int]]:
    """(name, posts, events) for the most used tags, in one query."""
    posts = (
        select(func.count())
        .select_from(post_tags)
        .where(post_tags.c.tag_id == Tag.id)
        .scalar_subquery()
    )
    events = (
        select(func.count())
        .select_from(event_tags)
        .where(event_tags.c.tag_id == Tag.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Tag.name, posts.label("posts"), events.label("events"))
        .order_by((posts + events).desc(), Tag.name)
        .limit(limit)
    )
    return [tuple(row) for row in rows]
