"""Members answering one event at once: the seats on the event row never pass its capacity.

Each thread has its own app context, hence its own session and database connection, as
separate web workers would. The RSVP service locks the event's row before it counts, so
on PostgreSQL the answers queue behind one another and each sees the ones before it.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from community.accounts.models import Role, User
from community.events import services
from community.events.models import Event, Rsvp, RsvpStatus
from community.extensions import db
from tests.conftest import make_user
from tests.events_support import answer, answer_all, make_published_event

#: Real row locks and concurrent connections: these run on PostgreSQL only.
on_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

RACERS = 8


def race(app, event_id: int, moves: list[tuple[int, str]]) -> dict[int, str]:
    """Make every ``(user id, choice)`` move at once, each from its own thread.

    Returns each mover's outcome (the status they got, "none" after a cancel, or the
    refusal), by position in ``moves``.
    """
    barrier = threading.Barrier(len(moves))
    outcomes: dict[int, str] = {}
    lock = threading.Lock()

    def move(position: int, user_id: int, choice: str) -> None:
        with app.app_context():
            member = db.session.get(User, user_id)
            event = db.session.get(Event, event_id)
            barrier.wait(timeout=10)
            try:
                status = services.rsvp(event, member, choice)
                db.session.commit()
                outcome = status.value if status else "none"
            except services.EventRefused as error:
                db.session.rollback()
                outcome = f"refused: {error}"
            finally:
                db.session.remove()
            with lock:
                outcomes[position] = outcome

    threads = [
        threading.Thread(target=move, args=(position, user_id, choice))
        for position, (user_id, choice) in enumerate(moves)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == len(moves), "a thread did not finish"
    return outcomes


def rows_by_status(event_id: int) -> dict[RsvpStatus, list[int]]:
    rows = db.session.scalars(
        select(Rsvp).where(Rsvp.event_id == event_id).order_by(Rsvp.responded_at, Rsvp.id)
    )
    found: dict[RsvpStatus, list[int]] = {status: [] for status in RsvpStatus}
    for row in rows:
        found[row.status].append(row.user_id)
    return found


def stored_event(event_id: int) -> Event:
    db.session.expire_all()
    return db.session.get(Event, event_id)


def assert_counters_match_rows(event_id: int) -> tuple[Event, dict[RsvpStatus, list[int]]]:
    event = stored_event(event_id)
    rows = rows_by_status(event_id)
    assert (event.going_count, event.interested_count, event.waitlist_count) == (
        len(rows[RsvpStatus.GOING]),
        len(rows[RsvpStatus.INTERESTED]),
        len(rows[RsvpStatus.WAITLISTED]),
    )
    return event, rows


@pytest.fixture
def event_with_one_seat_left(app) -> Event:
    """A published event for three, two of them taken."""
    moderator = make_user("mod", role=Role.MODERATOR)
    event = make_published_event(make_user("olga"), moderator, capacity=3)
    answer_all(event, [make_user(), make_user()])
    return event


@on_postgresql
def test_racing_for_the_last_seat_seats_exactly_one(app, event_with_one_seat_left):
    assert_one_seat_for_the_racers(app, event_with_one_seat_left)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_racing_for_the_last_seat_on_sqlite_is_serialised(app, event_with_one_seat_left):
    """SQLite has no row locks; the RSVP's first write takes the database's write lock."""
    assert_one_seat_for_the_racers(app, event_with_one_seat_left)


def assert_one_seat_for_the_racers(app, event: Event) -> None:
    event_id = event.id
    racers = [make_user().id for _ in range(RACERS)]
    db.session.remove()

    outcomes = race(app, event_id, [(user_id, "going") for user_id in racers])

    assert sorted(outcomes.values()) == ["going"] + ["waitlisted"] * (RACERS - 1)
    event, rows = assert_counters_match_rows(event_id)
    assert event.going_count == event.capacity == 3
    assert event.waitlist_count == RACERS - 1
    [winner] = [racers[position] for position, outcome in outcomes.items() if outcome == "going"]
    assert winner in rows[RsvpStatus.GOING]
    assert sorted(rows[RsvpStatus.WAITLISTED]) == sorted(set(racers) - {winner})


@on_postgresql
def test_racing_for_an_event_without_a_limit_seats_everyone(app):
    moderator = make_user("mod", role=Role.MODERATOR)
    event_id = make_published_event(make_user("olga"), moderator).id
    racers = [make_user().id for _ in range(RACERS)]
    db.session.remove()

    outcomes = race(app, event_id, [(user_id, "going") for user_id in racers])

    assert list(outcomes.values()) == ["going"] * RACERS
    event, rows = assert_counters_match_rows(event_id)
    assert event.going_count == RACERS
    assert sorted(rows[RsvpStatus.GOING]) == sorted(racers)


@on_postgresql
def test_giving_up_a_seat_while_another_asks_for_it(app):
    """Whichever comes first, the newcomer ends up with the seat and the count stays 1."""
    moderator = make_user("mod", role=Role.MODERATOR)
    event = make_published_event(make_user("olga"), moderator, capacity=1)
    holder, newcomer = make_user(), make_user()
    answer(event, holder)
    event_id, holder_id, newcomer_id = event.id, holder.id, newcomer.id
    db.session.remove()

    outcomes = race(app, event_id, [(holder_id, "cancel"), (newcomer_id, "going")])

    assert outcomes[0] == "none"
    # Before the cancel the newcomer waits and is then seated; after it, seated at once.
    assert outcomes[1] in ("going", "waitlisted")
    event, rows = assert_counters_match_rows(event_id)
    assert rows[RsvpStatus.GOING] == [newcomer_id]
    assert (event.going_count, event.waitlist_count) == (1, 0)


@on_postgresql
def test_seat_holders_leaving_together_seat_the_waitlist_in_order(app):
    moderator = make_user("mod", role=Role.MODERATOR)
    event = make_published_event(make_user("olga"), moderator, capacity=2)
    holders = [make_user(), make_user()]
    waiting = [make_user(), make_user(), make_user()]
    answer_all(event, holders + waiting)
    event_id = event.id
    holder_ids, waiting_ids = [user.id for user in holders], [user.id for user in waiting]
    db.session.remove()

    outcomes = race(app, event_id, [(user_id, "cancel") for user_id in holder_ids])

    assert list(outcomes.values()) == ["none", "none"]
    event, rows = assert_counters_match_rows(event_id)
    assert (event.going_count, event.waitlist_count) == (2, 1)
    assert sorted(rows[RsvpStatus.GOING]) == sorted(waiting_ids[:2])
    assert rows[RsvpStatus.WAITLISTED] == waiting_ids[2:]


@on_postgresql
def test_one_member_answering_twice_at_once_is_counted_once(app, event_with_one_seat_left):
    """A double click, or two tabs: one answer row, one seat."""
    event_id = event_with_one_seat_left.id
    member_id = make_user().id
    db.session.remove()

    outcomes = race(app, event_id, [(member_id, "going"), (member_id, "going")])

    assert list(outcomes.values()) == ["going", "going"]
    event, rows = assert_counters_match_rows(event_id)
    assert rows[RsvpStatus.GOING].count(member_id) == 1
    assert event.going_count == event.capacity
    assert db.session.scalar(select(func.count(Rsvp.id)).where(Rsvp.user_id == member_id)) == 1
