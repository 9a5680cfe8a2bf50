"""The moderation queue and the public log send a fixed number of SQL statements, whatever
they hold, and paginate.

A handful of rows, then a busy site on top of them (10,000 log entries, 1,000 open flags on
posts, comments, events, members and mentorship messages, more held posts, appeals and events
waiting than a page shows) are written straight into the tables in bulk: the services would
take minutes to build as much. Every kind of object is on the first page in both cases, so
the one query per kind that loads them is counted in both.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from community.accounts.models import Role, User
from community.discussions.comment_models import Comment
from community.discussions.models import Post
from community.events.models import Event, EventFormat, EventKind, EventState
from community.extensions import db
from community.mentorship.models import MentorshipMessage, MentorshipRequest, RequestState
from community.moderation import queries
from community.moderation.models import (
    Action,
    Flag,
    FlagReason,
    LogEntry,
    Review,
    ReviewCause,
    Suspension,
    TargetType,
)
from community.timeutil import utcnow
from tests.conftest import count_queries, login_as, make_user

KINDS = (
    TargetType.POST,
    TargetType.COMMENT,
    TargetType.EVENT,
    TargetType.MEMBER,
    TargetType.MESSAGE,
)
REASONS = list(FlagReason)
#: Actions, moderators and kinds cycle with coprime periods (4, 3, 5): whichever filter
#: the log is read with, its first page still names objects of every kind.
LOG_ACTIONS = (Action.HIDE, Action.RESTORE, Action.FEATURE, Action.DISMISS)
MODERATORS = ("moda", "modb", "modc")
#: The newest log entry; each next one is 14 minutes older (10,000 span 97 days).
LOG_NEWEST = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
LOG_STEP = timedelta(minutes=14)

#: The signed-in viewer: their sign-in (session joined to the user), the unread badge.
SIGNED_IN = 2
#: One query per kind of object on a page (posts, comments with their posts, events,
#: members, mentorship messages); no tags: no moderation page shows them.
OBJECTS = 5
#: Queue: what waits, by section (the navigation's badge reads the same count); the page of
#: flag reviews, its total (capped) and the reviews' subjects; their objects; the latest
#: flags (reporters joined) and the counts by reason; held posts (the reviews, their posts,
#: the posts' tags); appeals (the reviews, their suspensions); the first pending events
#: (organisers joined).
QUEUE = SIGNED_IN + 1 + 3 + OBJECTS + 2 + 2 + 2 + 1
#: Log: the page of entries (moderators and subjects joined) and its total (capped), their objects,
#: the moderators for the filter.
LOG = 2 + OBJECTS + 1
#: What the navigation's badge costs a page that does not count the queue itself.
BADGE = 1

SMALL_FLAGS = [3, 2, 2, 1, 1]
#: 1,000 flags on 200 objects, 40 of each kind: the 20 most flagged have 30 down to 11.
BUSY_FLAGS = [30 - rank for rank in range(20)] + [4] * 50 + [3] * 130


@dataclass
class Built:
    """What one ``build`` wrote, to say what the pages should show."""

    #: Flag reviews by rank (most flagged first, then oldest): (id, flag count).
    flagged: list[tuple[int, int]] = field(default_factory=list)
    #: Each flag review's flags: (id, reason), newest first.
    flags: dict[int, list[tuple[int, FlagReason]]] = field(default_factory=dict)
    #: Log entries, newest first: (id, moderator username, action, created_at).
    log: list[tuple[int, str, Action, datetime]] = field(default_factory=list)


def bulk(model, rows: list[dict], *key: str) -> list[int]:
    """Insert ``rows`` in one batch; their ids in the order given, read back by the ``key``
    columns in one query (RETURNING them in order costs a statement per row on SQLite)."""
    if not rows:
        return []
    db.session.execute(insert(model), rows)
    if not key:
        return []
    columns = [getattr(model, name) for name in key]
    found = {tuple(keys): id_ for id_, *keys in db.session.execute(select(model.id, *columns))}
    return [found[tuple(row[name] for name in key)] for row in rows]


#: An open review is one per object and cause.
REVIEW_KEY = ("target_type", "target_id", "cause")


def moderators() -> dict[str, int]:
    """The moderators' ids by username (the log names them)."""
    return {name: make_user(name, role=Role.MODERATOR).id for name in MODERATORS}


def sign_in(client, username: str) -> None:
    login_as(client, db.session.scalar(select(User).where(User.username == username)))


def build(
    prefix: str, staff: dict[str, int], flag_counts: list[int], log_entries: int, waiting: int
) -> Built:
    """Objects of every kind, ``flag_counts[rank]`` flags on the object of that rank (of
    kind ``KINDS[rank % 5]``), ``log_entries`` entries about them, and ``waiting`` each of
    held posts, appeals and pending events."""
    now = utcnow()
    per_kind = math.ceil(len(flag_counts) / len(KINDS))

    def users(name: str, count: int) -> list[int]:
        names = [f"{prefix}{name}{n}" for n in range(count)]
        rows = [{"username": name, "email": f"{name}@example.com"} for name in names]
        return bulk(User, rows, "username")

    # Each kind's objects are apart from the others' (their own authors, comments under
    # posts of their own) so that no page finds another's rows already loaded.
    authors = users("author", max(per_kind, 2))
    members = users("member", per_kind)
    reporters = users("reporter", max(flag_counts))

    def post_row(n: int, kind: str = "post") -> dict:
        return {
            "author_id": authors[n % len(authors)],
            "title": f"Post {prefix}{n}",
            "slug": f"{kind}-{prefix}{n}",
            "body_md": f"Body {n}",
            "body_html": f"<p>Body {n}</p>",
            "held_at": now if kind == "held" else None,
        }

    def event_row(n: int, state: EventState) -> dict:
        starts = now + timedelta(days=n + 1)
        return {
            "organiser_id": authors[n % len(authors)],
            "title": f"Event {prefix}{n}",
            "slug": f"{state.value}-{prefix}{n}",
            "kind": EventKind.WEBINAR,
            "format": EventFormat.ONLINE,
            "state": state,
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=1),
            "timezone": "UTC",
            "published_at": now if state is EventState.PUBLISHED else None,
            "created_at": now - timedelta(minutes=n),
        }

    posts = bulk(Post, [post_row(n) for n in range(per_kind)], "slug")
    held_posts = bulk(Post, [post_row(n, "held") for n in range(waiting)], "slug")
    discussions = bulk(Post, [post_row(n, "discussion") for n in range(per_kind)], "slug")
    comments = bulk(
        Comment,
        [
            {
                "post_id": discussions[n],
                "author_id": authors[n % len(authors)],
                "body_md": f"Comment {prefix}{n}",
                "body_html": f"<p>Comment {n}</p>",
            }
            for n in range(per_kind)
        ],
        "body_md",
    )
    events = bulk(Event, [event_row(n, EventState.PUBLISHED) for n in range(per_kind)], "slug")
    bulk(Event, [event_row(n, EventState.PENDING) for n in range(waiting)])
    (mentorship,) = bulk(
        MentorshipRequest,
        [
            {
                "mentee_id": reporters[0],
                "mentor_id": reporters[-1],
                "state": RequestState.ACCEPTED,
                "message_md": f"Hello from {prefix}",
                "message_html": "<p>Hello</p>",
            }
        ],
        "message_md",
    )
    messages = bulk(
        MentorshipMessage,
        [
            {
                "request_id": mentorship,
                "author_id": (reporters[0], reporters[-1])[n % 2],
                "body_md": f"Message {prefix}{n}",
                "body_html": f"<p>Message {n}</p>",
            }
            for n in range(per_kind)
        ],
        "body_md",
    )
    suspensions = bulk(
        Suspension,
        [
            {
                "user_id": authors[n % len(authors)],
                "moderator_id": staff["moda"],
                "reason": f"Repeated spam ({prefix}{n})",
                "appeal": "I posted the same link twice by mistake.",
                "appealed_at": now,
            }
            for n in range(waiting)
        ],
        "reason",
    )
    # (id, author) of each kind's objects, in order.
    objects = {
        TargetType.POST: [(id_, authors[n % len(authors)]) for n, id_ in enumerate(posts)],
        TargetType.COMMENT: [(id_, authors[n % len(authors)]) for n, id_ in enumerate(comments)],
        TargetType.EVENT: [(id_, authors[n % len(authors)]) for n, id_ in enumerate(events)],
        TargetType.MEMBER: [(id_, id_) for id_ in members],
        TargetType.MESSAGE: [
            (id_, (reporters[0], reporters[-1])[n % 2]) for n, id_ in enumerate(messages)
        ],
    }

    def target(n: int) -> tuple[TargetType, int, int]:
        kind = KINDS[n % len(KINDS)]
        target_id, subject_id = objects[kind][n // len(KINDS) % per_kind]
        return kind, target_id, subject_id

    opened = now - timedelta(days=30)
    review_rows = []
    for rank, count in enumerate(flag_counts):
        kind, target_id, subject_id = target(rank)
        review_rows.append(
            {
                "target_type": kind,
                "target_id": target_id,
                "cause": ReviewCause.FLAGS,
                "subject_id": subject_id,
                "opened_at": opened + timedelta(minutes=rank),
                "flag_count": count,
            }
        )
    # Written in no particular order: the page orders them.
    order = list(range(len(review_rows)))
    random.Random(prefix).shuffle(order)
    ids = bulk(Review, [review_rows[rank] for rank in order], *REVIEW_KEY)
    review_ids = {rank: ids[position] for position, rank in enumerate(order)}
    built = Built(flagged=[(review_ids[rank], count) for rank, count in enumerate(flag_counts)])

    flag_rows = []
    for rank, count in enumerate(flag_counts):
        row = review_rows[rank]
        for number in range(count):
            flag_rows.append(
                {
                    "target_type": row["target_type"],
                    "target_id": row["target_id"],
                    "reporter_id": reporters[number],
                    "reason": REASONS[(rank + number * number) % len(REASONS)],
                    "details": f"Seen {number}",
                    "created_at": row["opened_at"] + timedelta(seconds=number),
                    "review_id": review_ids[rank],
                }
            )
    for row, flag_id in zip(
        flag_rows, bulk(Flag, flag_rows, "review_id", "reporter_id"), strict=True
    ):
        built.flags.setdefault(row["review_id"], []).insert(0, (flag_id, row["reason"]))

    bulk(
        Review,
        [
            {
                "target_type": TargetType.POST,
                "target_id": post_id,
                "cause": ReviewCause.HELD,
                "subject_id": authors[n % len(authors)],
            }
            for n, post_id in enumerate(held_posts)
        ]
        + [
            {
                "target_type": TargetType.SUSPENSION,
                "target_id": suspension_id,
                "cause": ReviewCause.APPEAL,
                "subject_id": authors[n % len(authors)],
            }
            for n, suspension_id in enumerate(suspensions)
        ],
    )

    log_rows = []
    for n in range(log_entries):
        kind, target_id, subject_id = target(n)
        log_rows.append(
            {
                "moderator_id": staff[MODERATORS[n % len(MODERATORS)]],
                "action": LOG_ACTIONS[n % len(LOG_ACTIONS)],
                "target_type": kind,
                "target_id": target_id,
                "subject_id": subject_id,
                "reason": f"Reason {prefix}{n}",
                "created_at": LOG_NEWEST - n * LOG_STEP,
            }
        )
    # Oldest first, as a site writes them.
    log_ids = bulk(LogEntry, log_rows[::-1], "reason")[::-1]
    built.log = [
        (entry_id, MODERATORS[n % len(MODERATORS)], row["action"], row["created_at"])
        for n, (entry_id, row) in enumerate(zip(log_ids, log_rows, strict=True))
    ]
    db.session.commit()
    return built


def handful(staff: dict[str, int]) -> Built:
    return build("s", staff, SMALL_FLAGS, log_entries=60, waiting=1)


def busy_site(staff: dict[str, int]) -> Built:
    """On top of what is there: 10,000 log entries, 1,000 flags, 60 of each waiting."""
    return build("b", staff, BUSY_FLAGS, log_entries=10_000, waiting=60)


def statements(client, url: str) -> tuple[int, str]:
    """The statements ``url`` sends, from an empty session as a request starts, and the page."""
    client.get(url)
    db.session.expunge_all()
    with count_queries() as sent:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(sent), response.get_data(as_text=True)


def ids_in(page: str, prefix: str) -> list[int]:
    """The ids of the items (``review-``, ``log-``) on a page, top to bottom."""
    return [int(found) for found in re.findall(rf'id="{prefix}-(\d+)"', page)]


def pager_status(page: str) -> str | None:
    match = re.search(r'<span class="pager__status">([^<]*)</span>', page)
    return match.group(1) if match else None


# --- the queue -----------------------------------------------------------------------------


def flag_summary(page: str, review_id: int) -> str:
    """One queue item's list of flags, as shown."""
    item = page.split(f'id="review-{review_id}"', 1)[1].split('<li class="card queue-item"', 1)[0]
    return item.split('<ul class="flag-list">', 1)[1].split("</ul>", 1)[0]


def test_queue_sends_the_same_statements_for_a_handful_and_for_a_busy_site(app, client):
    staff = moderators()
    small = handful(staff)
    sign_in(client, "moda")
    few, page = statements(client, "/mod/")
    assert ids_in(page, "review")[: len(SMALL_FLAGS)] == [
        review_id for review_id, _ in small.flagged
    ]
    assert pager_status(page) is None

    busy = busy_site(staff)
    many, page = statements(client, "/mod/")

    assert few == many == QUEUE
    per_page = app.config["MODERATION_QUEUE_PER_PAGE"]
    total = len(SMALL_FLAGS) + len(BUSY_FLAGS)
    # A page of the most flagged, then the first held posts and appeals.
    assert ids_in(page, "review")[:per_page] == [
        review_id for review_id, _ in busy.flagged[:per_page]
    ]
    assert len(ids_in(page, "review")) == per_page + 2 * queries.SECTION_SHOWN
    assert pager_status(page) == f"Page 1 of {math.ceil(total / per_page)}"
    assert f'<span class="badge">{total}</span>' in page
    # The most flagged: its latest flags, newest first, and every flag counted by reason.
    top_id, top_count = busy.flagged[0]
    assert f"{top_count} flags since" in page
    assert re.findall(r": (Seen \d+)</li>", flag_summary(page, top_id)) == [
        f"Seen {number}" for number in range(top_count - 1, top_count - 1 - queries.FLAGS_SHOWN, -1)
    ]
    for reason, count in Counter(reason for _, reason in busy.flags[top_id]).items():
        assert f'<span class="tag">{reason.label} × {count}</span>' in page


def test_queue_later_pages_keep_the_most_flagged_first(app, client):
    staff = moderators()
    busy = busy_site(staff)
    per_page = app.config["MODERATION_QUEUE_PER_PAGE"]
    ranked = [review_id for review_id, _ in busy.flagged]

    sign_in(client, "modb")
    count, page = statements(client, "/mod/?page=2")

    assert count == QUEUE
    assert ids_in(page, "review")[:per_page] == ranked[per_page : 2 * per_page]
    assert pager_status(page) == f"Page 2 of {math.ceil(len(BUSY_FLAGS) / per_page)}"
    assert 'rel="prev" href="/mod/?page=1"' in page
    assert 'rel="next" href="/mod/?page=3"' in page

    # The query itself: most flagged first, ties oldest first, at most FLAGS_SHOWN flags
    # (the latest) on each, all of them counted by reason.
    db.session.expunge_all()
    pagination, items = queries.flagged_page(1, per_page)
    assert pagination.total == len(BUSY_FLAGS)
    assert [(item.review.id, item.review.flag_count) for item in items] == busy.flagged[:per_page]
    for item in items:
        written = busy.flags[item.review.id]
        assert [flag.id for flag in item.flags] == [
            flag_id for flag_id, _ in written[: queries.FLAGS_SHOWN]
        ]
        assert item.reasons == dict(Counter(reason for _, reason in written))
    last, items = queries.flagged_page(pagination.pages, per_page)
    assert (last.page, last.pages) == (10, 10)
    assert [(item.review.id, item.review.flag_count) for item in items] == busy.flagged[-per_page:]


def test_navigation_badge_costs_one_statement(app, client):
    staff = moderators()
    handful(staff)
    member = make_user("mira")
    waiting = len(SMALL_FLAGS) + 1 + 1 + 1

    login_as(client, member)
    as_member, page = statements(client, "/mod/log")
    assert "moderation-link" not in page
    sign_in(client, "moda")
    as_moderator, page = statements(client, "/mod/log")

    assert as_moderator == as_member + BADGE
    assert f'<span class="badge" aria-label="{waiting} waiting" role="img">{waiting}</span>' in page


# --- the log -------------------------------------------------------------------------------

#: Each filter the log offers, alone and together (dates fit ``LOG_NEWEST``).
FILTERS = {
    "none": {},
    "moderator": {"moderator": "modb"},
    "action": {"action": "feature"},
    "from": {"from_date": "2026-02-28"},
    "to": {"to_date": "2026-03-01"},
    "all": {
        "moderator": "modc",
        "action": "hide",
        "from_date": "2026-01-01",
        "to_date": "2026-03-01",
    },
}


def matches(entry: tuple[int, str, Action, datetime], filters: dict[str, str]) -> bool:
    _, moderator, action, created_at = entry
    day = created_at.date()
    return (
        filters.get("moderator", moderator) == moderator
        and filters.get("action", action.value) == action.value
        and day >= date.fromisoformat(filters.get("from_date", "1970-01-01"))
        and day <= date.fromisoformat(filters.get("to_date", "2999-12-31"))
    )


def log_url(filters: dict[str, str], page: int = 1) -> str:
    """The log's address as its pager writes it (the page first)."""
    args = {"page": str(page), **filters} if page > 1 else filters
    query = "&".join(f"{name}={value}" for name, value in args.items())
    return f"/mod/log?{query}" if query else "/mod/log"


def newest_first(entries: list, filters: dict[str, str]) -> list[int]:
    """The ids of the entries a filter keeps, as the log orders them."""
    kept = [entry for entry in entries if matches(entry, filters)]
    return [entry[0] for entry in sorted(kept, key=lambda e: (e[3], e[0]), reverse=True)]


def test_log_sends_the_same_statements_for_a_handful_and_for_a_busy_site(app, client):
    staff = moderators()
    small = handful(staff)
    per_page = app.config["MODERATION_LOG_PER_PAGE"]
    few = {}
    for name, filters in FILTERS.items():
        few[name], page = statements(client, log_url(filters))
        assert ids_in(page, "log") == newest_first(small.log, filters)[:per_page], name

    busy = busy_site(staff)
    written = small.log + busy.log
    many = {}
    for name, filters in FILTERS.items():
        many[name], page = statements(client, log_url(filters))
        chosen = newest_first(written, filters)
        assert ids_in(page, "log") == chosen[:per_page], name
        assert pager_status(page) == f"Page 1 of {counted_pages(len(chosen), per_page)}", name

    assert few == many == dict.fromkeys(FILTERS, LOG)
    assert len(busy.log) == 10_000


def counted_pages(rows: int, per_page: int) -> str:
    """The pager's page count for ``rows``: pages of the first ``COUNT_CAP`` rows, "+" past."""
    if rows > queries.COUNT_CAP:
        return f"{math.ceil(queries.COUNT_CAP / per_page)}+"
    return str(math.ceil(rows / per_page))


def test_log_pager_counts_up_to_its_cap_and_points_to_dates(app, client, monkeypatch):
    """Counting a huge log costs as much as reading it: the pager stops counting at the cap,
    says so, and a page past it shows the last counted page, with a pointer to the dates."""
    few = handful(moderators())
    per_page = app.config["MODERATION_LOG_PER_PAGE"]
    chosen = newest_first(few.log, {})
    cap = per_page + 3
    assert len(chosen) > cap + 1, "the handful has more entries than the cap"
    monkeypatch.setattr(queries, "COUNT_CAP", cap)

    _, first = statements(client, log_url({}))
    assert pager_status(first) == "Page 1 of 2+"
    assert "choose dates above" not in first

    _, beyond = statements(client, log_url({}, page=9))
    assert pager_status(beyond) == "Page 2 of 2+"
    assert ids_in(beyond, "log") == chosen[per_page : 2 * per_page]
    assert "choose dates above to read older entries" in beyond


@pytest.mark.parametrize(
    ("filters", "number"), [({}, 3), (FILTERS["moderator"], 2)], ids=["everything", "moderator"]
)
def test_log_later_page_continues_in_order(app, client, filters, number):
    busy = busy_site(moderators())
    per_page = app.config["MODERATION_LOG_PER_PAGE"]
    chosen = newest_first(busy.log, filters)

    count, page = statements(client, log_url(filters, page=number))

    assert count == LOG
    assert ids_in(page, "log") == chosen[(number - 1) * per_page : number * per_page]
    assert pager_status(page) == f"Page {number} of {counted_pages(len(chosen), per_page)}"
    assert f'rel="next" href="{log_url(filters, page=number + 1)}"'.replace("&", "&amp;") in page


def test_log_past_its_last_page_shows_the_last_page(app, client):
    few = handful(moderators())
    per_page = app.config["MODERATION_LOG_PER_PAGE"]
    chosen = newest_first(few.log, {})
    last = math.ceil(len(chosen) / per_page)

    count, page = statements(client, log_url({}, page=last + 50))

    assert count == LOG  # the count comes first: the last page is read directly
    assert ids_in(page, "log") == chosen[(last - 1) * per_page :]
    assert pager_status(page) == f"Page {last} of {last}"
