"""The database side every feature shares: the request's unit of work, column types, inserts.

A request is one unit of work. Services change rows and ``flush``; the view that called
them is wrapped in ``@transactional`` and commits once, when it answers with success. A
refusal (an exception, a 4xx/5xx answer, or ``discard()`` before a flash-and-redirect)
rolls everything back, so nothing half-done is ever stored. Work that must only happen
once the change is stored (mail, jobs) is queued with ``after_commit`` and runs after
the commit, as Indico's request handler does.

GET views are never wrapped: reading a page never writes.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC
from functools import wraps
from typing import Any

from flask import flash, g, make_response
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import DateTime, Enum, Select, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.types import TypeDecorator

from community.extensions import db


class Refused(Exception):
    """A domain rule says no, with a message fit to show the member.

    ``field`` names the form field the message belongs next to, when there is one.
    Raising it anywhere inside a unit of work rolls the whole unit back.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class Forbidden(Refused):
    """A refusal of a move that is not the actor's to make: answered 403, never flashed."""


def attempt(action: Callable[[], Any], success: str = "") -> bool:
    """Run one service call for a view that answers with a flash and a redirect.

    A refusal the member can act on ("the event is full") is flashed and the unit of
    work discarded, so nothing half-done is stored; a ``Forbidden`` one escapes to
    ``@transactional``, which answers 403. True when the action went through.
    """
    try:
        action()
    except Forbidden:
        raise
    except Refused as refusal:
        discard()
        flash(refusal.message, "error")
        return False
    if success:
        flash(success, "success")
    return True


def _hooks() -> list[Callable[[], Any]]:
    """Callbacks waiting for this session's commit (a request's, or a CLI command's)."""
    return db.session.info.setdefault("after_commit", [])


def after_commit(callback: Callable[[], Any]) -> None:
    """Run ``callback`` once the current unit of work is committed; never if it rolls back."""
    _hooks().append(callback)


def discard() -> None:
    """Roll this request's unit of work back although the answer is a success.

    For a refusal shown as a flash message on a redirect.
    """
    g.discard_unit_of_work = True


def _finish(commit: bool) -> None:
    hooks = list(_hooks())
    _hooks().clear()
    if not commit:
        db.session.rollback()
        return
    db.session.commit()
    for hook in hooks:
        hook()


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit once when the block ends normally; roll back when it raises.

    The CLI and jobs use this; views use ``@transactional``, which builds on it.
    """
    try:
        yield
    except BaseException:
        _finish(commit=False)
        raise
    _finish(commit=True)


def transactional(view: Callable) -> Callable:
    """Make a view one unit of work: commit on a success answer, roll back otherwise.

    A ``Refused`` that escapes the view answers 403 with its message, after a rollback;
    views that want the message next to a field catch it and re-render with a 4xx status.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.pop("discard_unit_of_work", None)
        try:
            response = make_response(view(*args, **kwargs))
        except Refused as refusal:
            _finish(commit=False)
            from community.errors import render_error

            return make_response(render_error(403, refusal.message))
        except BaseException:
            _finish(commit=False)
            raise
        succeeded = response.status_code < 400 and not g.pop("discard_unit_of_work", False)
        _finish(commit=succeeded)
        return response

    wrapper.is_transactional = True
    return wrapper


def take_write_lock(model: type, row_id: int) -> None:
    """SQLite ignores FOR UPDATE: a (no-op) write takes its database-wide write lock now,
    so what this transaction reads next cannot change under it."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(model).where(model.id == row_id).values(id=model.id),
            execution_options={"synchronize_session": False},
        )


def lock_row(model: type, row_id: int) -> Any:
    """The row, re-read under a lock held until commit (PostgreSQL: a row lock).

    Limits that must hold under concurrent requests (mentor capacity, event seats) are
    checked and changed while this lock is held.
    """
    take_write_lock(model, row_id)
    return db.session.execute(
        select(model).where(model.id == row_id).with_for_update(),
        execution_options={"populate_existing": True},
    ).scalar_one()


def change_once(model: type, row_id: int, condition: Any, **values: Any) -> bool:
    """Set ``values`` on the row if ``condition`` still holds, in one conditional UPDATE.

    True when this call changed it. Of two moderators hiding one comment at the same
    moment, one changes it and the other is told it is done: each state change happens
    once, whatever the engine. Loaded copies of the row are refreshed on next access.
    """
    result = db.session.execute(
        update(model)
        .where(model.id == row_id, condition)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        return False
    instance = db.session.identity_map.get(db.session.identity_key(model, row_id))
    if instance is not None:
        db.session.expire(instance, list(values))
    return True


def value_enum(enum_class: type[enum.Enum]) -> Enum:
    """A column type storing an enum's values ("in_person"), not its names, as VARCHAR(20)."""
    return Enum(
        enum_class,
        native_enum=False,
        length=20,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


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


def insert_once(model: type, **values) -> bool:
    """INSERT a row unless its key exists; True when this call added it.

    ``ON CONFLICT DO NOTHING`` keeps a double click or a concurrent request from
    counting twice or failing, on SQLite and PostgreSQL alike.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = model.__table__
    statement = insert(table).values(**values).on_conflict_do_nothing()
    returned = db.session.execute(statement.returning(*table.primary_key.columns)).first()
    return returned is not None


class CappedPagination(SelectPagination):
    """A page of a long list whose pager counts at most ``cap`` rows (and one more, to
    know there are more).

    Counting a whole log or queue costs as much as reading it; past the cap the pager
    stops at the page that holds the ``cap``-th row (``is_capped`` tells the template to
    say so), and older rows are reached by narrowing the list (filters).
    The count comes first (``paginate``), so a page number past the last is the last page
    before any row is read: no OFFSET ever skips more than the cap.
    """

    def _query_count(self) -> int:
        return self._query_args["total"]

    @property
    def cap(self) -> int:
        return self._query_args["cap"]

    @property
    def is_capped(self) -> bool:
        return self.total is not None and self.total > self.cap

    @property
    def pages(self) -> int:
        """Pages of the first ``cap`` rows (the one counted past them only says "more")."""
        return max(1, -(-min(self.total, self.cap) // self.per_page))


def capped_count(query: Select, cap: int, session: Session | None = None) -> int:
    """Rows of ``query``, counted up to ``cap + 1`` (one more tells there are more)."""
    # In the list's order, so the count reads the list's index and stops at the cap.
    capped = query.options(lazyload("*")).limit(cap + 1).subquery()
    return (session or db.session).scalar(select(func.count()).select_from(capped)) or 0


def paginate(query: Select, page: int, per_page: int, cap: int = 10_000) -> CappedPagination:
    """Page ``page`` of ``query`` (a number past the last shows the last), counting at most
    ``cap`` rows: two statements, the count and the page."""
    total = capped_count(query, cap)
    last = max(1, -(-min(total, cap) // per_page))
    return CappedPagination(
        select=query,
        session=db.session,
        page=min(max(page, 1), last),
        per_page=per_page,
        max_per_page=None,
        cap=cap,
        total=total,
        error_out=False,
    )
