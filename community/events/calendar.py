"""Events as iCalendar (RFC 5545): one event's ``.ics`` and the calendar of all upcoming.

The output is built from stored rows only, so the same events give the same bytes (no
"now" in it): calendar apps that poll the feed see a change only when an event changed,
and the view can answer with an ETag. What each VEVENT promises:

- ``UID`` is ``event-<id>@<domain>``: the same event keeps its identity across downloads
  and feeds, so re-importing updates it instead of adding a copy. ``SEQUENCE`` is the
  event's own counter, raised by the services on every change a calendar must pick up.
- ``DTSTART``/``DTEND`` are in the event's own IANA zone with its ``VTIMEZONE``, so an
  event at 18:00 in New York stays at 18:00 there on either side of a daylight-saving
  change, whatever zone the reader's calendar uses.
- The join link of an online or hybrid event appears only where ``show_link`` allows
  (an "attendees only" link never reaches a visitor or a subscribed feed).
- The organiser is named, never addressed: no email address leaves the site.
- ``DESCRIPTION`` is the text a reader of the event page sees, taken from the sanitised
  HTML (``description_html``) rather than the Markdown source: what the sanitiser drops
  from the page is not in the calendar either. Links keep their addresses.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime

from icalendar import Calendar, vCalAddress
from icalendar import Event as CalendarEvent

from community.accounts.models import User
from community.events.models import Event, EventState
from community.timeutil import to_zone

PRODID = "-//Pathways//Events//EN"


def event_uid(event: Event, domain: str) -> str:
    """The event's identity in every calendar: depends on its id and the site alone."""
    return f"event-{event.id}@{domain}"


def event_calendar(
    events: Iterable[Event],
    *,
    domain: str,
    show_link: Callable[[Event], bool],
    url_for_event: Callable[[Event], str],
    name: str,
    url_for_organiser: Callable[[User], str] | None = None,
    description_chars: int | None = None,
) -> bytes:
    """One VCALENDAR holding a VEVENT per event, with the time zones they use.

    ``url_for_event`` gives the event page's absolute URL (``URL`` and the end of
    ``DESCRIPTION``); ``url_for_organiser`` the organiser's profile, used as the
    ``ORGANIZER`` address (the event page when not given or when the account is gone).
    ``description_chars`` shortens each description (a feed of hundreds of events: folding
    long text is most of the cost); the event page's URL always ends it.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.calendar_name = name  # NAME (RFC 7986) and X-WR-CALNAME
    events = list(events)
    for event in events:
        calendar.add_component(
            _vevent(
                event,
                domain,
                show_link(event),
                url_for_event(event),
                url_for_organiser,
                description_chars,
            )
        )
    if events:
        first, last = _span(events)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()


def _vevent(
    event: Event,
    domain: str,
    show_link: bool,
    page_url: str,
    url_for_organiser: Callable[[User], str] | None,
    description_chars: int | None = None,
) -> CalendarEvent:
    vevent = CalendarEvent()
    vevent.add("uid", event_uid(event, domain))
    vevent.add("dtstamp", last_change(event))
    vevent.add("created", event.created_at)
    vevent.add("last-modified", last_change(event))
    vevent.add("sequence", event.sequence)
    vevent.add("summary", event.title)
    vevent.add("dtstart", to_zone(event.starts_at, event.timezone))
    vevent.add("dtend", to_zone(event.ends_at, event.timezone))
    vevent.add("description", _description(event, show_link, page_url, description_chars))
    vevent.add("url", page_url)
    location = _location(event, show_link)
    if location:
        vevent.add("location", location)
    vevent.add("status", _status(event))
    vevent.add("categories", [event.kind.label, *(tag.name for tag in event.tags)])
    vevent.add("organizer", _organiser(event, page_url, url_for_organiser))
    return vevent


def last_change(event: Event) -> datetime:
    """When the event last changed as a calendar sees it (cancelling doesn't edit it)."""
    moments = (event.updated_at, event.published_at, event.cancelled_at)
    return max(moment for moment in moments if moment is not None)


def _status(event: Event) -> str:
    if event.state == EventState.CANCELLED:
        return "CANCELLED"
    if event.state == EventState.PUBLISHED:
        return "CONFIRMED"
    return "TENTATIVE"  # pending or rejected: only its organiser and moderators see it


def _location(event: Event, show_link: bool) -> str:
    """Where it happens: the place, or for an online event its link when it may be shown."""
    if event.format.has_place:
        return event.location
    return event.url if show_link else ""


def _description(event: Event, show_link: bool, page_url: str, chars: int | None = None) -> str:
    parts = []
    if event.state == EventState.CANCELLED:
        reason = f": {event.cancellation_reason}" if event.cancellation_reason else "."
        parts.append(f"This event is cancelled{reason}")
    text = plain_description(event.description_html)
    if chars is not None and len(text) > chars:
        text = text[:chars].rsplit(maxsplit=1)[0] + " …"
    if text:
        parts.append(text)
    if event.format.has_link and event.url:
        if show_link:
            parts.append(f"Join online: {event.url}")
        elif event.is_link_attendees_only:
            parts.append("The link to join is shown on the event page to members going.")
    parts.append(page_url)
    return "\n\n".join(parts)


def _organiser(
    event: Event, page_url: str, url_for_organiser: Callable[[User], str] | None
) -> vCalAddress:
    organiser = event.organiser
    if url_for_organiser is not None and not organiser.is_deleted:
        address = url_for_organiser(organiser)
    else:
        address = page_url
    value = vCalAddress(address)
    value.params["CN"] = organiser.name
    return value


def _span(events: list[Event]) -> tuple[date, date]:
    """Whole years around every event's local times: the stretch the VTIMEZONEs describe."""
    starts = [to_zone(event.starts_at, event.timezone) for event in events]
    ends = [to_zone(event.ends_at, event.timezone) for event in events]
    return date(min(starts).year, 1, 1), date(max(ends).year + 1, 1, 1)


# --- sanitised HTML to plain text ----------------------------------------------------------

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_ITEM = re.compile(r"<li\b[^>]*>", re.IGNORECASE)
_ITEM_END = re.compile(r"</li>\s*", re.IGNORECASE)
_BLOCK_END = re.compile(
    r"(?:</(?:p|div|h[1-6]|ul|ol|blockquote|pre|table|tr)>|<hr\s*/?>)\s*", re.IGNORECASE
)
#: A link whose text is plain: its address is kept beside the text when they differ.
_LINK = re.compile(r'<a\b[^>]*?\bhref="([^"]*)"[^>]*>([^<]*)</a>', re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_BLANK_LINES = re.compile(r"\n{3,}")


def _link_text(match: re.Match) -> str:
    address, text = html.unescape(match.group(1)), html.unescape(match.group(2))
    if not text.strip() or text.strip() == address:
        return html.escape(address, quote=False)
    return html.escape(f"{text} ({address})", quote=False)


def plain_description(description_html: str) -> str:
    """The text of a rendered description, keeping its paragraphs, list items and links.

    ``description_html`` comes from ``render_markdown``, so it is well-formed and holds
    only allowlisted tags; every pattern here is linear in its length.
    """
    text = _LINK.sub(_link_text, description_html or "")
    text = _BREAK.sub("\n", text)
    text = _ITEM.sub("- ", text)
    text = _ITEM_END.sub("\n", text)
    text = _BLOCK_END.sub("\n\n", text)
    text = html.unescape(_TAG.sub("", text))
    lines = [line.rstrip() for line in text.replace("\r", "").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
