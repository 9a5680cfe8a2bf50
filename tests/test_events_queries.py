"""Each events page sends a fixed number of SQL statements, however many events or RSVPs.

Counts are taken with an empty session, as a request in production starts. A signed-in
viewer adds two statements to every page: their sign-in (with the user) and the unread
notification badge.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from community.accounts.models import Role, User
from community.events import services
from community.events.models import EventFormat, EventKind, Rsvp, RsvpStatus
from community.extensions import db
from community.timeutil import utcnow
from tests.conftest import count_queries, login_as, make_user
from tests.events_support import answer, details_of, event_details, make_event, publish

SIGNED_IN = 2  # the viewer's sign-in (session joined to the user) and the unread badge
#: Moderators' navigation counts what waits for them (one statement).
MODERATOR_BADGE = 1

#: Upcoming list: tag suggestions (off in tests: read on every page), the page of events
#: (cards only: no organiser, tags or description), the total for the pager. Filters change
#: WHEREs, not the count.
LIST = 3
#: Past list: the same without the tag suggestions.
PAST = 2
#: Event page: the event with its organiser (joined), its tags, the first attendees.
EVENT = 3
#: Signed in, the viewer's own answer is read too; one waiting reads their place in line.
EVENT_MEMBER = EVENT + SIGNED_IN + 1
EVENT_WAITING = EVENT_MEMBER + 1
#: Moderation queue: the first pending events with organisers (joined); the
#: counts by section (shared with the badge); a page of flagged items and its total; held
#: posts; appeals (an empty page loads no objects or flags).
QUEUE = 1 + 1 + 2 + 1 + 1 + SIGNED_IN
#: Home: the guide, recent posts, experiences that worked (with their steps), mentors with
#: room, the next events (cards only).
HOME = 5

KINDS = list(EventKind)
FORMATS = list(EventFormat)


def statements(client, url: str) -> tuple[int, str]:
    """The statements ``url`` sends, and the page."""
    client.get(url)  # the first view may show a flash; count the steady state
    db.session.expunge_all()
    with count_queries() as sent:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(sent), response.get_data(as_text=True)


def add_events(moderator_id: int, count: int, *, past: int = 0) -> None:
    """``count`` listed events by as many members, every kind and format, tagged; the last
    ``past`` of them moved to the past (services refuse new events that start there)."""
    moderator = db.session.get(User, moderator_id)
    made = []
    for number in range(count):
        event = services.submit_event(
            make_user(),
            event_details(
                title=f"Event {number}",
                kind=KINDS[number % 4],
                format=FORMATS[number // 4 % 3],
                starts_in=timedelta(days=1 + number),
                tags=["career", f"topic{number}"],
                is_free=number // 2 % 2 == 0,
                price="" if number // 2 % 2 == 0 else "€10",
            ),
        )
        made.append(services.approve_event(event, moderator, "Fits the event guidelines."))
    for days_ago, event in enumerate(made[count - past :], start=1):
        event.starts_at = utcnow() - timedelta(days=days_ago)
        event.ends_at = event.starts_at + timedelta(hours=2)
    db.session.commit()


@pytest.fixture
def moderator_id(app) -> int:
    """The moderator who approves events (an id: counting empties the session)."""
    return make_user("mod", role=Role.MODERATOR).id


#: list -> (url, its cap, events it shows from the first 3, from all 30 (20 a page))
LIST_URLS = {
    "upcoming": ("/events/", LIST, 2, 20),
    "by kind": ("/events/?kind=webinar", LIST, 1, 6),
    "every filter": (
        "/events/?kind=webinar&format=online&tag=career&free=y&from_date=2000-01-01"
        "&to_date=2999-12-31",
        LIST,
        1,
        3,
    ),
    "past": ("/events/past", PAST, 1, 10),
    "past by format": ("/events/past?format=online", PAST, 1, 4),
}


@pytest.mark.parametrize("viewer", ["visitor", "member"])
@pytest.mark.parametrize("listing", list(LIST_URLS))
def test_event_lists_send_the_same_statements_for_3_or_30_events(
    client, moderator_id, listing, viewer
):
    url, cap, few_shown, many_shown = LIST_URLS[listing]
    if viewer == "member":
        login_as(client, make_user())
        cap += SIGNED_IN
    add_events(moderator_id, 3, past=1)
    few, page = statements(client, url)
    assert page.count('<li class="event-card') == few_shown
    add_events(moderator_id, 27, past=9)
    many, page = statements(client, url)
    assert page.count('<li class="event-card') == many_shown
    assert few == many == cap


@pytest.fixture
def crowds(moderator_id):
    """Two events whose seats are all taken: one by 3 members, one by 1,000.

    ``going`` holds a seat at both and ``waiting`` waits for one at both, through the
    services; the 1,000 (and their accounts) are inserted in bulk, with the count the
    RSVP service keeps set to match.
    """
    moderator = db.session.get(User, moderator_id)
    going, waiting = make_user("going"), make_user("waiting")
    small = publish(make_event(make_user(), title="Small table", capacity=3), moderator)
    large = publish(make_event(make_user(), title="Full hall", capacity=1_001), moderator)
    for event in (small, large):
        answer(event, going)
    for member in (make_user(), make_user()):
        answer(small, member)

    early = utcnow() - timedelta(days=1)
    db.session.execute(
        insert(User),
        [{"username": f"crowd{n:04d}", "email": f"crowd{n:04d}@example.com"} for n in range(1_000)],
    )
    crowd = db.session.scalars(select(User.id).where(User.username.like("crowd%"))).all()
    db.session.execute(
        insert(Rsvp),
        [
            {
                "event_id": large.id,
                "user_id": user_id,
                "status": RsvpStatus.GOING,
                "responded_at": early + timedelta(seconds=n),
            }
            for n, user_id in enumerate(crowd)
        ],
    )
    large.going_count += len(crowd)
    db.session.commit()
    for event in (small, large):
        assert answer(event, waiting) == RsvpStatus.WAITLISTED
    return {
        "small": f"/events/{small.id}/{small.slug}",
        "large": f"/events/{large.id}/{large.slug}",
        "large_id": large.id,
        "going": going,
        "waiting": waiting,
    }


@pytest.mark.parametrize(
    ("viewer", "cap"),
    [
        ("visitor", EVENT),
        ("going", EVENT_MEMBER),
        ("waiting", EVENT_WAITING),
        ("moderator", EVENT_MEMBER + MODERATOR_BADGE),
    ],
)
def test_event_page_sends_the_same_statements_for_3_or_1000_going(
    client, crowds, moderator_id, viewer, cap
):
    if viewer == "moderator":
        login_as(client, db.session.get(User, moderator_id))
    elif viewer != "visitor":
        login_as(client, crowds[viewer])
    few, page = statements(client, crowds["small"])
    assert "3 going" in page and "3: all taken, 1 waiting" in page
    many, page = statements(client, crowds["large"])
    assert few == many == cap

    going = db.session.scalar(
        select(func.count(Rsvp.id)).where(
            Rsvp.event_id == crowds["large_id"], Rsvp.status == RsvpStatus.GOING
        )
    )
    assert going == 1_001
    assert "1001 going" in page and "and 977 more." in page
    # The first 24 to answer (the crowd answered a day earlier), the rest counted.
    assert page.count('<li><a class="user" href="/u/crowd') == 24
    if viewer == "waiting":
        assert "on the waitlist (number 1)." in page


def test_moderation_queue_sends_the_same_statements_for_1_or_20_pending(client, moderator_id):
    login_as(client, db.session.get(User, moderator_id))
    make_event(make_user(), title="Pending <0>", tags=["career"])
    few, _ = statements(client, "/mod/")
    for number in range(1, 20):
        make_event(make_user(), title=f"Pending {number}", tags=["career", f"t{number}"])
    many, queue = statements(client, "/mod/")
    assert few == many == QUEUE
    assert queue.count('class="card queue-item"') == 20
    assert "Pending &lt;0&gt;" in queue and "Pending 19" in queue


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_home_sends_the_same_statements_for_2_or_30_events(client, moderator_id, viewer):
    cap = HOME
    if viewer == "member":
        login_as(client, make_user())
        cap += SIGNED_IN
    add_events(moderator_id, 2)
    few, _ = statements(client, "/")
    add_events(moderator_id, 28, past=3)
    many, home = statements(client, "/")
    assert few == many == cap
    assert home.count('<li class="event-card') == 4


def _crowd(count: int, prefix: str) -> list[User]:
    """``count`` members inserted in one statement."""
    rows = [
        {"username": f"{prefix}{n}", "email": f"{prefix}{n}@example.com", "password_hash": "x"}
        for n in range(count)
    ]
    db.session.execute(insert(User), rows)
    db.session.commit()
    return list(db.session.scalars(select(User).where(User.username.like(f"{prefix}%"))))


def _statements_to(action) -> int:
    """Statements ``action`` sends. SQLite inserts many rows one statement at a time (in
    process, no round trip), so there the notification inserts are left out; PostgreSQL
    sends them as one batch, and every statement counts."""
    with count_queries() as sent:
        action()
        db.session.commit()
    if db.engine.dialect.name == "sqlite":
        sent = [sql for sql in sent if not sql.startswith("INSERT INTO notifications")]
    return len(sent)


def _seat_then_cancel(size: int, mod: User) -> tuple[int, int]:
    """Statements to seat ``size`` waiting members at once, then to cancel (telling all)."""
    event = make_event(mod, title=f"Crowded {size}", capacity=1)
    for member in _crowd(size + 1, f"w{size}-"):
        answer(event, member)
    more_seats = dataclasses.replace(details_of(event), capacity=size + 1)
    seating = _statements_to(lambda: services.edit_event(event, mod, more_seats))
    db.session.expire_all()
    stored = db.session.get(type(event), event.id)
    assert (stored.going_count, stored.waitlist_count) == (size + 1, 0)
    cancelling = _statements_to(lambda: services.cancel_event(stored, mod, "Venue closed."))
    return seating, cancelling


def test_seating_a_waitlist_and_telling_attendees_do_not_grow_with_the_crowd(app):
    """Raising the capacity seats everyone waiting with one read, and cancelling tells
    every attendee with one read, for 3 members or 40."""
    mod = make_user("mod", role=Role.MODERATOR)
    assert _seat_then_cancel(3, mod) == _seat_then_cancel(40, mod)
