"""Calendar downloads: one event as ``.ics`` and every upcoming event as a subscribable feed.

Both only read. One event's file is for whoever may see the event (404 otherwise, as the
event page) and carries its join link when the reader may see it. The feed is fetched by
calendar apps without the member's cookies, so it is the same for everyone: it carries
a join link only when the link is not for attendees only. Responses carry an ETag (the
bytes depend on stored rows alone), so polling apps get ``304 Not Modified`` until an
event changes.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Response, abort, current_app, request, url_for
from flask_login import current_user

from community import permissions
from community.accounts.models import User
from community.events import queries, services
from community.events.blueprint import bp
from community.events.calendar import event_calendar
from community.events.models import Event
from community.extensions import db

#: How long a shared cache or a calendar app may keep a public download before asking again.
EVENT_MAX_AGE = 300
FEED_MAX_AGE = 900
FEED_NAME = "Pathways events"
FEED_FILENAME = "pathways-events.ics"
#: Each event's description in the feed is cut to this; its page (linked) has the rest.
FEED_DESCRIPTION_CHARS = 500


@bp.route("/events/<int:event_id>.ics")
def event_ics(event_id: int):
    event = queries.get_event(event_id)
    if event is None or not permissions.can_view_event(current_user, event):
        abort(404)
    answer = services.rsvp_of(current_user, event)
    body = event_calendar(
        [event],
        domain=calendar_domain(),
        show_link=lambda shown: permissions.can_see_event_link(current_user, shown, answer),
        url_for_event=event_url,
        name=event.title,
        url_for_organiser=organiser_url,
    )
    # What a signed-in member receives may hold a link meant for them alone.
    signed_in = bool(current_user.is_authenticated)
    return _calendar_response(
        body,
        f"{event.slug}.ics",
        f"event-{event.id}.ics",
        max_age=None if signed_in else EVENT_MAX_AGE,
    )


#: The latest all-upcoming calendar this process built: (key, bytes).
_feed: tuple[tuple, bytes] | None = None


@bp.route("/events.ics")
def calendar():
    """Built again only when an event in it changed (``queries.calendar_version``): calendar
    apps poll it, and building hundreds of entries costs a fraction of a second."""
    global _feed
    key = (str(db.engine.url), calendar_domain(), *queries.calendar_version())
    if _feed is None or _feed[0] != key:
        _feed = (key, _build_feed())
    return _calendar_response(_feed[1], FEED_FILENAME, FEED_FILENAME, max_age=FEED_MAX_AGE)


def _build_feed() -> bytes:
    return event_calendar(
        queries.upcoming_for_calendar(),
        domain=calendar_domain(),
        # As a visitor would see it: the feed is fetched without anyone's session.
        show_link=lambda event: permissions.can_see_event_link(None, event),
        url_for_event=event_url,
        name=FEED_NAME,
        url_for_organiser=organiser_url,
        description_chars=FEED_DESCRIPTION_CHARS,
    )


def calendar_domain() -> str:
    """The site's host name for UIDs: ``SERVER_NAME`` when set, else the request's host.

    Any port is dropped, so the UIDs are the same behind a proxy and on a dev server.
    """
    host = (current_app.config.get("SERVER_NAME") or request.host).lower()
    if host.startswith("["):  # an IPv6 address, perhaps with a port after the bracket
        return host[: host.index("]") + 1]
    return host.split(":", 1)[0]


def event_url(event: Event) -> str:
    """The event page's absolute address."""
    return request.url_root.rstrip("/") + services.event_path(event)


def organiser_url(user: User) -> str:
    return url_for("accounts.profile", username=user.username, _external=True)


def _calendar_response(
    body: bytes, filename: str, ascii_filename: str, *, max_age: int | None
) -> Response:
    """The download, cacheable by anyone for ``max_age`` seconds, or (None) by the reader
    alone and checked with the site each time."""
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = _disposition(filename, ascii_filename)
    if max_age is None:
        response.cache_control.private = True
        response.cache_control.no_cache = True
    else:
        response.cache_control.public = True
        response.cache_control.max_age = max_age
    response.add_etag()
    return response.make_conditional(request)


def _disposition(filename: str, ascii_filename: str) -> str:
    """An attachment named ``filename``; a non-ASCII name (a Cyrillic slug) is also given
    as ``filename*`` (RFC 6266), with ``ascii_filename`` for older clients."""
    try:
        filename.encode("ascii")
    except UnicodeEncodeError:
        quoted = quote(unicodedata.normalize("NFC", filename), safe="")
        return f"attachment; filename=\"{ascii_filename}\"; filename*=UTF-8''{quoted}"
    return f'attachment; filename="{filename}"'
