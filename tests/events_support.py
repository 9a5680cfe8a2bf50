"""Factories for the events tests: events made through the services, as members would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from community.accounts.models import User
from community.events import services
from community.events.models import Event, EventFormat, EventKind, RsvpStatus
from community.extensions import db
from community.timeutil import utcnow

JOIN_URL = "https://meet.example.com/career-change"
LOCATION = "Kulturbrauerei, Berlin"


def event_details(
    *,
    title: str = "Career-change webinar",
    kind: EventKind = EventKind.WEBINAR,
    format: EventFormat = EventFormat.ONLINE,
    starts_in: timedelta = timedelta(days=7),
    hours: float = 2,
    timezone: str = "Europe/Berlin",
    capacity: int | None = None,
    **details: Any,
) -> services.EventDetails:
    """What a filled-in event form gives: a link for online/hybrid, a place for in-person/hybrid.

    ``details`` sets any other ``EventDetails`` field (``url``, ``location``, ``is_free``,
    ``price``, ``description``, ``tags``...).
    """
    starts_at = utcnow().replace(second=0, microsecond=0) + starts_in
    if format.has_link:
        details.setdefault("url", JOIN_URL)
    if format.has_place:
        details.setdefault("location", LOCATION)
    return services.EventDetails(
        title=title,
        kind=kind,
        format=format,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        timezone=timezone,
        capacity=capacity,
        **details,
    )


def details_of(event: Event) -> services.EventDetails:
    """The event as its edit form would show it; change fields with ``dataclasses.replace``."""
    return services.EventDetails(
        title=event.title,
        kind=event.kind,
        format=event.format,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        location=event.location,
        url=event.url,
        is_link_attendees_only=event.is_link_attendees_only,
        registration_url=event.registration_url,
        website_url=event.website_url,
        is_free=event.is_free,
        price=event.price,
        description=event.description_md,
        guide_step=event.guide_step,
        capacity=event.capacity,
        tags=[tag.name for tag in event.tags],
    )


def make_event(organiser: User, **details: Any) -> Event:
    """An event submitted through ``services.submit_event`` and committed; ``details`` are
    ``event_details``'s. Pending for a member, published at once for a moderator."""
    event = services.submit_event(organiser, event_details(**details))
    db.session.commit()
    return event


def publish(event: Event, moderator: User) -> Event:
    """Approve a pending event, as a moderator would, and commit."""
    event = services.approve_event(event, moderator, "Fits the event guidelines.")
    db.session.commit()
    return event


def make_published_event(organiser: User, moderator: User, **kwargs: Any) -> Event:
    """A member's event, approved by ``moderator`` (``kwargs`` as for ``make_event``)."""
    return publish(make_event(organiser, **kwargs), moderator)


def move_to_past(event: Event, *, days_ago: float = 3, hours: float = 2) -> Event:
    """Make an event one that took place (services refuse new events in the past)."""
    event.starts_at = utcnow().replace(microsecond=0) - timedelta(days=days_ago)
    event.ends_at = event.starts_at + timedelta(hours=hours)
    db.session.commit()
    return event


def answer(event: Event, member: User, choice: str = "going") -> RsvpStatus | None:
    """RSVP through the service and commit; returns where the member now stands."""
    status = services.rsvp(event, member, choice)
    db.session.commit()
    return status


def answer_all(event: Event, members: list[User], choice: str = "going") -> list[RsvpStatus | None]:
    """Each member answers in turn (so the waitlist follows the list's order)."""
    return [answer(event, member, choice) for member in members]
