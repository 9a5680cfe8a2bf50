"""The full-text indexes: SQLite FTS5 tables with triggers, PostgreSQL ``tsvector`` columns.

They live outside the models on purpose: the ORM never reads or writes them, and every writer
(services, bulk inserts, the shell) keeps them in step because the database does it. The same
statements build them under ``db.create_all()`` (the listeners below) and under the migration
(which holds a frozen copy); ``tests/test_search.py`` checks that both give the same objects.

* SQLite: one external-content FTS5 table per kind (posts, comments, events) reading its text
  from the content table, and a self-contained one for mentors, whose text includes the
  member's names from ``users``. Triggers keep them in step with inserts, edits and deletes.
* PostgreSQL: a stored generated ``search_vector`` on posts, comments and events, and a
  trigger-kept one on mentor profiles (names come from ``users``), each with a GIN index.

Visibility (hidden, held, deleted, unlisted) is not indexed: queries join back to the content
tables, so a hide or a restore shows at once.
"""

from __future__ import annotations

from alembic.autogenerate.compare import comparators
from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy import DDL, Table, event

#: The text search configuration on PostgreSQL; SQLite's tokenizer stems the same way.
PG_CONFIG = "english"
TOKENIZER = "porter unicode61 remove_diacritics 2"

#: kind -> (content table, indexed columns, weights on PostgreSQL)
INDEXED = {
    "posts": ("posts", ("title", "body_md"), ("A", "B")),
    "comments": ("comments", ("body_md",), ("B",)),
    "events": ("events", ("title", "description_md"), ("A", "B")),
}
MENTORS_TABLE = "mentors_search"
#: The column every indexed table gets on PostgreSQL.
VECTOR = "search_vector"
FTS_SHADOWS = ("_data", "_idx", "_docsize", "_config", "_content")


def fts_table(kind: str) -> str:
    """The FTS5 table of a kind on SQLite."""
    return f"{kind}_search"


def _sqlite_external(kind: str) -> list[str]:
    table, columns, _ = INDEXED[kind]
    fts = fts_table(kind)
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    changed = " OR ".join(f"new.{c} IS NOT old.{c}" for c in columns)
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}',"
        f" content_rowid='id', tokenize='{TOKENIZER}')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN"
        f" INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN"
        f" INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} WHEN {changed} BEGIN"
        f" INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
        f" INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END",
    ]


_MENTOR_ROW = (
    "SELECT p.id, u.username || ' ' || coalesce(u.display_name, ''), p.headline, p.bio_md"
    " FROM mentor_profiles p JOIN users u ON u.id = p.user_id"
)


def _sqlite_mentors() -> list[str]:
    fts = MENTORS_TABLE
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(name, headline, bio_md, tokenize='{TOKENIZER}')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON mentor_profiles BEGIN"
        f" INSERT INTO {fts}(rowid, name, headline, bio_md) {_MENTOR_ROW} WHERE p.id = new.id;"
        " END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON mentor_profiles BEGIN"
        f" DELETE FROM {fts} WHERE rowid = old.id; END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF headline, bio_md ON mentor_profiles BEGIN"
        f" DELETE FROM {fts} WHERE rowid = old.id;"
        f" INSERT INTO {fts}(rowid, name, headline, bio_md) {_MENTOR_ROW} WHERE p.id = new.id;"
        " END",
        f"CREATE TRIGGER {fts}_names AFTER UPDATE OF username, display_name ON users BEGIN"
        f" UPDATE {fts} SET name = new.username || ' ' || coalesce(new.display_name, '')"
        " WHERE rowid IN (SELECT id FROM mentor_profiles WHERE user_id = new.id); END",
    ]


def _pg_vector(columns: tuple[str, ...], weights: tuple[str, ...], prefix: str = "") -> str:
    parts = [
        f"setweight(to_tsvector('{PG_CONFIG}'::regconfig, coalesce({prefix}{c}, '')), '{w}')"
        for c, w in zip(columns, weights, strict=True)
    ]
    return " || ".join(parts)


def _pg_generated(kind: str) -> list[str]:
    table, columns, weights = INDEXED[kind]
    return [
        f"ALTER TABLE {table} ADD COLUMN {VECTOR} tsvector"
        f" GENERATED ALWAYS AS ({_pg_vector(columns, weights)}) STORED",
        f"CREATE INDEX ix_{table}_{VECTOR} ON {table} USING gin ({VECTOR})",
    ]


_PG_MENTOR_VECTOR = (
    f"setweight(to_tsvector('{PG_CONFIG}'::regconfig,"
    " coalesce(u.username, '') || ' ' || coalesce(u.display_name, '')), 'A')"
    f" || setweight(to_tsvector('{PG_CONFIG}'::regconfig, coalesce(p.headline, '')), 'A')"
    f" || setweight(to_tsvector('{PG_CONFIG}'::regconfig, coalesce(p.bio_md, '')), 'B')"
)


def _pg_mentors() -> list[str]:
    return [
        f"ALTER TABLE mentor_profiles ADD COLUMN {VECTOR} tsvector",
        f"CREATE INDEX ix_mentor_profiles_{VECTOR} ON mentor_profiles USING gin ({VECTOR})",
        "CREATE OR REPLACE FUNCTION mentor_profiles_search_refresh() RETURNS trigger"
        " LANGUAGE plpgsql AS $$"
        f" BEGIN NEW.{VECTOR} := (SELECT {_PG_MENTOR_VECTOR.replace('p.', 'NEW.')}"
        " FROM users u WHERE u.id = NEW.user_id); RETURN NEW; END $$",
        "CREATE TRIGGER mentor_profiles_search BEFORE INSERT OR UPDATE OF user_id, headline,"
        " bio_md ON mentor_profiles FOR EACH ROW EXECUTE FUNCTION mentor_profiles_search_refresh()",
        "CREATE OR REPLACE FUNCTION users_mentor_search_refresh() RETURNS trigger"
        " LANGUAGE plpgsql AS $$"
        f" BEGIN UPDATE mentor_profiles p SET {VECTOR} = {_PG_MENTOR_VECTOR} FROM users u"
        " WHERE u.id = NEW.id AND p.user_id = NEW.id; RETURN NULL; END $$",
        "CREATE TRIGGER users_mentor_search AFTER UPDATE OF username, display_name ON users"
        " FOR EACH ROW WHEN (NEW.username IS DISTINCT FROM OLD.username"
        " OR NEW.display_name IS DISTINCT FROM OLD.display_name)"
        " EXECUTE FUNCTION users_mentor_search_refresh()",
    ]


def create_statements(dialect: str, table: str) -> list[str]:
    """What builds the index that hangs off ``table`` on ``dialect``, in order."""
    kinds = {spec[0]: kind for kind, spec in INDEXED.items()}
    if table in kinds:
        kind = kinds[table]
        return _sqlite_external(kind) if dialect == "sqlite" else _pg_generated(kind)
    if table == "mentor_profiles":
        return _sqlite_mentors() if dialect == "sqlite" else _pg_mentors()
    return []


INDEXED_TABLES = ("posts", "comments", "events", "mentor_profiles")


def drop_statements(dialect: str) -> list[str]:
    """What removes every index object (the content tables and their rows stay)."""
    if dialect == "sqlite":
        tables = [fts_table(kind) for kind in INDEXED] + [MENTORS_TABLE]
        # Dropping a virtual table drops its shadow tables; triggers go by name.
        triggers = [
            f"DROP TRIGGER IF EXISTS {fts}_{what}"
            for fts in tables
            for what in ("insert", "delete", "update")
        ]
        triggers.append(f"DROP TRIGGER IF EXISTS {MENTORS_TABLE}_names")
        return triggers + [f"DROP TABLE IF EXISTS {fts}" for fts in tables]
    return [
        "DROP TRIGGER IF EXISTS users_mentor_search ON users",
        "DROP FUNCTION IF EXISTS users_mentor_search_refresh()",
        "DROP TRIGGER IF EXISTS mentor_profiles_search ON mentor_profiles",
        "DROP FUNCTION IF EXISTS mentor_profiles_search_refresh()",
        *(f"DROP INDEX IF EXISTS ix_{table}_{VECTOR}" for table in INDEXED_TABLES),
        *(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {VECTOR}" for table in INDEXED_TABLES),
    ]


def _drop_with(dialect: str, table: str) -> list[str]:
    """What ``drop_all`` must remove before ``table``: what dropping it would leave behind."""
    if dialect == "sqlite":
        kinds = {spec[0]: kind for kind, spec in INDEXED.items()}
        fts = fts_table(kinds[table]) if table in kinds else MENTORS_TABLE
        names = [f"DROP TRIGGER IF EXISTS {MENTORS_TABLE}_names"] if fts == MENTORS_TABLE else []
        return [*names, f"DROP TABLE IF EXISTS {fts}"]
    if table != "mentor_profiles":
        return []
    return [
        "DROP TRIGGER IF EXISTS users_mentor_search ON users",
        "DROP FUNCTION IF EXISTS users_mentor_search_refresh()",
        "DROP TRIGGER IF EXISTS mentor_profiles_search ON mentor_profiles",
        "DROP FUNCTION IF EXISTS mentor_profiles_search_refresh()",
    ]


def listen_for_create_all(metadata_tables: dict[str, Table]) -> None:
    """Build the indexes whenever ``create_all`` builds their content tables (tests do), and
    remove them with ``drop_all``."""
    for name in INDEXED_TABLES:
        table = metadata_tables[name]
        for dialect in ("sqlite", "postgresql"):
            for statement in create_statements(dialect, name):
                event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))
            for statement in _drop_with(dialect, name):
                event.listen(table, "before_drop", DDL(statement).execute_if(dialect=dialect))


# --- what schema comparison leaves alone --------------------------------------------------

_INDEX_TABLE_NAMES = frozenset(
    name + suffix
    for name in [fts_table(kind) for kind in INDEXED] + [MENTORS_TABLE]
    for suffix in ("", *FTS_SHADOWS)
)


def _is_search_object(op: ops.MigrateOperation) -> bool:
    if isinstance(op, ops.DropTableOp):
        return op.table_name in _INDEX_TABLE_NAMES
    if isinstance(op, ops.DropColumnOp):
        return op.column_name == VECTOR
    if isinstance(op, ops.DropIndexOp):
        return op.index_name is not None and op.index_name.endswith(f"_{VECTOR}")
    return False


@comparators.dispatch_for("schema", priority=DispatchPriority.LAST)
def _leave_search_indexes_alone(autogen_context, upgrade_ops, schemas) -> PriorityDispatchResult:
    """Schema comparison (``flask db migrate``, the migrations test) ignores the indexes.

    They are not models, so without this every comparison would offer to drop them.
    """
    kept = []
    for op in upgrade_ops.ops:
        if isinstance(op, ops.ModifyTableOps):
            op.ops = [child for child in op.ops if not _is_search_object(child)]
            if not op.ops:
                continue
        elif _is_search_object(op):
            continue
        kept.append(op)
    upgrade_ops.ops = kept
    return PriorityDispatchResult.CONTINUE
