"""What a URL may carry: ids in the database's range, page numbers, short filter text.

Everything here turns a hostile URL into a 404 or a sensible default, never a 500.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import TypeVar

from flask import Flask, request
from werkzeug.routing import IntegerConverter

E = TypeVar("E", bound=Enum)

#: The largest id every engine stores (PostgreSQL ``integer``); larger ids can't exist.
ID_MAX = 2**31 - 1
#: Past this page every list is empty anyway; larger numbers are clamped, not computed with.
PAGE_MAX = 10_000


class IdConverter(IntegerConverter):
    """``<int:...>`` limited to 1..``ID_MAX``: an out-of-range id is a 404, not a DB error."""

    def __init__(self, map, fixed_digits=0, min=1, max=ID_MAX, signed=False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(ID_MAX)):
            from werkzeug.routing import ValidationError

            raise ValidationError()
        return super().to_python(value)


def register_converters(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter


def page_arg(name: str = "page") -> int:
    """``?page=`` as a number from 1 to ``PAGE_MAX``; junk reads as 1, huge as ``PAGE_MAX``."""
    raw = request.args.get(name, "")
    if not raw.isascii() or not raw.isdigit():
        return 1
    if len(raw) > len(str(PAGE_MAX)):
        return PAGE_MAX
    return min(max(int(raw), 1), PAGE_MAX)


class PageNumbers:
    """What the pager macro (``macros/pagination.html``) asks of a page: mixed into any
    page that has ``page`` and ``pages`` (1-based)."""

    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def text_arg(name: str, limit: int = 100) -> str:
    """A query-string filter, trimmed, bounded and without NUL or other control characters."""
    value = request.args.get(name, "")[: limit * 4]
    value = "".join(char for char in value if char.isprintable())
    return value.strip()[:limit]


def choice(enum_class: type[E], value: str | None, default: E | None = None) -> E | None:
    """``value`` as a member of ``enum_class``, or ``default`` when it is not one."""
    try:
        return enum_class(value) if value else default
    except ValueError:
        return default


def enum_arg(name: str, enum_class: type[E]) -> E | None:
    """``?name=`` as a member of ``enum_class``, or None when it names none."""
    return choice(enum_class, request.args.get(name))


def date_arg(name: str, years: tuple[int, int] = (2000, 2100)) -> date | None:
    """``?name=YYYY-MM-DD`` as a date within ``years``; anything else reads as no date."""
    value = request.args.get(name, "")
    if len(value) != 10 or not value.isascii():
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if years[0] <= day.year <= years[1] else None
