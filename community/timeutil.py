"""Time helpers: everything is stored in UTC, timezone-aware."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones


def utcnow() -> datetime:
    return datetime.now(UTC)


@cache
def timezone_names() -> tuple[str, ...]:
    """IANA zone names offered in forms, sorted, UTC first."""
    names = sorted(
        name for name in available_timezones() if "/" in name and not name.startswith("Etc/")
    )
    return ("UTC", *names)


@cache
def _timezone_set() -> frozenset[str]:
    return frozenset(timezone_names())


def is_timezone(name: str) -> bool:
    """Whether ``name`` is a zone the forms offer (every page's times ask this)."""
    return name in _timezone_set()


#: Zones most members pick, offered first in event forms; the rest follow alphabetically.
COMMON_TIMEZONES = (
    "UTC",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Warsaw",
    "Africa/Lagos",
    "Africa/Nairobi",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
)


def local_to_utc(local: datetime, zone: str) -> datetime | None:
    """A wall-clock time in ``zone`` as a UTC instant; None when clocks skip it (spring DST gap).

    A time that happens twice (autumn) is read as its first occurrence.
    """
    aware = local.replace(tzinfo=ZoneInfo(zone), fold=0)
    instant = aware.astimezone(UTC)
    if instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


def to_zone(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone if is_timezone(zone) else "UTC"))


def format_range(start: datetime, end: datetime, zone: str) -> str:
    """An event's span in ``zone``: "Tue 14 Mar 2027, 18:30 to 20:00 CET" (an en dash), or both
    dates in full when it runs over several days or the zone changes offset on the way."""
    first, last = to_zone(start, zone), to_zone(end, zone)
    opening = f"{first:%a %d %b %Y, %H:%M}"
    if first.date() == last.date() and first.tzname() == last.tzname():
        return f"{opening} – {last:%H:%M} {last.tzname()}"
    return f"{opening} {first.tzname()} – {last:%a %d %b %Y, %H:%M} {last.tzname()}"
