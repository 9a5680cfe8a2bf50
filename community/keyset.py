"""Keyset ("seek") paging: a long list read a page at a time from where the last page ended.

``OFFSET`` makes the database walk every skipped row and a page count reads the whole
list, so both cost more as the list grows. A keyset page instead starts from the key of
the row next to it (``WHERE (a, b, id) < (:a, :b, :id) ORDER BY a DESC, b DESC, id DESC
LIMIT n``): with an index in that order the database reads one page's rows, however deep
the page. The key travels in the link (``?after=`` / ``?before=``), so it is user input:
``Keyset.decode`` reads only well-formed keys with values in range, and anything else
reads as the first page.

A ``Keyset`` is an order of columns, all descending, ending in a unique one (the id), so
every row has its own key and no row is skipped or shown twice across a page boundary,
even among equal timestamps. Its pages link to the first page, the page before (the
rows preceding the first row shown, read in the reverse order and flipped), the page
after, and the last page (the reverse order from its end, flipped). Old ``?page=N``
links are served by ``OFFSET`` up to a small bound (``Seek`` / ``Keyset.seek_from``).
Totals are counted up to a cap ("1,000+").
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.types import TypeDecorator

from community.db import capped_count

T = TypeVar("T")

#: A key's value: what a cursor carries for one column.
KeyValue = bool | int | datetime
Key = tuple[KeyValue, ...]

#: What an id or count column holds on every engine (PostgreSQL ``integer``).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
#: Timestamps a cursor may carry, as microseconds from the epoch (years 1 to 9999).
_MICROS_MIN = (datetime(1, 1, 2, tzinfo=UTC) - _EPOCH) // _MICROSECOND
_MICROS_MAX = (datetime(9999, 12, 30, tzinfo=UTC) - _EPOCH) // _MICROSECOND
#: Longest cursor read: a few columns of at most 20 characters each, dots between.
CURSOR_MAX = 200
_SEPARATOR = "."
_NUMBER = re.compile(r"-?[0-9]{1,19}", re.ASCII)


class Kind(enum.Enum):
    """How one key column is written in a cursor."""

    BOOL = "bool"  # 0 or 1
    INT = "int"  # decimal, within the engine's ``integer``
    DATETIME = "datetime"  # UTC microseconds from 1970-01-01

    @classmethod
    def of(cls, attribute: InstrumentedAttribute) -> Kind:
        column_type = attribute.type
        while isinstance(column_type, TypeDecorator):
            column_type = column_type.impl_instance
        python_type = column_type.python_type
        if python_type is bool:
            return cls.BOOL
        if python_type is int:
            return cls.INT
        if python_type is datetime:
            return cls.DATETIME
        raise TypeError(f"no keyset paging on {attribute} ({python_type.__name__})")


class Move(enum.Enum):
    """Which page a request asks for."""

    FIRST = "first"
    #: The rows after ``Seek.key`` (the "next" link).
    AFTER = "after"
    #: The rows before ``Seek.key`` (the "previous" link).
    BEFORE = "before"
    LAST = "last"
    #: An old ``?page=N`` link, read with ``OFFSET`` (bounded, see ``Keyset.seek_from``).
    NUMBER = "number"


@dataclass(frozen=True)
class Seek:
    """The page to read: an end of the list, the rows on one side of ``key``, or an old
    page ``number``."""

    move: Move = Move.FIRST
    key: Key = ()
    number: int = 1

    @classmethod
    def first(cls) -> Seek:
        return cls()

    @classmethod
    def last(cls) -> Seek:
        return cls(Move.LAST)

    @classmethod
    def after(cls, key: Key) -> Seek:
        return cls(Move.AFTER, key)

    @classmethod
    def before(cls, key: Key) -> Seek:
        return cls(Move.BEFORE, key)

    @classmethod
    def page(cls, number: int) -> Seek:
        return cls(Move.NUMBER, number=number) if number > 1 else cls()


@dataclass(frozen=True)
class CappedCount:
    """A total counted up to ``cap``: ``capped`` when there are more."""

    value: int
    capped: bool

    def __str__(self) -> str:
        return f"{self.value:,}+" if self.capped else f"{self.value:,}"

    def of(self, singular: str, plural: str) -> str:
        """The count with its noun: "1 discussion", "37 discussions", "1,000+ discussions"."""
        noun = singular if self.value == 1 and not self.capped else plural
        return f"{self} {noun}"


@dataclass
class KeysetPage(Generic[T]):
    """One page and the cursors of its neighbours (``None`` when there is none)."""

    items: list[T]
    total: CappedCount
    has_prev: bool = False
    has_next: bool = False
    prev_cursor: str | None = None
    next_cursor: str | None = None
    #: Where the page was read from (a fallback may differ from what was asked).
    seek: Seek = field(default_factory=Seek)

    def link_args(self) -> dict[str, dict[str, str]]:
        """Query arguments of the pager's links by ``rel`` (first, prev, next, last)."""
        links: dict[str, dict[str, str]] = {}
        if self.has_prev and self.prev_cursor is not None:
            links["first"] = {}
            links["prev"] = {"before": self.prev_cursor}
        if self.has_next and self.next_cursor is not None:
            links["next"] = {"after": self.next_cursor}
            links["last"] = {"page": "last"}
        return links


class Keyset:
    """An order for keyset paging: ``columns`` descending, the last one unique.

    Build it from mapped attributes (``Keyset(Post.is_pinned, Post.created_at,
    Post.id)``); bool, int and datetime columns are supported. An index on the same
    columns (in either direction) lets a page stop after its rows.
    """

    def __init__(self, *columns: InstrumentedAttribute) -> None:
        if not columns:
            raise ValueError("a keyset needs at least one column")
        self.columns = columns
        self.kinds = tuple(Kind.of(column) for column in columns)

    # --- SQL ------------------------------------------------------------------------

    def order(self, reverse: bool = False) -> list[ColumnElement[Any]]:
        """``ORDER BY`` the list's order (descending), or its reverse (to read backwards)."""
        return [column.asc() if reverse else column.desc() for column in self.columns]

    def beyond(self, key: Key, reverse: bool = False) -> ColumnElement[bool]:
        """The rows after ``key`` in the list's order (before it when ``reverse``).

        One row-value comparison: both engines bound an index range scan with it.
        """
        row = tuple_(*self.columns)
        return row > tuple(key) if reverse else row < tuple(key)

    def key_of(self, item: Any) -> Key:
        """``item``'s key (an ORM object with the keyset's attributes)."""
        return tuple(getattr(item, column.key) for column in self.columns)

    # --- cursors --------------------------------------------------------------------

    def encode(self, key: Key) -> str:
        """A key as URL-safe text: ``1.1764140619123456.42`` (bool, timestamp, id)."""
        return _SEPARATOR.join(
            _encode(kind, value) for kind, value in zip(self.kinds, key, strict=True)
        )

    def decode(self, text: str | None) -> Key | None:
        """The key ``text`` spells, or None unless it is one this keyset wrote: the right
        number of parts, each a number of its column's kind within the engines' range."""
        if not text or len(text) > CURSOR_MAX:
            return None
        parts = text.split(_SEPARATOR)
        if len(parts) != len(self.kinds):
            return None
        key = []
        for kind, part in zip(self.kinds, parts, strict=True):
            value = _decode(kind, part)
            if value is None:
                return None
            key.append(value)
        return tuple(key)

    def seek_from(self, args: Mapping[str, str], old_pages: int) -> Seek:
        """The page a query string asks for: ``?after=``, ``?before=``, ``?page=last``, or
        an old ``?page=N`` link. A cursor that does not decode reads as the first page, a
        page number past ``old_pages`` as the last page."""
        for name, move in (("after", Move.AFTER), ("before", Move.BEFORE)):
            if name in args:
                key = self.decode(args.get(name))
                return Seek(move, key) if key is not None else Seek.first()
        page = args.get("page") or ""
        if page == "last":
            return Seek.last()
        if not (page.isascii() and page.isdigit()):
            return Seek.first()
        if len(page) > len(str(old_pages)) or int(page) > old_pages:
            return Seek.last()
        return Seek.page(int(page))

    # --- reading --------------------------------------------------------------------

    def count(self, session: Session, query: Select, cap: int) -> CappedCount:
        """The rows of ``query``, counted up to ``cap`` (one more tells there are more)."""
        keys_only = query.with_only_columns(self.columns[-1]).order_by(*self.order())
        value = capped_count(keys_only, cap, session)
        return CappedCount(min(value, cap), value > cap)

    def read(
        self,
        session: Session,
        query: Select,
        seek: Seek,
        per_page: int,
        count_cap: int = 1000,
    ) -> KeysetPage[Any]:
        """The page of ``query`` (a ``select`` of one entity, filtered, unordered) that
        ``seek`` asks for, with its neighbours' cursors and a capped total.

        Two statements (the capped count and the page, ``per_page + 1`` rows to know if
        another page follows), plus the query's own eager loads. A page that comes out
        empty (a cursor past either end, or a stale one) is replaced by the first or the
        last page; a page before the first with too few rows, by the first page.
        """
        total = self.count(session, query, count_cap)
        page = self._read(session, query, seek, per_page)
        if seek.move is Move.BEFORE and len(page.items) < per_page:
            page = self._read(session, query, Seek.first(), per_page)
        elif not page.items and seek.move in (Move.AFTER, Move.NUMBER):
            page = self._read(session, query, Seek.last(), per_page)
        page.total = total
        return page

    def _read(self, session: Session, query: Select, seek: Seek, per_page: int) -> KeysetPage:
        backwards = seek.move in (Move.BEFORE, Move.LAST)
        statement = query.order_by(*self.order(reverse=backwards)).limit(per_page + 1)
        if seek.move in (Move.AFTER, Move.BEFORE):
            statement = statement.where(self.beyond(seek.key, reverse=backwards))
        if seek.move is Move.NUMBER:
            statement = statement.offset((seek.number - 1) * per_page)
        rows = list(session.scalars(statement).unique())
        more = len(rows) > per_page
        items = rows[:per_page]
        if backwards:
            items.reverse()
        has_prev = more if backwards else seek.move is not Move.FIRST
        has_next = more if not backwards else seek.move is not Move.LAST
        page: KeysetPage[Any] = KeysetPage(
            items=items,
            total=CappedCount(0, False),
            has_prev=has_prev and bool(items),
            has_next=has_next and bool(items),
            seek=seek,
        )
        if page.has_prev:
            page.prev_cursor = self.encode(self.key_of(items[0]))
        if page.has_next:
            page.next_cursor = self.encode(self.key_of(items[-1]))
        return page


def _encode(kind: Kind, value: KeyValue) -> str:
    if kind is Kind.BOOL:
        return "1" if value else "0"
    if kind is Kind.DATETIME:
        assert isinstance(value, datetime)
        return str((value.astimezone(UTC) - _EPOCH) // _MICROSECOND)
    return str(int(value))


def _decode(kind: Kind, part: str) -> KeyValue | None:
    if not _NUMBER.fullmatch(part):
        return None
    number = int(part)
    if kind is Kind.BOOL:
        return part == "1" if part in ("0", "1") else None
    if kind is Kind.INT:
        return number if INT_MIN <= number <= INT_MAX else None
    if not _MICROS_MIN <= number <= _MICROS_MAX:
        return None
    return _EPOCH + timedelta(microseconds=number)
