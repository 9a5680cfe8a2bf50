"""What every template can use: navigation, permissions, time formatting."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, g, get_flashed_messages, has_request_context, url_for
from flask_login import current_user

from community import permissions
from community.notifications.services import UNREAD_COUNTED, unread_count
from community.timeutil import format_range, to_zone

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
