"""``flask demo-data`` adds sample events: every kind and format, several zones, marked demo."""

from __future__ import annotations

from markupsafe import escape
from sqlalchemy import func, select

from community.accounts.models import Role, User
from community.events.models import Event, EventFormat, EventKind, EventState, Rsvp, RsvpStatus
from community.extensions import db
from community.timeutil import utcnow
from tests.conftest import login_as, make_user


def demo_events(runner) -> list[Event]:
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return list(db.session.scalars(select(Event).order_by(Event.id)))


def statuses(event: Event) -> list[tuple[str, RsvpStatus]]:
    """Who answered and how, in the waitlist's order."""
    rows = db.session.execute(
        select(User.username, Rsvp.status)
        .join(Rsvp, Rsvp.user_id == User.id)
        .where(Rsvp.event_id == event.id)
        .order_by(Rsvp.responded_at, Rsvp.id)
    )
    return [tuple(row) for row in rows]


def test_demo_events_cover_every_kind_format_and_state_once(app, runner):
    events = demo_events(runner)
    now = utcnow()
    assert all(event.title.endswith("(demo)") for event in events)
    assert all(event.description_md.startswith("(Demo)") for event in events)
    listed = [event for event in events if event.state == EventState.PUBLISHED]
    upcoming = [event for event in listed if event.ends_at > now]
    past = [event for event in listed if event.ends_at <= now]
    assert {event.kind for event in upcoming} == set(EventKind)
    assert {event.format for event in upcoming} == set(EventFormat)
    assert {event.kind for event in past} >= {EventKind.CONFERENCE, EventKind.WEBINAR}
    assert {"Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "Africa/Lagos"} <= {
        event.timezone for event in events
    }
    paid = [event for event in events if not event.is_free]
    assert paid and all(event.price for event in paid)
    assert any(event.guide_step for event in upcoming)
    assert all(event.tags for event in events)
    assert all(event.reviewed_by_id and event.published_at for event in listed)

    [pending] = [event for event in events if event.state == EventState.PENDING]
    assert pending.published_at is None and pending.starts_at > now
    [cancelled] = [event for event in events if event.state == EventState.CANCELLED]
    assert cancelled.is_listed and cancelled.cancellation_reason and cancelled.ends_at > now

    # Past events were answered while they were to come; their times were moved back.
    assert all(event.going_count and event.ends_at > event.starts_at for event in past)

    [full] = [event for event in events if event.capacity == 3]
    assert full.is_full and full.going_count == 3 and full.waitlist_count == 2
    answers = statuses(full)
    assert [status for _, status in answers] == [RsvpStatus.GOING] * 3 + [RsvpStatus.WAITLISTED] * 2
    assert all(name.startswith("demo-") for name, _ in answers)
    # Every counter on every event matches its RSVP rows.
    for event in events:
        counted = dict(
            db.session.execute(
                select(Rsvp.status, func.count(Rsvp.id))
                .where(Rsvp.event_id == event.id)
                .group_by(Rsvp.status)
            ).all()
        )
        assert event.going_count == counted.get(RsvpStatus.GOING, 0)
        assert event.interested_count == counted.get(RsvpStatus.INTERESTED, 0)
        assert event.waitlist_count == counted.get(RsvpStatus.WAITLISTED, 0)

    # A second run adds nothing.
    rsvps = db.session.scalar(select(func.count(Rsvp.id)))
    again = demo_events(runner)
    assert [event.id for event in again] == [event.id for event in events]
    assert db.session.scalar(select(func.count(Rsvp.id))) == rsvps


def test_demo_events_show_on_the_pages(app, runner, client):
    events = demo_events(runner)
    now = utcnow()
    listed = client.get("/events/").get_data(as_text=True)
    for event in events:
        shown = str(escape(event.title)) in listed
        assert shown == (event.is_listed and event.ends_at > now), event.title
    assert "full, waitlist open" in listed and "Cancelled" in listed
    webinars = client.get("/events/?kind=webinar").get_data(as_text=True)
    assert "Breaking into data analysis" in webinars
    assert "Career changers" not in webinars and "Career Change Summit" not in webinars

    past = client.get("/events/past").get_data(as_text=True)
    assert "Career Change Summit (demo)" in past
    assert "Breaking into data analysis" not in past

    [full] = [event for event in events if event.capacity == 3]
    page = client.get(f"/events/{full.id}/{full.slug}").get_data(as_text=True)
    assert "3: all taken, 2 waiting" in page and "Dora (demo)" in page
    assert "Europe/Berlin" in page

    [pending] = [event for event in events if event.state == EventState.PENDING]
    assert client.get(f"/events/{pending.id}/{pending.slug}").status_code == 404
    home = client.get("/").get_data(as_text=True)
    # More are coming than fit: the webinars first, then the soonest.
    assert "live Q&amp;A (demo)" in home and "Writing a transition plan" in home
    assert "Product management for career changers" not in home

    login_as(client, make_user("mod", role=Role.MODERATOR))
    queue = client.get("/mod/").get_data(as_text=True)
    assert str(escape(pending.title)) in queue
