"""Time helpers: everything is stored in UTC, timezone-aware."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp that always comes back timezone-aware in UTC.

    SQLite has no time zones; PostgreSQL has. This type makes both behave the same.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use community.timeutil.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


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
