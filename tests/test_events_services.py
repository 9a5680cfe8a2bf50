"""Events at the service level, without HTTP: submitting and its rules, review, cancellation,
edits, RSVPs with a waitlist, leaving Pathways, the named queries and the event predicates.

Every test reads back what the database holds (the event row, the RSVP rows, the
notifications) rather than trusting the objects the services returned.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from community import permissions
from community.accounts.models import Role, User
from community.accounts.services import delete_account
from community.events import queries, rules, services
from community.events.models import Event, EventFormat, EventKind, EventState, Rsvp, RsvpStatus
from community.events.queries import EventFilters
from community.extensions import db
from community.notifications.models import Notification
from community.timeutil import utcnow
from tests.conftest import make_user
from tests.events_support import (
    JOIN_URL,
    answer,
    answer_all,
    details_of,
    event_details,
    make_event,
    make_published_event,
    move_to_past,
)

S = EventState
GOING, INTERESTED, WAITING = RsvpStatus.GOING, RsvpStatus.INTERESTED, RsvpStatus.WAITLISTED


@pytest.fixture
def olga(app) -> User:
    """A member who organises events."""
    return make_user("olga")


@pytest.fixture
def mod(app) -> User:
    return make_user("mod", role=Role.MODERATOR)


def members(count: int) -> list[User]:
    return [make_user() for _ in range(count)]


def stored(event: Event) -> Event:
    """The event as the database holds it now."""
    db.session.expire_all()
    return db.session.get(Event, event.id)


def event_count() -> int:
    return db.session.scalar(select(func.count(Event.id)))


def notes(user: User, kind: str | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


def answers(event: Event) -> dict[RsvpStatus, list[int]]:
    """Who answered what, by user id, each list in the waitlist's order."""
    rows = db.session.scalars(
        select(Rsvp).where(Rsvp.event_id == event.id).order_by(Rsvp.responded_at, Rsvp.id)
    )
    found: dict[RsvpStatus, list[int]] = {status: [] for status in RsvpStatus}
    for row in rows:
        found[row.status].append(row.user_id)
    return found


def assert_counters_match_rows(event: Event) -> Event:
    """The counters on the event row agree with its RSVP rows."""
    event = stored(event)
    rows = answers(event)
    assert (event.going_count, event.interested_count, event.waitlist_count) == (
        len(rows[GOING]),
        len(rows[INTERESTED]),
        len(rows[WAITING]),
    )
    if event.capacity is not None:
        assert event.going_count <= event.capacity
    return event


def ids(users: list[User]) -> list[int]:
    return [user.id for user in users]


def titles(events) -> list[str]:
    return [event.title for event in events]


# --- submitting ----------------------------------------------------------------------------


def test_member_event_waits_for_review(olga):
    event = make_event(olga, tags=["Data", "#data", "career"], description="Bring *questions*.")

    event = stored(event)
    assert event.state == S.PENDING
    assert event.organiser_id == olga.id
    assert event.reviewed_by_id is event.reviewed_at is event.published_at is None
    assert not event.is_listed
    assert event.slug == "career-change-webinar"
    assert event.url == JOIN_URL and event.location == ""
    assert [tag.name for tag in event.tags] == ["career", "data"]
    assert event.description_md == "Bring *questions*."
    assert "<em>questions</em>" in event.description_html
    assert queries.pending_events() == [event]
    assert queries.pending_count() == 1
    assert event not in db.session.scalars(queries.upcoming_query()).all()


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_staff_event_is_published_at_once(app, role):
    staff = make_user("staffer", role=role)

    event = stored(make_event(staff))

    assert event.state == S.PUBLISHED
    assert event.reviewed_by_id == staff.id
    assert event.published_at is not None and event.reviewed_at == event.published_at
    assert queries.pending_events() == []
    assert db.session.scalars(queries.upcoming_query()).all() == [event]


#: (what the organiser got wrong, the EventDetails it gives, the field the message is for)
BROKEN_DETAILS = [
    ("ends before it starts", {"hours": -1}, "ends_at"),
    ("ends as it starts", {"hours": 0}, "ends_at"),
    ("lasts over 31 days", {"hours": 31 * 24 + 1}, "ends_at"),
    ("starts in the past", {"starts_in": -timedelta(hours=1)}, "starts_at"),
    ("starts over three years ahead", {"starts_in": timedelta(days=3 * 366)}, "starts_at"),
    ("online without a link", {"format": EventFormat.ONLINE, "url": ""}, "url"),
    ("hybrid without a link", {"format": EventFormat.HYBRID, "url": ""}, "url"),
    ("in person without a place", {"format": EventFormat.IN_PERSON, "location": ""}, "location"),
    ("hybrid without a place", {"format": EventFormat.HYBRID, "location": ""}, "location"),
    ("paid without a price", {"is_free": False, "price": ""}, "price"),
    ("unknown time zone", {"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ("empty time zone", {"timezone": ""}, "timezone"),
] + [
    (f"{scheme} in {name}", {name: link}, name)
    for name in ("url", "registration_url", "website_url")
    for scheme, link in [
        ("javascript:", "javascript:alert(document.cookie)"),
        ("JavaScript:", "JavaScript:alert(1)"),
        ("data:", "data:text/html,<script>alert(1)</script>"),
        ("ftp:", "ftp://files.example.com/slides.pdf"),
        ("no scheme", "example.com/join"),
    ]
]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [pytest.param(overrides, field, id=name) for name, overrides, field in BROKEN_DETAILS],
)
def test_submit_refuses_broken_details_naming_the_field(olga, mod, overrides, field):
    for organiser in (olga, mod):
        with pytest.raises(services.EventRefused) as refusal:
            services.submit_event(organiser, event_details(**overrides))
        assert not isinstance(refusal.value, services.NotAllowed)
        assert refusal.value.field == field
        assert str(refusal.value)
        db.session.rollback()
    assert event_count() == 0


def test_check_details_limits_are_inclusive(olga):
    """Exactly 31 days, upper-case schemes and a priced event are all fine."""
    event = make_event(
        olga,
        hours=31 * 24,
        url="HTTPS://meet.example.com/x",
        registration_url="http://tickets.example.com",
        website_url="https://example.com",
        is_free=False,
        price="€40, students €10",
    )
    event = stored(event)
    assert event.ends_at - event.starts_at == rules.LONGEST_EVENT
    assert (event.is_free, event.price) == (False, "€40, students €10")
    assert event.registration_url == "http://tickets.example.com"


def test_submit_keeps_only_what_the_format_uses(olga):
    """A free event forgets a price; an online one forgets a place, an in-person one a link."""
    online = stored(make_event(olga, location="Berlin", price="€5", is_link_attendees_only=True))
    assert (online.location, online.price, online.is_link_attendees_only) == ("", "", True)
    in_person = stored(
        make_event(olga, format=EventFormat.IN_PERSON, url=JOIN_URL, is_link_attendees_only=True)
    )
    assert (in_person.url, in_person.is_link_attendees_only) == ("", False)
    assert in_person.location


def test_suspended_member_may_not_submit(app):
    suspended = make_user("sam", suspended=True)

    with pytest.raises(services.NotAllowed):
        services.submit_event(suspended, event_details())
    db.session.rollback()

    assert event_count() == 0


def test_description_is_sanitised_markdown(olga):
    hostile = (
        "**Agenda**\n\n<script>alert('x')</script>\n\n"
        "[slides](javascript:alert(1)) <img src=x onerror=alert(1)> "
        '<a href="data:text/html,hi" onclick="evil()">more</a>'
    )
    event = stored(make_event(olga, description=hostile))

    html = event.description_html
    assert "<strong>Agenda</strong>" in html
    assert "<script" not in html.lower()
    assert "javascript:" not in html.lower()
    assert "data:text" not in html.lower()
    assert "<img" not in html and "onclick" not in html
    # What was not allowed is shown as text, never run.
    assert "&lt;script&gt;" in html and "&lt;img" in html
    assert event.description_md == hostile


# --- review and cancellation ---------------------------------------------------------------


def test_approve_publishes_and_tells_the_organiser(olga, mod):
    event = make_event(olga)

    services.approve_event(event, mod, "Fits the event guidelines.")
    db.session.commit()

    event = stored(event)
    assert event.state == S.PUBLISHED
    assert event.reviewed_by_id == mod.id
    assert event.published_at is not None and event.is_listed
    [note] = notes(olga)
    assert (note.kind, note.actor_id) == ("event_approved", mod.id)
    assert note.url == f"/events/{event.id}/{event.slug}"
    assert event.title in note.message
    assert queries.pending_events() == []


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_needs_a_reason(olga, mod, reason):
    event = make_event(olga)

    with pytest.raises(services.EventRefused) as refusal:
        services.reject_event(event, mod, reason)
    db.session.rollback()

    assert refusal.value.field == "reason"
    assert stored(event).state == S.PENDING
    assert notes(olga) == []


def test_reject_records_the_reason_and_tells_the_organiser(olga, mod):
    event = make_event(olga)

    services.reject_event(event, mod, "  Not about changing careers.  ")
    db.session.commit()

    event = stored(event)
    assert event.state == S.REJECTED
    assert (event.reviewed_by_id, event.rejection_reason) == (mod.id, "Not about changing careers.")
    assert event.reviewed_at is not None and event.published_at is None
    assert not event.is_listed
    [note] = notes(olga)
    assert note.kind == "event_rejected"
    assert "Not about changing careers." in note.message
    assert queries.pending_events() == []


def event_in_state(state: EventState, organiser: User, moderator: User) -> Event:
    event = make_event(organiser)
    if state == S.PUBLISHED:
        services.approve_event(event, moderator, "Fits the event guidelines.")
    elif state == S.REJECTED:
        services.reject_event(event, moderator, "Off topic.")
    elif state == S.CANCELLED:
        services.cancel_event(
            services.approve_event(event, moderator, "Fits the event guidelines."), organiser
        )
    db.session.commit()
    return event


def make_move(move: str, event: Event, actor: User) -> Event:
    if move == "approve":
        return services.approve_event(event, actor, "Fits the event guidelines.")
    if move == "reject":
        return services.reject_event(event, actor, "Off topic.")
    return services.cancel_event(event, actor, "Speaker ill.")


@pytest.mark.parametrize(
    ("move", "state"),
    [
        (move, state)
        for move in ("approve", "reject", "cancel")
        for state in S
        if state
        not in {"approve": (S.PENDING,), "reject": (S.PENDING,)}.get(move, (S.PENDING, S.PUBLISHED))
    ],
)
def test_moves_only_from_their_source_states(olga, mod, move, state):
    event = event_in_state(state, olga, mod)
    before = len(notes(olga))

    with pytest.raises(services.EventRefused) as refusal:
        make_move(move, event, mod)
    db.session.rollback()

    assert not isinstance(refusal.value, services.NotAllowed)
    assert f"This event is {state.value}" in str(refusal.value)
    assert stored(event).state == state
    assert len(notes(olga)) == before


@pytest.mark.parametrize(("move", "done"), [("approve", "approved"), ("cancel", "cancelled")])
def test_refused_move_reads_well(olga, mod, move, done):
    event = event_in_state(S.CANCELLED, olga, mod)

    with pytest.raises(services.EventRefused) as refusal:
        make_move(move, event, mod)
    db.session.rollback()

    assert str(refusal.value) == f"This event is cancelled: it can't be {done} now."


@pytest.mark.parametrize("move", ["approve", "reject"])
@pytest.mark.parametrize("who", ["organiser", "member", "suspended member"])
def test_only_moderators_review(olga, mod, move, who):
    event = make_event(olga)
    actor = {
        "organiser": olga,
        "member": make_user("mira"),
        "suspended member": make_user("sam", suspended=True),
    }[who]

    with pytest.raises(services.NotAllowed):
        make_move(move, event, actor)
    db.session.rollback()

    event = stored(event)
    assert event.state == S.PENDING and event.reviewed_by_id is None
    assert notes(olga) == []


@pytest.mark.parametrize("state", [S.PENDING, S.PUBLISHED])
@pytest.mark.parametrize("by", ["organiser", "moderator"])
def test_organiser_or_moderator_cancels(olga, mod, state, by):
    event = event_in_state(state, olga, mod)
    actor = olga if by == "organiser" else mod
    sequence = event.sequence

    services.cancel_event(event, actor, " Speaker ill. ")
    db.session.commit()

    event = stored(event)
    assert event.state == S.CANCELLED and event.is_cancelled
    assert (event.cancelled_by_id, event.cancellation_reason) == (actor.id, "Speaker ill.")
    assert event.cancelled_at is not None
    assert event.sequence == sequence + 1
    told = notes(olga, "event_cancelled")
    if by == "moderator":
        [note] = told
        assert "Speaker ill." in note.message and note.actor_id == mod.id
    else:
        assert told == []
    assert queries.pending_events() == []


@pytest.mark.parametrize("who", ["member", "suspended organiser"])
def test_others_may_not_cancel(olga, mod, who):
    event = make_published_event(olga, mod)
    if who == "member":
        actor = make_user("mira")
    else:
        olga.suspended_at = utcnow()
        db.session.commit()
        actor = olga

    with pytest.raises(services.NotAllowed):
        services.cancel_event(event, actor)
    db.session.rollback()

    assert stored(event).state == S.PUBLISHED


def test_cancelled_event_stays_listed_marked_and_attendees_hear(olga, mod):
    event = make_published_event(olga, mod, capacity=1)
    going, interested, waiting = members(3)
    answer(event, going)
    answer(event, interested, "interested")
    answer(event, waiting)

    services.cancel_event(event, olga, "The venue flooded.")
    db.session.commit()

    listed = db.session.scalars(queries.upcoming_query()).all()
    assert listed == [stored(event)]
    assert listed[0].is_cancelled and listed[0].is_listed
    assert queries.upcoming_for_home(3) == []
    for member in (going, interested, waiting):
        [note] = notes(member)
        assert note.kind == "event_changed"
        assert "cancelled" in note.message and "The venue flooded." in note.message
        assert note.actor_id == olga.id
    assert notes(olga, "event_cancelled") == []
    # The answers stay on a cancelled event, as they were.
    assert answers(event)[GOING] == [going.id]
    assert_counters_match_rows(event)


def test_cancelled_pending_event_is_not_listed(olga):
    event = make_event(olga)

    services.cancel_event(event, olga)
    db.session.commit()

    assert not stored(event).is_listed
    assert db.session.scalars(queries.upcoming_query()).all() == []


def test_past_event_cannot_be_cancelled(olga, mod):
    event = move_to_past(make_published_event(olga, mod))

    for actor in (olga, mod):
        with pytest.raises(services.EventRefused) as refusal:
            services.cancel_event(event, actor)
        db.session.rollback()
        assert not isinstance(refusal.value, services.NotAllowed)
        assert "over" in str(refusal.value)

    assert stored(event).state == S.PUBLISHED


# --- editing -------------------------------------------------------------------------------


def edit(event: Event, editor: User, **changes) -> bool:
    changed = services.edit_event(event, editor, dataclasses.replace(details_of(event), **changes))
    db.session.commit()
    return changed


@pytest.mark.parametrize("who", ["member", "moderator", "suspended organiser"])
def test_only_the_organiser_edits(olga, mod, who):
    event = make_published_event(olga, mod)
    if who == "suspended organiser":
        olga.suspended_at = utcnow()
        db.session.commit()
    editor = {"member": make_user("mira"), "moderator": mod, "suspended organiser": olga}[who]

    with pytest.raises(services.NotAllowed):
        edit(event, editor, title="Hijacked")
    db.session.rollback()

    assert stored(event).title == "Career-change webinar"


@pytest.mark.parametrize("when", ["cancelled", "past"])
def test_cancelled_or_past_event_cannot_be_edited(olga, mod, when):
    event = make_published_event(olga, mod)
    if when == "cancelled":
        services.cancel_event(event, olga)
        db.session.commit()
    else:
        move_to_past(event)

    with pytest.raises(services.NotAllowed):
        edit(event, olga, title="Renamed")
    db.session.rollback()

    assert stored(event).title == "Career-change webinar"


#: Material changes, each as a function of the event's details.
MATERIAL = {
    "later start": lambda d: {
        "starts_at": d.starts_at + timedelta(days=1),
        "ends_at": d.ends_at + timedelta(days=1),
    },
    "longer": lambda d: {"ends_at": d.ends_at + timedelta(hours=1)},
    "time zone": lambda d: {"timezone": "America/New_York"},
    "link": lambda d: {"url": "https://meet.example.com/new-room"},
    "format": lambda d: {"format": EventFormat.HYBRID, "location": "Berlin"},
}


@pytest.mark.parametrize("change", MATERIAL)
def test_material_change_to_published_event_tells_attendees(olga, mod, change):
    event = make_published_event(olga, mod, capacity=1)
    going, interested, waiting, bystander = members(4)
    answer(event, going)
    answer(event, interested, "interested")
    answer(event, waiting)
    sequence = stored(event).sequence

    assert edit(event, olga, **MATERIAL[change](details_of(event))) is True

    event = stored(event)
    assert event.sequence == sequence + 1
    for member in (going, interested, waiting):
        [note] = notes(member)
        assert (note.kind, note.actor_id) == ("event_changed", olga.id)
        assert "changed its time or place" in note.message
    assert notes(bystander) == [] and notes(olga, "event_changed") == []


def test_place_change_of_in_person_event_is_material(olga, mod):
    event = make_published_event(olga, mod, format=EventFormat.IN_PERSON)
    attendee = make_user()
    answer(event, attendee)

    assert edit(event, olga, location="Another hall, Berlin") is True

    assert stored(event).location == "Another hall, Berlin"
    assert [note.kind for note in notes(attendee)] == ["event_changed"]


def test_non_material_change_tells_nobody(olga, mod):
    event = make_published_event(olga, mod)
    attendee = make_user()
    answer(event, attendee)

    assert edit(event, olga, title="Career change: Q&A", description="New *agenda*") is False

    event = stored(event)
    assert (event.title, event.slug) == ("Career change: Q&A", "career-change-q-a")
    assert "<em>agenda</em>" in event.description_html
    assert event.state == S.PUBLISHED
    assert notes(attendee) == []


def test_editing_pending_event_keeps_it_pending_and_tells_nobody(olga):
    event = make_event(olga)

    edit(event, olga, **MATERIAL["later start"](details_of(event)))

    event = stored(event)
    assert event.state == S.PENDING and event.sequence == 0
    assert notes(olga) == []


def test_editing_pending_event_into_the_past_is_refused(olga):
    event = make_event(olga)
    past = utcnow() - timedelta(days=1)

    with pytest.raises(services.EventRefused) as refusal:
        edit(event, olga, starts_at=past, ends_at=past + timedelta(hours=1))
    db.session.rollback()

    assert refusal.value.field == "starts_at"


def test_editing_rejected_event_sends_it_back_for_review(olga, mod):
    event = event_in_state(S.REJECTED, olga, mod)

    edit(event, olga, title="Career-change webinar (on topic now)")

    event = stored(event)
    assert event.state == S.PENDING
    assert event.reviewed_by_id is event.reviewed_at is None
    assert event.rejection_reason == ""
    assert queries.pending_events() == [event]


def test_edit_applies_the_same_rules_as_submit(olga, mod):
    event = make_published_event(olga, mod)

    with pytest.raises(services.EventRefused) as refusal:
        edit(event, olga, url="javascript:alert(1)")
    db.session.rollback()

    assert refusal.value.field == "url"
    assert stored(event).url == JOIN_URL


def test_capacity_cannot_drop_below_members_going(olga, mod):
    event = make_published_event(olga, mod, capacity=5)
    answer_all(event, members(3))

    with pytest.raises(services.EventRefused) as refusal:
        edit(event, olga, capacity=2)
    db.session.rollback()

    assert refusal.value.field == "capacity"
    assert "3 members are already going" in str(refusal.value)
    assert stored(event).capacity == 5
    edit(event, olga, capacity=3)
    assert stored(event).is_full


def test_raising_capacity_seats_the_waitlist_in_order(olga, mod):
    event = make_published_event(olga, mod, capacity=1)
    first, second, third, fourth = members(4)
    answer_all(event, [first, second, third, fourth])
    assert answers(event)[WAITING] == ids([second, third, fourth])

    edit(event, olga, capacity=3)

    rows = answers(stored(event))
    assert rows[GOING] == ids([first, second, third])
    assert rows[WAITING] == [fourth.id]
    assert_counters_match_rows(event)
    for seated in (second, third):
        [note] = notes(seated)
        assert note.kind == "event_seat" and "seat opened up" in note.message
    assert notes(fourth) == [] and notes(first) == []

    edit(event, olga, capacity=None)

    assert answers(stored(event))[GOING] == ids([first, second, third, fourth])
    assert_counters_match_rows(event)


# --- RSVPs ---------------------------------------------------------------------------------


@pytest.fixture
def webinar(olga, mod) -> Event:
    return make_published_event(olga, mod)


def test_going_interested_and_cancel(webinar):
    member = make_user()

    assert answer(webinar, member) == GOING
    event = assert_counters_match_rows(webinar)
    assert (event.going_count, event.interested_count) == (1, 0)
    assert queries.attendees(event) == [member]

    assert answer(webinar, member, "interested") == INTERESTED
    event = assert_counters_match_rows(webinar)
    assert (event.going_count, event.interested_count) == (0, 1)
    assert answers(event)[INTERESTED] == [member.id]

    assert answer(webinar, member, "going") == GOING
    assert answer(webinar, member, "cancel") is None
    event = assert_counters_match_rows(webinar)
    assert (event.going_count, event.interested_count, event.waitlist_count) == (0, 0, 0)
    assert db.session.scalar(select(func.count(Rsvp.id))) == 0


@pytest.mark.parametrize("choice", ["going", "interested", "cancel"])
def test_repeating_an_answer_changes_nothing(webinar, choice):
    member = make_user()
    first = answer(webinar, member, choice)
    row = services.rsvp_of(member, webinar)
    responded_at = row.responded_at if row else None

    assert answer(webinar, member, choice) == first

    row = services.rsvp_of(member, webinar)
    assert (row.responded_at if row else None) == responded_at
    assert db.session.scalar(select(func.count(Rsvp.id))) == (0 if choice == "cancel" else 1)
    assert_counters_match_rows(webinar)


def test_unknown_choice_is_refused(webinar):
    with pytest.raises(services.EventRefused):
        services.rsvp(webinar, make_user(), "maybe")
    db.session.rollback()
    assert db.session.scalar(select(func.count(Rsvp.id))) == 0


def test_going_to_a_full_event_joins_the_waitlist(olga, mod):
    event = make_published_event(olga, mod, capacity=2)
    crowd = members(4)

    assert answer_all(event, crowd) == [GOING, GOING, WAITING, WAITING]

    event = assert_counters_match_rows(event)
    assert (event.going_count, event.waitlist_count, event.seats_left) == (2, 2, 0)
    assert event.is_full
    assert [queries.waitlist_position(event, services.rsvp_of(m, event)) for m in crowd] == [
        None,
        None,
        1,
        2,
    ]
    assert queries.waitlist_position(event, None) is None
    # Saying "going" again while waiting keeps one's place.
    assert answer(event, crowd[3]) == WAITING
    assert queries.waitlist_position(event, services.rsvp_of(crowd[3], event)) == 2


def test_giving_up_a_seat_seats_the_first_waiting(olga, mod):
    event = make_published_event(olga, mod, capacity=1)
    first, second, third = members(3)
    answer_all(event, [first, second, third])

    answer(event, first, "cancel")

    rows = answers(stored(event))
    assert (rows[GOING], rows[WAITING]) == ([second.id], [third.id])
    [note] = notes(second)
    assert note.kind == "event_seat" and note.url == f"/events/{event.id}/{event.slug}"
    assert notes(third) == []
    assert queries.waitlist_position(event, services.rsvp_of(third, event)) == 1
    assert_counters_match_rows(event)

    answer(event, second, "cancel")

    assert answers(stored(event))[GOING] == [third.id]
    assert [note.kind for note in notes(third)] == ["event_seat"]
    assert_counters_match_rows(event)


def test_interested_instead_of_going_frees_the_seat(olga, mod):
    event = make_published_event(olga, mod, capacity=1)
    first, second = members(2)
    answer_all(event, [first, second])

    assert answer(event, first, "interested") == INTERESTED

    rows = answers(stored(event))
    assert (rows[GOING], rows[INTERESTED], rows[WAITING]) == ([second.id], [first.id], [])
    assert [note.kind for note in notes(second)] == ["event_seat"]
    assert_counters_match_rows(event)
    # Going again now waits: the seat is taken.
    assert answer(event, first) == WAITING


def test_leaving_the_waitlist_seats_nobody(olga, mod):
    event = make_published_event(olga, mod, capacity=1)
    first, second, third = members(3)
    answer_all(event, [first, second, third])

    answer(event, second, "interested")
    answer(event, third, "cancel")

    rows = answers(stored(event))
    assert (rows[GOING], rows[INTERESTED], rows[WAITING]) == ([first.id], [second.id], [])
    assert notes(second) == [] and notes(third) == []
    assert_counters_match_rows(event)


@pytest.mark.parametrize("state", [S.PENDING, S.REJECTED, S.CANCELLED, "past"])
def test_rsvp_refused_unless_listed_and_to_come(olga, mod, state):
    if state == "past":
        event = move_to_past(make_published_event(olga, mod))
    else:
        event = event_in_state(state, olga, mod)
    member = make_user()

    for choice in services.CHOICES:
        with pytest.raises(services.EventRefused) as refusal:
            services.rsvp(event, member, choice)
        db.session.rollback()
        assert not isinstance(refusal.value, services.NotAllowed)
        assert str(refusal.value) == services.refusal_to_rsvp(member, stored(event))

    assert db.session.scalar(select(func.count(Rsvp.id))) == 0
    assert_counters_match_rows(event)


def test_suspended_member_may_not_rsvp(webinar):
    suspended = make_user("sam", suspended=True)

    with pytest.raises(services.NotAllowed):
        services.rsvp(webinar, suspended, "going")
    db.session.rollback()

    assert services.refusal_to_rsvp(suspended, webinar) == "Your account can't RSVP."
    assert db.session.scalar(select(func.count(Rsvp.id))) == 0


def test_event_under_way_still_takes_answers(olga, mod):
    event = make_published_event(olga, mod)
    event.starts_at = utcnow() - timedelta(hours=1)
    db.session.commit()

    assert answer(event, make_user()) == GOING


# --- leaving Pathways ----------------------------------------------------------------------


def test_deleting_an_account_gives_up_answers_and_cancels_upcoming_events(olga, mod):
    full = make_published_event(make_user("host"), mod, title="Full meetup", capacity=1)
    other = make_published_event(make_user("host2"), mod, title="Other webinar")
    upcoming = make_published_event(olga, mod, title="Olga's webinar")
    pending = make_event(olga, title="Olga's draft")
    past = move_to_past(make_published_event(olga, mod, title="Olga's past webinar"))
    waiting, attendee = members(2)
    answer(full, olga)
    answer(full, waiting)
    answer(other, olga, "interested")
    answer(upcoming, attendee)

    delete_account(olga)
    db.session.commit()

    assert answers(stored(full))[GOING] == [waiting.id]
    assert [note.kind for note in notes(waiting)] == ["event_seat"]
    assert_counters_match_rows(full)
    assert answers(stored(other))[INTERESTED] == []
    assert_counters_match_rows(other)
    assert db.session.scalar(select(func.count(Rsvp.id)).where(Rsvp.user_id == olga.id)) == 0

    for event in (upcoming, pending):
        event = stored(event)
        assert event.state == S.CANCELLED
        assert event.cancellation_reason == "The organiser left Pathways."
        assert event.cancelled_by_id == olga.id
    [note] = notes(attendee)
    assert note.kind == "event_changed" and "organiser left" in note.message
    assert stored(past).state == S.PUBLISHED
    assert titles(db.session.scalars(queries.past_query())) == ["Olga's past webinar"]
    # The cancelled event stays listed, marked; all three start at the same minute.
    assert titles(db.session.scalars(queries.upcoming_query())) == [
        "Full meetup",
        "Other webinar",
        "Olga's webinar",
    ]
    assert stored(upcoming).is_listed and stored(upcoming).is_cancelled


@pytest.mark.parametrize("when", ["cancelled", "past"])
def test_deleting_an_account_seats_nobody_at_an_event_that_is_off(olga, mod, when):
    event = make_published_event(olga, mod, capacity=1)
    leaving, waiting = members(2)
    answer_all(event, [leaving, waiting])
    if when == "cancelled":
        services.cancel_event(event, olga)
        db.session.commit()
    else:
        move_to_past(event)
    told = len(notes(waiting))

    delete_account(leaving)
    db.session.commit()

    assert answers(stored(event))[WAITING] == [waiting.id]
    assert len(notes(waiting)) == told


# --- queries -------------------------------------------------------------------------------


def at(event: Event, starts_at: datetime, hours: float = 1) -> Event:
    """Put an event at an exact time (the factories place it relative to now)."""
    event.starts_at = starts_at
    event.ends_at = starts_at + timedelta(hours=hours)
    db.session.commit()
    return event


def test_upcoming_soonest_first_past_latest_first(olga, mod):
    later = make_event(mod, title="Later", starts_in=timedelta(days=20))
    soon = make_event(mod, title="Soon", starts_in=timedelta(days=2))
    under_way = make_event(mod, title="Under way", starts_in=timedelta(days=1))
    at(under_way, utcnow() - timedelta(hours=1), hours=3)
    long_ago = move_to_past(make_event(mod, title="Long ago"), days_ago=30)
    yesterday = move_to_past(make_event(mod, title="Yesterday"), days_ago=1)
    make_event(olga, title="Pending")
    event_in_state(S.REJECTED, olga, mod)

    upcoming = db.session.scalars(queries.upcoming_query()).all()
    past = db.session.scalars(queries.past_query()).all()

    assert upcoming == [under_way, soon, later]
    assert past == [yesterday, long_ago]
    page = queries.events_page(queries.upcoming_query(), page=1, per_page=2)
    assert (titles(page.items), page.total, page.has_next) == (["Under way", "Soon"], 3, True)


@pytest.fixture
def programme(olga, mod) -> dict[str, Event]:
    """Four published events of different kinds, formats, tags and prices."""
    return {
        "webinar": make_event(mod, title="Webinar", starts_in=timedelta(days=3), tags=["data"]),
        "meetup": make_event(
            mod,
            title="Meetup",
            kind=EventKind.MEETUP,
            format=EventFormat.IN_PERSON,
            starts_in=timedelta(days=5),
            tags=["data", "networking"],
            is_free=False,
            price="€5",
        ),
        "workshop": make_event(
            mod,
            title="Workshop",
            kind=EventKind.WORKSHOP,
            format=EventFormat.HYBRID,
            starts_in=timedelta(days=8),
            tags=["ux"],
        ),
        "conference": make_event(
            mod,
            title="Conference",
            kind=EventKind.CONFERENCE,
            format=EventFormat.IN_PERSON,
            starts_in=timedelta(days=12),
            hours=48,
            is_free=False,
            price="€300",
        ),
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (EventFilters(), ["Webinar", "Meetup", "Workshop", "Conference"]),
        (EventFilters(kind=EventKind.MEETUP), ["Meetup"]),
        (EventFilters(format=EventFormat.IN_PERSON), ["Meetup", "Conference"]),
        (EventFilters(format=EventFormat.HYBRID), ["Workshop"]),
        (EventFilters(tag="data"), ["Webinar", "Meetup"]),
        (EventFilters(tag="networking"), ["Meetup"]),
        (EventFilters(tag="nothing"), []),
        (EventFilters(free_only=True), ["Webinar", "Workshop"]),
        (EventFilters(tag="data", free_only=True), ["Webinar"]),
        (EventFilters(format=EventFormat.IN_PERSON, free_only=True), []),
        (EventFilters(kind=EventKind.CONFERENCE, format=EventFormat.IN_PERSON), ["Conference"]),
    ],
)
def test_upcoming_filters(programme, filters, expected):
    assert titles(db.session.scalars(queries.upcoming_query(filters))) == expected


def test_past_query_takes_the_same_filters(programme):
    move_to_past(programme["meetup"], days_ago=2)
    move_to_past(programme["webinar"], days_ago=1)

    past = queries.past_query(EventFilters(kind=EventKind.MEETUP))

    assert titles(db.session.scalars(past)) == ["Meetup"]
    assert titles(db.session.scalars(queries.past_query(EventFilters(tag="data")))) == [
        "Webinar",
        "Meetup",
    ]


def test_date_range_is_in_the_viewers_time_zone(mod):
    day = (utcnow() + timedelta(days=10)).date()
    midnight = datetime.combine(day, time.min, UTC)
    # 23:00-23:45 UTC on ``day`` is already the next day in Berlin (CET or CEST).
    at(make_event(mod, title="Late"), midnight + timedelta(hours=23), hours=0.75)
    at(make_event(mod, title="Noon"), midnight + timedelta(hours=12))

    def on(first: date, last: date, zone: str) -> list[str]:
        filters = EventFilters(starts_from=first, starts_until=last, timezone=zone)
        return titles(db.session.scalars(queries.upcoming_query(filters)))

    next_day = day + timedelta(days=1)
    assert on(day, day, "UTC") == ["Noon", "Late"]
    assert on(day, day, "Europe/Berlin") == ["Noon"]
    assert on(next_day, next_day, "UTC") == []
    assert on(next_day, next_day, "Europe/Berlin") == ["Late"]
    assert on(day, next_day, "Europe/Berlin") == ["Noon", "Late"]


def test_date_range_includes_events_running_into_it(programme):
    """A conference that began before the first day but is still on is shown."""
    conference = programme["conference"]
    second_day = (conference.starts_at + timedelta(days=1)).date()

    filters = EventFilters(starts_from=second_day, timezone="UTC")
    assert titles(db.session.scalars(queries.upcoming_query(filters))) == ["Conference"]

    first_day = programme["webinar"].starts_at.date()
    filters = EventFilters(starts_from=first_day, starts_until=first_day, timezone="UTC")
    assert "Webinar" in titles(db.session.scalars(queries.upcoming_query(filters)))
    assert "Conference" not in titles(db.session.scalars(queries.upcoming_query(filters)))


def test_pending_events_oldest_submission_first(olga, mod):
    first = make_event(olga, title="First", starts_in=timedelta(days=30))
    second = make_event(make_user(), title="Second", starts_in=timedelta(days=2))
    make_event(mod, title="Published")
    third = make_event(olga, title="Third")
    services.reject_event(third, mod, "Duplicate.")
    db.session.commit()

    assert queries.pending_events() == [first, second]
    assert queries.pending_count() == 2


def test_home_shows_soonest_and_puts_webinars_first_only_when_crowded(mod):
    make_event(
        mod,
        title="Meetup 1",
        kind=EventKind.MEETUP,
        format=EventFormat.IN_PERSON,
        starts_in=timedelta(days=1),
    )
    make_event(mod, title="Conference", kind=EventKind.CONFERENCE, starts_in=timedelta(days=2))
    make_event(mod, title="Webinar", starts_in=timedelta(days=3))

    assert titles(queries.upcoming_for_home(3)) == ["Meetup 1", "Conference", "Webinar"]

    make_event(mod, title="Workshop", kind=EventKind.WORKSHOP, starts_in=timedelta(days=4))

    assert titles(queries.upcoming_for_home(3)) == ["Webinar", "Meetup 1", "Conference"]
    assert titles(queries.upcoming_for_home(4)) == ["Meetup 1", "Conference", "Webinar", "Workshop"]


# --- predicates ----------------------------------------------------------------------------


def test_event_predicates_by_person_and_state(olga, mod):
    member, suspended = make_user("mira"), make_user("sam", suspended=True)
    visitor = AnonymousUserMixin()
    pending = make_event(olga, title="Pending")
    published = make_published_event(olga, mod, title="Published")
    past = move_to_past(make_published_event(olga, mod, title="Past"))

    assert [permissions.can_submit_event(u) for u in (visitor, member, suspended, mod)] == [
        False,
        True,
        False,
        True,
    ]
    # Pending events are their organiser's and staff's; listed ones everyone's.
    assert [permissions.can_view_event(u, pending) for u in (visitor, member, olga, mod)] == [
        False,
        False,
        True,
        True,
    ]
    assert all(permissions.can_view_event(u, published) for u in (visitor, member, olga, mod))
    assert [permissions.can_edit_event(u, published) for u in (visitor, member, olga, mod)] == [
        False,
        False,
        True,
        False,
    ]
    assert not permissions.can_edit_event(olga, past)
    assert [permissions.can_approve_event(u, pending) for u in (member, olga, mod)] == [
        False,
        False,
        True,
    ]
    assert not permissions.can_approve_event(mod, published)
    assert permissions.can_reject_event(mod, pending) and not permissions.can_reject_event(
        mod, published
    )
    assert [permissions.can_cancel_event(u, published) for u in (visitor, member, olga, mod)] == [
        False,
        False,
        True,
        True,
    ]
    assert not permissions.can_cancel_event(olga, past)
    assert not permissions.can_cancel_event(mod, past)


def test_attendees_only_link_is_for_those_going(olga, mod):
    event = make_published_event(olga, mod, is_link_attendees_only=True, capacity=1)
    going, waiting, other = members(3)
    answer_all(event, [going, waiting])

    def sees(user) -> bool:
        return permissions.can_see_event_link(user, event, services.rsvp_of(user, event))

    assert [sees(u) for u in (going, waiting, other, olga, mod)] == [True, False, False, True, True]
    assert not sees(AnonymousUserMixin())
    open_event = make_published_event(olga, mod, title="Open link")
    assert permissions.can_see_event_link(AnonymousUserMixin(), open_event)
    in_person = make_published_event(olga, mod, title="Room", format=EventFormat.IN_PERSON)
    assert not permissions.can_see_event_link(olga, in_person)


def test_a_pending_event_that_is_over_can_be_rejected_not_approved(olga, mod):
    event = move_to_past(make_event(olga))

    with pytest.raises(services.EventRefused, match="over"):
        services.approve_event(event, mod, "Fits the event guidelines.")
    db.session.rollback()
    services.reject_event(event, mod, "It took place before anyone reviewed it.")
    db.session.commit()

    assert stored(event).state == EventState.REJECTED


def test_a_suspended_moderator_reviews_nothing(olga):
    suspended_mod = make_user("sus-mod", role=Role.MODERATOR, suspended=True)
    event = make_event(olga)

    with pytest.raises(services.NotAllowed):
        services.approve_event(event, suspended_mod, "Fits the event guidelines.")
    db.session.rollback()

    assert stored(event).state == EventState.PENDING
    assert not permissions.can_moderate(suspended_mod)
