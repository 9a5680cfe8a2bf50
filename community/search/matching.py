"""Turning what someone typed into a safe full-text query, and the SQL that matches it.

User text never reaches the engine's query language: it is cut to ``MAX_QUERY_CHARS``,
split into at most ``MAX_TERMS`` words (letters and digits of any script), and each word is
quoted (FTS5 ``"word"``) or passed as a quoted lexeme (``to_tsquery('english', '''word''')``),
so ``NEAR``, ``*``, ``-``, ``OR``, ``body:`` and unbalanced quotes are plain words or nothing.
Every word must match (stemmed: "moving" finds "moved"). Where the table is small (mentors),
the last word may also be the start of a word, so "dan" finds "Dana"; on the big tables a
prefix would make the planner's estimates, and so the plan, unreliable.

Other features' lists (the mentors directory, the events list) filter with ``matches()``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, column, func, literal_column, select, table

from community.extensions import db
from community.search import models, schema

#: What is read of a query; the rest is ignored.
MAX_QUERY_CHARS = 200
#: Words searched for; more are ignored.
MAX_TERMS = 12
#: The last word is matched as a prefix only from this length (shorter ones match too much).
PREFIX_MIN = 3
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class SearchText:
    """The words of a query, cleaned: empty when nothing searchable was typed."""

    terms: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> SearchText:
        text = (text or "")[:MAX_QUERY_CHARS].replace("\x00", " ")
        terms: list[str] = []
        for word in _WORD.findall(text.lower()):
            if word not in terms:
                terms.append(word)
        return cls(tuple(terms[:MAX_TERMS]))

    def __bool__(self) -> bool:
        return bool(self.terms)

    def _prefix_last(self, prefix: bool) -> bool:
        return prefix and len(self.terms[-1]) >= PREFIX_MIN

    def fts5(self, prefix: bool = False) -> str:
        """An FTS5 MATCH expression: every word quoted, the last one as a prefix if asked."""
        quoted = [f'"{term}"' for term in self.terms]
        if self._prefix_last(prefix):
            quoted[-1] += "*"
        return " ".join(quoted)

    def tsquery(self, prefix: bool = False) -> str:
        """A ``to_tsquery`` input: quoted lexemes joined by AND, the last a prefix if asked."""
        quoted = [f"'{term}'" for term in self.terms]
        if self._prefix_last(prefix):
            quoted[-1] += ":*"
        return " & ".join(quoted)


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def pg_query(text: SearchText, prefix: bool = False):
    config = literal_column(f"'{schema.PG_CONFIG}'::regconfig")
    return func.to_tsquery(config, text.tsquery(prefix))


def vector_of(model) -> ColumnElement:
    """The PostgreSQL ``search_vector`` of a content model's table (not an ORM attribute)."""
    return literal_column(f"{model.__tablename__}.{schema.VECTOR}")


_FTS_OF = {
    "Post": schema.fts_table("posts"),
    "Comment": schema.fts_table("comments"),
    "Event": schema.fts_table("events"),
    "MentorProfile": schema.MENTORS_TABLE,
}


def fts_of(model):
    """The SQLite FTS5 table of a content model, as a selectable with its ``rowid``."""
    return table(_FTS_OF[model.__name__], column("rowid"))


def fts_match(fts, text: SearchText, prefix: bool = False) -> ColumnElement:
    return literal_column(fts.name).op("MATCH")(text.fts5(prefix))


def prefix_for(model) -> bool:
    """Whether the last word matches as a prefix: on the small mentors table only."""
    return model.__name__ == "MentorProfile"


def matches(model, text: SearchText) -> ColumnElement:
    """A condition on ``model`` (Post, Comment, Event, MentorProfile): its row matches ``text``.

    Through the index on either engine; for list filters that keep their own order.
    """
    assert model in models.INDEXED_MODELS
    prefix = prefix_for(model)
    if is_postgresql():
        return vector_of(model).op("@@")(pg_query(text, prefix))
    fts = fts_of(model)
    return model.id.in_(select(fts.c.rowid).where(fts_match(fts, text, prefix)))
