"""What every stored event is: the organiser's details and the rules they keep.

``check_details`` holds for every way an event is stored (the form, the CLI, sample
data), so the services call it and the form shows its refusals next to their fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from community.db import Forbidden, Refused
from community.discussions.comment_models import Step
from community.events.models import EventFormat, EventKind
from community.timeutil import is_timezone, utcnow

#: The longest an event may last: a week-long conference, not a typo in the year.
LONGEST_EVENT = timedelta(days=31)
#: How far ahead an event may be listed.
FURTHEST_START = timedelta(days=3 * 365)
#: What changes an RSVP'd member must hear of (and their calendar pick up).
MATERIAL_FIELDS = ("starts_at", "ends_at", "timezone", "format", "location", "url")


class EventRefused(Refused):
    """A refused action; ``str(error)`` is shown to the member as is."""


class NotAllowed(EventRefused, Forbidden):
    """The actor may not make this move at all: the view answers 403."""


@dataclass
class EventDetails:
    """What an organiser says about an event, as the form cleaned it (times in UTC)."""

    title: str
    kind: EventKind
    format: EventFormat
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str = ""
    url: str = ""
    is_link_attendees_only: bool = False
    registration_url: str = ""
    website_url: str = ""
    is_free: bool = True
    price: str = ""
    description: str = ""
    guide_step: Step | None = None
    capacity: int | None = None
    tags: list[str] = field(default_factory=list)


def check_details(details: EventDetails, *, is_new: bool, now: datetime | None = None) -> None:
    """The rules every stored event keeps, whoever calls (form, CLI, demo data).

    Raises ``EventRefused`` naming the field the message belongs next to.
    """
    now = now or utcnow()
    if not is_timezone(details.timezone):
        raise EventRefused("Choose a time zone from the list.", "timezone")
    if details.ends_at <= details.starts_at:
        raise EventRefused("The event must end after it starts.", "ends_at")
    if details.ends_at - details.starts_at > LONGEST_EVENT:
        raise EventRefused("An event can last at most 31 days.", "ends_at")
    if is_new and details.starts_at <= now:
        raise EventRefused("A new event must start in the future.", "starts_at")
    if details.starts_at > now + FURTHEST_START:
        raise EventRefused("Events can be listed up to three years ahead.", "starts_at")
    if details.format.has_link and not details.url:
        raise EventRefused("Online and hybrid events need the link to join.", "url")
    if details.format.has_place and not details.location:
        raise EventRefused("In-person and hybrid events need a location.", "location")
    if not details.is_free and not details.price:
        raise EventRefused("Say what a paid event costs, or mark it free.", "price")
    for name in ("url", "registration_url", "website_url"):
        link = getattr(details, name)
        if link and not link.lower().startswith(("http://", "https://")):
            raise EventRefused("Links must start with http:// or https://.", name)
