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


def is_timezone(name: str) -> bool:
    return name in timezone_names()


def to_zone(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone if is_timezone(zone) else "UTC"))
