"""Loading millions of rows into a migrated database quickly, leaving the schema as it was.

The scale benchmark's builder writes rows through this instead of ``insert(Model)``: values
still go through each column's SQLAlchemy type (enums, UTC timestamps, Python defaults), but
then straight to the driver, in the session's transaction: ``executemany`` on SQLite,
``COPY`` on PostgreSQL.

While rows go in, the work a database would repeat for every row is put off and done once:

* SQLite: the triggers that keep the external-content FTS5 tables (posts, comments, events)
  in step are dropped, the tables are rebuilt from their content afterwards
  (``INSERT INTO x(x) VALUES('rebuild')``) and the triggers created again from
  ``community.search.schema``. The mentors' self-contained index keeps its triggers: it is
  small, and it reads member names no rebuild would find.
* Both: the non-unique secondary indexes of the tables that grow are dropped and created
  again from their own definitions (``sqlite_master.sql``, ``pg_get_indexdef``), each in one
  sort (PostgreSQL with more ``maintenance_work_mem``). Primary keys and unique indexes stay,
  so they still check every row. At 500,000 comments this took a SQLite build from 52 s to
  43 s, and a PostgreSQL one from 124 s to 78 s (server CPU 86 s to 68 s: fewer GIN pending
  list merges, no random B-tree inserts); ``defer_indexes=False`` keeps them.
* PostgreSQL: the sequences of tables given explicit ids move past them.

Either way the schema afterwards (every index and trigger, with its definition) is compared
with the one before, and a difference stops the build.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Table

#: Tables that grow with the community: on PostgreSQL their secondary indexes are put off.
GROWING = (
    "users",
    "posts",
    "post_tags",
    "comments",
    "experience_steps",
    "events",
    "event_tags",
    "notifications",
    "reviews",
    "flags",
    "moderation_log",
)
#: ``maintenance_work_mem`` for building indexes after the load (this transaction only).
INDEX_MEMORY = "512MB"


class Loader:
    """Writes rows through the driver of ``session``'s connection, inside its transaction."""

    def __init__(self, session, defer_indexes: bool = True):
        self.connection = session.connection()
        self.dialect = self.connection.dialect
        self.raw = self.connection.connection.dbapi_connection
        self.defer_indexes = defer_indexes
        #: seconds spent per phase: "rows", then what ``deferred`` does afterwards
        self.seconds: dict[str, float] = {"rows": 0.0}
        self.with_ids: set[str] = set()

    @staticmethod
    def for_session(session, defer_indexes: bool = True) -> Loader:
        kind = session.connection().dialect.name
        loaders = {"sqlite": SQLiteLoader, "postgresql": PostgresLoader}
        return loaders[kind](session, defer_indexes)

    # rows ---------------------------------------------------------------------------------

    def insert(self, table, rows: Iterable[dict]) -> int:
        """Insert ``rows`` (dicts with the same keys) into ``table``, a model or a ``Table``.

        Columns left out get their Python default, as ``insert(table)`` would give them;
        those without one get the database's. Returns the number of rows.
        """
        table: Table = getattr(table, "__table__", table)
        rows = iter(rows)
        first = next(rows, None)
        if first is None:
            return 0
        given = list(first)
        defaulted = [
            column
            for column in table.columns
            if column.name not in first
            and column.default is not None
            and not column.default.is_sequence
        ]
        columns = [table.columns[name] for name in given] + defaulted
        processors = [
            column.type.dialect_impl(self.dialect).bind_processor(self.dialect)
            for column in columns
        ]
        if "id" in given:
            self.with_ids.add(table.name)

        def values() -> Iterator[tuple]:
            for row in itertools.chain((first,), rows):
                raw = [row[name] for name in given]
                for column in defaulted:
                    default = column.default
                    raw.append(default.arg(None) if default.is_callable else default.arg)
                yield tuple(
                    value if process is None else process(value)
                    for process, value in zip(processors, raw, strict=True)
                )

        started = time.perf_counter()
        count = self._write(table.name, [column.name for column in columns], values())
        self.seconds["rows"] += time.perf_counter() - started
        return count

    def _write(self, table: str, columns: list[str], values: Iterator[tuple]) -> int:
        raise NotImplementedError

    def quote(self, name: str) -> str:
        return self.dialect.identifier_preparer.quote(name)

    # what is put off ----------------------------------------------------------------------

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Put off per-row index upkeep for the rows inserted inside; catch up on exit."""
        before = self.schema()
        self._put_off()
        yield
        self._catch_up()
        after = self.schema()
        if after != before:
            gone, new = sorted(set(before) - set(after)), sorted(set(after) - set(before))
            raise RuntimeError(f"the load changed the schema: lost {gone}, gained {new}")

    def _timed(self, phase: str, started: float) -> None:
        self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - started

    def schema(self) -> list[tuple]:
        raise NotImplementedError

    def _put_off(self) -> None:
        raise NotImplementedError

    def _catch_up(self) -> None:
        raise NotImplementedError


class SQLiteLoader(Loader):
    def _write(self, table: str, columns: list[str], values: Iterator[tuple]) -> int:
        names = ", ".join(self.quote(name) for name in columns)
        marks = ", ".join("?" for _ in columns)
        cursor = self.raw.cursor()
        cursor.executemany(f"INSERT INTO {self.quote(table)} ({names}) VALUES ({marks})", values)
        count = cursor.rowcount
        cursor.close()
        return count

    def schema(self) -> list[tuple]:
        return self.raw.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()

    def _triggers(self) -> dict[str, list[str]]:
        """FTS5 table -> the statements that create its triggers, as the schema module has them."""
        from community.search import schema

        found = {}
        for kind, (table, _, _) in schema.INDEXED.items():
            found[schema.fts_table(kind)] = [
                statement
                for statement in schema.create_statements("sqlite", table)
                if statement.startswith("CREATE TRIGGER ")
            ]
        return found

    def _put_off(self) -> None:
        self.put_off = []
        if self.defer_indexes:
            marks = ", ".join("?" for _ in GROWING)
            self.put_off = self.raw.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                f" AND sql NOT LIKE 'CREATE UNIQUE %' AND tbl_name IN ({marks}) ORDER BY name",
                GROWING,
            ).fetchall()
        for name, _ in self.put_off:
            self.raw.execute(f"DROP INDEX {self.quote(name)}")
        existing = {name: sql for kind, name, _, sql in self.schema() if kind == "trigger"}
        for statements in self._triggers().values():
            for statement in statements:
                name = statement.split()[2]
                if existing.get(name) != statement:
                    raise RuntimeError(
                        f"trigger {name} is not as community.search.schema creates it"
                    )
                self.raw.execute(f"DROP TRIGGER {self.quote(name)}")

    def _catch_up(self) -> None:
        started = time.perf_counter()
        for fts, statements in self._triggers().items():
            self.raw.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
            for statement in statements:
                self.raw.execute(statement)
        self._timed("search index", started)
        started = time.perf_counter()
        for _, definition in self.put_off:
            self.raw.execute(definition)
        if self.put_off:
            self._timed("indexes", started)


class PostgresLoader(Loader):
    def _write(self, table: str, columns: list[str], values: Iterator[tuple]) -> int:
        names = ", ".join(self.quote(name) for name in columns)
        count = 0
        with (
            self.raw.cursor() as cursor,
            cursor.copy(f"COPY {self.quote(table)} ({names}) FROM STDIN") as copy,
        ):
            for row in values:
                copy.write_row(row)
                count += 1
        return count

    def _execute(self, statement: str, parameters=None) -> list[tuple]:
        with self.raw.cursor() as cursor:
            cursor.execute(statement, parameters)
            return cursor.fetchall() if cursor.description else []

    def schema(self) -> list[tuple]:
        """Every index of the current schema with its definition, and every trigger."""
        indexes = self._execute(
            "SELECT 'index', indexname, tablename, indexdef FROM pg_indexes"
            " WHERE schemaname = current_schema() ORDER BY indexname"
        )
        triggers = self._execute(
            "SELECT 'trigger', t.tgname, c.relname, pg_get_triggerdef(t.oid)"
            " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND NOT t.tgisinternal ORDER BY t.tgname"
        )
        return indexes + triggers

    def _put_off(self) -> None:
        self._execute("SET LOCAL synchronous_commit = off")
        self.put_off: list[tuple[str, str]] = []
        if not self.defer_indexes:
            return
        self.put_off = self._execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)"
            " FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
            " JOIN pg_namespace n ON n.oid = t.relnamespace"
            " WHERE n.nspname = current_schema() AND t.relname = ANY(%s)"
            " AND NOT i.indisunique"
            " ORDER BY 1",
            (list(GROWING),),
        )
        for name, _ in self.put_off:
            self._execute(f"DROP INDEX {name}")

    def _catch_up(self) -> None:
        started = time.perf_counter()
        self._execute(f"SET LOCAL maintenance_work_mem = '{INDEX_MEMORY}'")
        for _, definition in self.put_off:
            self._execute(definition)
        if self.put_off:
            self._timed("indexes", started)
        for table in sorted(self.with_ids):
            self._execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" coalesce((SELECT max(id) FROM {self.quote(table)}), 1))"
            )
