"""What every template can use: navigation, permissions, time formatting."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, g, get_flashed_messages, has_request_context, url_for
from flask_login import current_user
from markupsafe import Markup

from community import permissions
from community.content import excerpt
from community.notifications.services import UNREAD_COUNTED, unread_count
from community.timeutil import format_range, to_zone, utcnow

#: (label, endpoint) of the main sections; a section shows once its blueprint exists.
NAV_SECTIONS = [
    ("Discussions", "discussions.index"),
    ("Mentors", "mentorship.directory"),
    ("Events", "events.index"),
]


def viewer_timezone() -> str:
    if getattr(current_user, "is_authenticated", False):
        return current_user.timezone
    return "UTC"


def format_datetime(moment: datetime | None, fmt: str = "%d %b %Y, %H:%M") -> str:
    """A timestamp in the viewer's time zone, with the zone's abbreviation."""
    return format_in_zone(moment, viewer_timezone(), fmt)


def format_in_zone(moment: datetime | None, zone: str, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """A timestamp in a named zone (an event's own), with the zone's abbreviation."""
    if moment is None:
        return ""
    local = to_zone(moment, zone)
    return f"{local.strftime(fmt)} {local.tzname()}"


#: Past this age a relative time gives way to the date ("12 Mar 2026").
RELATIVE_LIMIT = timedelta(days=7)
#: Clocks disagree by a little: a moment this far ahead of now still reads "just now".
CLOCK_SKEW = timedelta(minutes=1)


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}{'' if number == 1 else 's'} ago"


def relative_words(moment: datetime, now: datetime, zone: str = "UTC") -> str:
    """How long ago ``moment`` was, as a reader says it: "just now", "5 minutes ago",
    "3 hours ago", "yesterday", "3 days ago", then the date in ``zone`` past a week (and
    for a moment in the future, which a relative phrase would misstate)."""
    age = now - moment
    if age < -CLOCK_SKEW or age >= RELATIVE_LIMIT:
        return f"{to_zone(moment, zone):%d %b %Y}"
    if age < timedelta(minutes=1):
        return "just now"
    if age < timedelta(hours=1):
        return _count(age // timedelta(minutes=1), "minute")
    if age < timedelta(days=1):
        return _count(age // timedelta(hours=1), "hour")
    if age < timedelta(days=2):
        return "yesterday"
    return f"{age.days} days ago"


def relative_time(moment: datetime | None, now: datetime | None = None) -> Markup:
    """A ``<time>`` element reading "3 hours ago", with the instant in ``datetime`` and the
    absolute time in the viewer's zone as its title. Rendered on the server, so only pages
    rendered afresh use it (never cached HTML, whose wording would go stale)."""
    if moment is None:
        return Markup("")
    zone = viewer_timezone()
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        moment.isoformat(),
        format_in_zone(moment, zone, "%d %b %Y, %H:%M"),
        relative_words(moment, now or utcnow(), zone),
    )


def unread_notifications() -> int:
    """The signed-in member's unread count, counted once per request.

    A page renders several templates (the post page: its thread, then the page), and
    each would otherwise run the navigation's count again.
    """
    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = unread_count(current_user)
    return g.unread_notifications


def badge_count(count: int) -> str:
    """A badge's figure: "99+" past what the unread count reads."""
    return f"{UNREAD_COUNTED}+" if count > UNREAD_COUNTED else str(count)


def moderation_counts() -> dict[str, int]:
    """What waits for a moderator, by section, counted once per request (the navigation's
    badge and the queue's headings share it)."""
    if "moderation_counts" not in g:
        from community.moderation.queries import open_counts

        g.moderation_counts = open_counts()
    return g.moderation_counts


def moderation_waiting() -> int:
    """Items waiting for a moderator (flags, held posts, appeals, events), for the badge."""
    if not permissions.can_moderate(current_user):
        return 0
    return moderation_counts()["total"]


def flashed_messages() -> list[tuple[str, str]]:
    """Flash messages, each shown once even when the same one was flashed several times."""
    return list(dict.fromkeys(get_flashed_messages(with_categories=True)))


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["datetime_in"] = format_in_zone
    app.jinja_env.filters["time_range"] = format_range
    app.jinja_env.filters["badge_count"] = badge_count
    app.jinja_env.filters["relative_time"] = relative_time
    app.jinja_env.filters["excerpt"] = excerpt
    app.jinja_env.globals["flashed_messages"] = flashed_messages
    app.jinja_env.globals.update(permissions.TEMPLATE_PREDICATES)

    @app.context_processor
    def navigation():
        if not has_request_context():  # mail, rendered by jobs and commands
            return {}
        sections = [
            (label, url_for(endpoint), endpoint.split(".")[0])
            for label, endpoint in NAV_SECTIONS
            if endpoint in app.view_functions
        ]
        return {
            "nav_sections": sections,
            "unread_notifications": unread_notifications(),
            "moderation_waiting": moderation_waiting(),
        }
