"""Named reads for the events pages, each with its eager loads.

Every page reads through one of these, so its query count stays the same however many
events or RSVPs there are (``tests/test_events_queries.py`` caps them). "Upcoming" means
not yet over, so an event under way is still listed; cancelled events stay listed, marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, case, false, func, select
from sqlalchemy.orm import defer, lazyload

from community.accounts.models import User
from community.db import CappedPagination, paginate
from community.discussions.models import Tag
from community.events.models import (
    LISTED_STATES,
    Event,
    EventFormat,
    EventKind,
    EventState,
    Rsvp,
    RsvpStatus,
    event_tags,
)
from community.events.rules import LONGEST_EVENT
from community.extensions import db
from community.search.matching import SearchText, matches
from community.timeutil import utcnow

#: The members named on an event page; the rest are counted ("and 970 more").
ATTENDEES_SHOWN = 24
#: Events waiting for review shown at once in the moderation queue (the oldest first).
QUEUE_SHOWN = 50
#: A member's own events and answers shown on "Your events".
OWN_EVENTS_SHOWN = 100
#: Events in the all-upcoming calendar (``/events.ics``).
CALENDAR_EVENTS_MAX = 200


@dataclass(frozen=True)
class EventFilters:
    """The list's filters, as cleaned from the query string; empty ones filter nothing."""

    kind: EventKind | None = None
    format: EventFormat | None = None
    tag: str = ""
    #: Dates in the viewer's zone; the range is inclusive of both days.
    starts_from: date | None = None
    starts_until: date | None = None
    free_only: bool = False
    #: The viewer's zone, for turning the dates into instants.
    timezone: str = "UTC"
    #: Words to find in the title or description (``?q=``), through the site's search.
    search: str = ""

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments, for links that keep them (the pager)."""
        args = {
            "kind": self.kind.value if self.kind else "",
            "format": self.format.value if self.format else "",
            "tag": self.tag,
            "from_date": self.starts_from.isoformat() if self.starts_from else "",
            "to_date": self.starts_until.isoformat() if self.starts_until else "",
            "free": "y" if self.free_only else "",
            "q": self.search,
        }
        return {name: value for name, value in args.items() if value}


def _listed():
    return (Event.published_at.is_not(None), Event.state.in_(LISTED_STATES))


def _day_start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))


def _filtered(query: Select, filters: EventFilters) -> Select:
    if filters.kind:
        query = query.where(Event.kind == filters.kind)
    if filters.format:
        query = query.where(Event.format == filters.format)
    if filters.free_only:
        query = query.where(Event.is_free.is_(True))
    if filters.tag:
        tagged = (
            select(event_tags.c.event_id)
            .join(Tag, Tag.id == event_tags.c.tag_id)
            .where(Tag.name == filters.tag)
        )
        query = query.where(Event.id.in_(tagged))
    if filters.search:
        text = SearchText.parse(filters.search)
        query = query.where(matches(Event, text) if text else false())
    if filters.starts_from:
        query = query.where(Event.ends_at > _day_start(filters.starts_from, filters.timezone))
    if filters.starts_until:
        next_day = filters.starts_until + timedelta(days=1)
        query = query.where(Event.starts_at < _day_start(next_day, filters.timezone))
    return query


def upcoming_query(filters: EventFilters = EventFilters()) -> Select:
    """Listed events not yet over, soonest first.

    An event lasts at most ``LONGEST_EVENT``, so one not yet over started after that long
    ago: the bound lets the index on start times skip the past instead of reading it.
    """
    now = utcnow()
    query = select(Event).where(
        *_listed(), Event.ends_at > now, Event.starts_at > now - LONGEST_EVENT
    )
    return _filtered(query, filters).order_by(Event.starts_at, Event.id)


def past_query(filters: EventFilters = EventFilters()) -> Select:
    """Listed events that are over, the latest first (an event over has started: the
    index on start times is read from now backwards)."""
    now = utcnow()
    query = select(Event).where(*_listed(), Event.ends_at <= now, Event.starts_at <= now)
    return _filtered(query, filters).order_by(Event.starts_at.desc(), Event.id.desc())


#: What a list's card shows: no organiser, tags or description, which only the event
#: page needs (loading them would double the list's cost). Lazy, not forbidden: an
#: object the session already holds stays usable by a page that does need them.
CARD_ONLY = (
    lazyload(Event.organiser),
    lazyload(Event.tags),
    defer(Event.description_md),
    defer(Event.description_html),
)


#: Events a list counts at most ("200+ events"): the count reads no more than this.
COUNT_CAP = 200


def events_page(query: Select, page: int, per_page: int) -> CappedPagination:
    """One page of a list, as cards: one query for the events and one for the (capped) total."""
    return paginate(query.options(*CARD_ONLY), page, per_page, cap=COUNT_CAP)


def upcoming_for_home(limit: int) -> list[Event]:
    """The next few events; when more are coming than fit, webinars first (anyone can join).

    One query: the soonest ``limit * 3`` are read and the webinars among them moved up.
    """
    soonest = list(
        db.session.scalars(
            upcoming_query()
            .where(Event.state == EventState.PUBLISHED)
            .options(*CARD_ONLY)
            .limit(limit * 3)
        )
    )
    if len(soonest) <= limit:
        return soonest
    webinars_first = sorted(soonest, key=lambda event: event.kind != EventKind.WEBINAR)
    return webinars_first[:limit]


def upcoming_for_calendar() -> list[Event]:
    """Every listed event not yet over, for the subscribed calendar (capped)."""
    return list(db.session.scalars(upcoming_query().limit(CALENDAR_EVENTS_MAX)))


def calendar_version() -> tuple:
    """What changes whenever the all-upcoming calendar would: one aggregate row.

    A new, edited, approved or cancelled event moves a timestamp; one that ends leaves
    the count.
    """
    upcoming = upcoming_query().order_by(None).subquery()
    return tuple(
        db.session.execute(
            select(
                func.count(),
                func.max(upcoming.c.updated_at),
                func.max(upcoming.c.published_at),
                func.max(upcoming.c.cancelled_at),
            ).select_from(upcoming)
        ).one()
    )


def get_event(event_id: int) -> Event | None:
    """An event by id, whatever its state (the view decides who may see it)."""
    return db.session.get(Event, event_id)


def attendees(event: Event, limit: int = ATTENDEES_SHOWN) -> list[User]:
    """The first members going, in the order they answered."""
    return list(
        db.session.scalars(
            select(User)
            .join(Rsvp, Rsvp.user_id == User.id)
            .where(
                Rsvp.event_id == event.id,
                Rsvp.status == RsvpStatus.GOING,
                User.deleted_at.is_(None),
            )
            .order_by(Rsvp.responded_at, Rsvp.id)
            .limit(limit)
        )
    )


def waitlist_position(event: Event, rsvp: Rsvp | None) -> int | None:
    """Where a waiting member stands in line (1 is next), or None if they aren't waiting."""
    if rsvp is None or rsvp.status != RsvpStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count(Rsvp.id)).where(
            Rsvp.event_id == event.id,
            Rsvp.status == RsvpStatus.WAITLISTED,
            (Rsvp.responded_at < rsvp.responded_at)
            | ((Rsvp.responded_at == rsvp.responded_at) & (Rsvp.id < rsvp.id)),
        )
    )
    return ahead + 1


def pending_events() -> list[Event]:
    """The oldest ``QUEUE_SHOWN`` events waiting for review (the moderation queue)."""
    return list(
        db.session.scalars(
            select(Event)
            .where(Event.state == EventState.PENDING)
            .options(lazyload(Event.tags))
            .order_by(Event.created_at, Event.id)
            .limit(QUEUE_SHOWN)
        )
    )


def pending_count() -> int:
    return db.session.scalar(select(func.count(Event.id)).where(Event.state == EventState.PENDING))


def organised_by(user: User) -> list[Event]:
    """A member's own events in every state, those to come first, then the latest past."""
    now = utcnow()
    return list(
        db.session.scalars(
            select(Event)
            .where(Event.organiser_id == user.id)
            .order_by(
                case((Event.ends_at > now, 0), else_=1),
                case((Event.ends_at > now, Event.starts_at)),  # to come: soonest first
                Event.starts_at.desc(),  # past: latest first
                Event.id,
            )
            .options(*CARD_ONLY)
            .limit(OWN_EVENTS_SHOWN)
        )
    )


def answered_by(user: User) -> list[tuple[Event, RsvpStatus]]:
    """Events to come that the member answered, soonest first, with their answer."""
    rows = db.session.execute(
        select(Event, Rsvp.status)
        .join(Rsvp, Rsvp.event_id == Event.id)
        .where(Rsvp.user_id == user.id, *_listed(), Event.ends_at > utcnow())
        .order_by(Event.starts_at, Event.id)
        .options(*CARD_ONLY)
        .limit(OWN_EVENTS_SHOWN)
    )
    return [(event, status) for event, status in rows]


_tag_suggestions: tuple[float, str, list[str]] | None = None


def tag_names_in_use() -> list[str]:
    """Tags of events to come, for the filter's suggestions; read once per process every
    ``EVENT_TAG_SUGGESTIONS_SECONDS`` (per database): hints may lag, the list never does."""
    global _tag_suggestions
    now, database = monotonic(), str(db.engine.url)
    if _tag_suggestions and _tag_suggestions[1] == database:
        read_at, _, names = _tag_suggestions
        if now - read_at < current_app.config["EVENT_TAG_SUGGESTIONS_SECONDS"]:
            return names
    names = _read_tag_names()
    _tag_suggestions = (now, database, names)
    return names


def _read_tag_names() -> list[str]:
    return list(
        db.session.scalars(
            select(Tag.name)
            .join(event_tags, event_tags.c.tag_id == Tag.id)
            .join(Event, Event.id == event_tags.c.event_id)
            .where(*_listed(), Event.ends_at > utcnow())
            .distinct()
            .order_by(Tag.name)
            .limit(100)
        )
    )
