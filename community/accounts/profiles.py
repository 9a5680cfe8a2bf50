"""What a member's public profile shows: who they are, the moves they shared, what they wrote.

Named reads for ``/u/<username>``, each a fixed number of statements whatever the
member wrote (``tests/test_profiles.py`` caps them). Only what every visitor may read is
shown: comments neither deleted nor hidden, on posts neither hidden nor held. A member's
own removed words stay on the pages where they were removed, with the reason.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    cast,
    false,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import load_only, raiseload

from community.accounts.models import USERNAME_PATTERN, User
from community.content import excerpt
from community.discussions.comment_models import Comment, Outcome
from community.discussions.models import Post
from community.extensions import db
from community.timeutil import to_zone, utcnow
from community.urls import PageNumbers

#: Items on one page of a member's posts and comments.
ACTIVITY_PER_PAGE = 20
#: The pager counts at most this many items; deeper pages would cost more than they help.
ACTIVITY_CAP = 2_000
#: Experiences listed on the profile, newest first.
EXPERIENCES_SHOWN = 20
#: How much of a body's HTML is read to make its excerpt (posts hold up to 40,000 characters).
EXCERPT_SOURCE = 3_000
EXCERPT_LENGTH = 200

_USERNAME = re.compile(USERNAME_PATTERN)
_CUT_TAG = re.compile(r"<[^>]*$")


def member_named(username: str) -> User | None:
    """The live account at ``/u/<username>``; a name no account can have costs no query."""
    username = username.lower()
    if not _USERNAME.fullmatch(username):
        return None
    return db.session.scalar(
        select(User).where(User.username == username, User.deleted_at.is_(None))
    )


def readable_comment() -> tuple[ColumnElement[bool], ...]:
    """Conditions for a comment every visitor may read: neither deleted nor hidden, on a
    public post. The query joins ``Post``. Mentor cards use it for the mentor's own move."""
    return (Comment.deleted_at.is_(None), Comment.hidden_at.is_(None), Post.public())


def readable_experiences(author_ids: Sequence[int]) -> Select:
    """Experiences the given members shared that every visitor may read (``Post`` joined)."""
    return (
        select(Comment)
        .join(Post, Post.id == Comment.post_id)
        .where(
            Comment.author_id.in_(author_ids),
            Comment.is_experience.is_(True),
            *readable_comment(),
        )
    )


@dataclass(frozen=True)
class SharedExperience:
    """One career move a member shared under the guide."""

    comment_id: int
    from_role: str | None
    to_role: str | None
    months: int | None
    outcome: Outcome | None
    created_at: datetime


def shared_experiences(user: User, limit: int = EXPERIENCES_SHOWN) -> list[SharedExperience]:
    """The member's readable experiences, newest first, without their bodies."""
    rows = db.session.scalars(
        readable_experiences([user.id])
        .options(
            load_only(
                Comment.id,
                Comment.from_role,
                Comment.to_role,
                Comment.months,
                Comment.outcome,
                Comment.created_at,
            ),
            raiseload("*"),
        )
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    )
    return [
        SharedExperience(
            row.id, row.from_role, row.to_role, row.months, row.outcome, row.created_at
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ActivityItem:
    """A post the member started or a comment they wrote, as the profile lists it."""

    kind: str  # "post" or "comment"
    id: int
    created_at: datetime
    post_id: int
    post_title: str
    post_slug: str
    excerpt: str
    #: Comments on the post (posts only).
    replies: int
    is_experience: bool

    @property
    def is_post(self) -> bool:
        return self.kind == "post"


@dataclass
class ActivityPage(PageNumbers):
    """One page of a member's posts and comments, newest first (the pager's protocol)."""

    items: list[ActivityItem]
    page: int
    per_page: int
    #: Items counted, at most ``ACTIVITY_CAP`` + 1.
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(min(self.total, ACTIVITY_CAP) / self.per_page))

    @property
    def is_capped(self) -> bool:
        return self.total > ACTIVITY_CAP


def _own_public_posts(user: User) -> tuple[ColumnElement[bool], ...]:
    return (Post.author_id == user.id, Post.listed())


def _own_readable_comments(user: User) -> tuple[ColumnElement[bool], ...]:
    return (Comment.author_id == user.id, *readable_comment())


def _posts_branch(user: User, limit: int) -> Select:
    return (
        select(
            literal_column("'post'").label("kind"),
            Post.id.label("item_id"),
            Post.created_at.label("created_at"),
            Post.id.label("post_id"),
            Post.title.label("post_title"),
            Post.slug.label("post_slug"),
            func.substr(Post.body_html, 1, EXCERPT_SOURCE).label("body"),
            Post.comment_count.label("replies"),
            false().label("is_experience"),
        )
        .where(*_own_public_posts(user))
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(limit)
    )


def _comments_branch(user: User, limit: int) -> Select:
    return (
        select(
            literal_column("'comment'").label("kind"),
            Comment.id.label("item_id"),
            Comment.created_at.label("created_at"),
            Post.id.label("post_id"),
            Post.shown_title_sql().label("post_title"),
            Post.slug.label("post_slug"),
            func.substr(Comment.body_html, 1, EXCERPT_SOURCE).label("body"),
            cast(null(), Integer).label("replies"),
            Comment.is_experience.label("is_experience"),
        )
        .join(Post, Post.id == Comment.post_id)
        .where(*_own_readable_comments(user))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    )


def _count(user: User) -> Select:
    """Posts plus comments, each counted up to ``ACTIVITY_CAP`` + 1, in one statement."""
    posts = select(Post.id).where(*_own_public_posts(user)).limit(ACTIVITY_CAP + 1).subquery()
    comments = (
        select(Comment.id)
        .join(Post, Post.id == Comment.post_id)
        .where(*_own_readable_comments(user))
        .limit(ACTIVITY_CAP + 1)
        .subquery()
    )
    return select(
        select(func.count()).select_from(posts).scalar_subquery()
        + select(func.count()).select_from(comments).scalar_subquery()
    )


def _excerpt(html: str) -> str:
    return excerpt(_CUT_TAG.sub("", html or ""), EXCERPT_LENGTH)


def activity_page(user: User, page: int, per_page: int = ACTIVITY_PER_PAGE) -> ActivityPage:
    """Page ``page`` of what the member wrote that visitors may read, newest first.

    Two statements: the count (at most ``ACTIVITY_CAP`` + 1 of each kind) and the page,
    a UNION ALL of the member's newest posts and comments, each cut to the rows the page
    needs. A page past the last shows the last.
    """
    total = db.session.scalar(_count(user)) or 0
    pages = max(1, math.ceil(min(total, ACTIVITY_CAP) / per_page))
    page = min(max(page, 1), pages)
    offset = (page - 1) * per_page
    needed = offset + per_page
    listed = union_all(
        select(_posts_branch(user, needed).subquery()),
        select(_comments_branch(user, needed).subquery()),
    ).subquery()
    rows = db.session.execute(
        select(listed)
        .order_by(listed.c.created_at.desc(), listed.c.kind.desc(), listed.c.item_id.desc())
        .offset(offset)
        .limit(per_page)
    ).all()
    items = [
        ActivityItem(
            kind=row.kind,
            id=row.item_id,
            created_at=row.created_at,
            post_id=row.post_id,
            post_title=row.post_title,
            post_slug=row.post_slug,
            excerpt=_excerpt(row.body),
            replies=row.replies or 0,
            is_experience=bool(row.is_experience),
        )
        for row in rows
    ]
    return ActivityPage(items=items, page=page, per_page=per_page, total=total)


# --- dates in words ------------------------------------------------------------------------


def _plural(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def duration_in_words(start: datetime, end: datetime) -> str:
    """How long from ``start`` to ``end``, as a person says it: "3 days", "8 months",
    "1 year", "2 years, 3 months"; "less than a day" at first."""
    if end <= start:
        return "less than a day"
    months = (end.year - start.year) * 12 + end.month - start.month
    if (end.day, end.time()) < (start.day, start.time()):
        months -= 1
    if months < 1:
        days = (end - start).days
        return _plural(days, "day") if days else "less than a day"
    years, rest = divmod(months, 12)
    if not years:
        return _plural(rest, "month")
    if not rest:
        return _plural(years, "year")
    return f"{_plural(years, 'year')}, {_plural(rest, 'month')}"


@dataclass(frozen=True)
class Membership:
    """ "Member since March 2026" and "8 months", without a time-zone label glued on."""

    since: str
    length: str
    joined_at: datetime


def membership(user: User, zone: str, now: datetime | None = None) -> Membership:
    """When the member joined, as the month in the viewer's ``zone``, and for how long."""
    joined = user.created_at
    return Membership(
        since=f"{to_zone(joined, zone):%B %Y}",
        length=duration_in_words(joined, now or utcnow()),
        joined_at=joined,
    )


def local_day(moment: datetime, zone: str) -> str:
    """A date in ``zone`` ("12 Mar 2026"); the page names the zone once, apart from dates."""
    return f"{to_zone(moment, zone):%d %b %Y}".lstrip("0")


def zone_label(zone: str, now: datetime | None = None) -> str:
    """The zone the page's dates are in, named once: "Europe/Paris (CET)", or "UTC"."""
    local = to_zone(now or utcnow(), zone)
    name = str(local.tzinfo).replace("_", " ")
    abbreviation = local.tzname() or ""
    if not abbreviation or abbreviation == name or abbreviation[0] in "+-":
        return name
    return f"{name} ({abbreviation})"


@dataclass(frozen=True)
class ProfilePage:
    """Everything ``/u/<username>`` shows besides the account itself."""

    membership: Membership
    experiences: list[SharedExperience]
    activity: ActivityPage
    zone: str
    zone_label: str


def profile_page(user: User, page: int, zone: str) -> ProfilePage:
    """The profile's reads: three statements however much the member wrote."""
    return ProfilePage(
        membership=membership(user, zone),
        experiences=shared_experiences(user),
        activity=activity_page(user, page),
        zone=zone,
        zone_label=zone_label(zone),
    )
