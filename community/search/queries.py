"""The search page's reads: ranked matches of one kind, a page of them, and the overview.

Matching and scoring happen in the full-text index (FTS5 ``bm25``, PostgreSQL ``ts_rank``);
visibility is checked by joining back to the content, so hides, restores and deletions show
at once. Cost is bounded however common a word is: only the newest ``CANDIDATES`` visible
matches are scored (read newest first, so the engine stops early), and the count says
"more than" past that.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from math import ceil
from typing import Any

from markupsafe import Markup
from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.orm import joinedload, selectinload

from community.accounts.models import User
from community.content import plain_text
from community.discussions.comment_models import Comment
from community.discussions.models import Post
from community.events import queries as event_queries
from community.events.models import Event
from community.extensions import db
from community.mentorship import queries as mentorship_queries
from community.mentorship.models import MentorProfile
from community.search.matching import (
    SearchText,
    fts_match,
    fts_of,
    is_postgresql,
    pg_query,
    prefix_for,
    vector_of,
)
from community.search.snippets import highlight
from community.urls import PageNumbers

#: Matches scored per search: the newest ones when a word matches more.
CANDIDATES = 1000


class SearchKind(enum.StrEnum):
    POSTS = "posts"
    COMMENTS = "comments"
    EVENTS = "events"
    MENTORS = "mentors"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# --- matching: (id, score) of the newest visible matches of each kind ----------------------


def _post_visible(query: Select) -> Select:
    """Listed posts: a deleted one's words are not searchable (its comments still are)."""
    return query.where(Post.listed())


def _comment_visible(query: Select) -> Select:
    # The post is checked per match (a correlated subquery), not joined: for a rare word a
    # join makes PostgreSQL hash every post to keep one comment.
    public_post = (
        select(Post.id)
        .where(Post.id == Comment.post_id, Post.public())
        .correlate(Comment)
        .scalar_subquery()
    )
    return query.where(
        Comment.deleted_at.is_(None), Comment.hidden_at.is_(None), public_post.is_not(None)
    )


def _event_visible(query: Select) -> Select:
    return query.where(*event_queries._listed())


def _mentor_visible(query: Select) -> Select:
    return query.join(User, User.id == MentorProfile.user_id).where(*mentorship_queries._listed())


@dataclass(frozen=True)
class _Kind:
    model: Any
    visible: Callable[[Select], Select]
    #: FTS5 bm25 weights, one per indexed column (titles and names count more).
    weights: tuple[float, ...]


_KINDS = {
    SearchKind.POSTS: _Kind(Post, _post_visible, (10.0, 1.0)),
    SearchKind.COMMENTS: _Kind(Comment, _comment_visible, (1.0,)),
    SearchKind.EVENTS: _Kind(Event, _event_visible, (10.0, 1.0)),
    SearchKind.MENTORS: _Kind(MentorProfile, _mentor_visible, (10.0, 10.0, 1.0)),
}


def candidates_query(kind: SearchKind, text: SearchText) -> Select:
    """Ids and scores (higher is better) of the newest visible matches, one past the cap."""
    spec = _KINDS[kind]
    model = spec.model
    prefix = prefix_for(model)
    if is_postgresql():
        vector = vector_of(model)
        score = func.ts_rank(vector, pg_query(text, prefix))
        query = select(model.id, score).where(vector.op("@@")(pg_query(text, prefix)))
        order = model.id.desc()
    else:
        fts = fts_of(model)
        score = -func.bm25(literal_column(fts.name), *spec.weights)
        query = (
            select(model.id, score)
            .select_from(fts)
            .join(model, model.id == fts.c.rowid)
            .where(fts_match(fts, text, prefix))
        )
        order = fts.c.rowid.desc()
    return spec.visible(query).order_by(order).limit(CANDIDATES + 1)


def ranked_ids(kind: SearchKind, text: SearchText) -> list[int]:
    """Matching ids, most relevant first, the newer first among equals."""
    rows = db.session.execute(candidates_query(kind, text)).all()
    rows.sort(key=lambda row: (-round(row[1], 9), -row[0]))
    return [row[0] for row in rows]


# --- a page of results --------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One result: the object, its title and snippet with the matches marked."""

    kind: SearchKind
    item: Any
    title: Markup
    snippet: Markup


@dataclass
class ResultPage(PageNumbers):
    """A page of results, shaped like the pager macro expects."""

    kind: SearchKind
    items: list[Hit]
    page: int
    per_page: int
    #: Matches found, up to ``CANDIDATES``; ``more`` says there were more.
    total: int
    more: bool = False
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, ceil(self.total / self.per_page))


def _load(kind: SearchKind, ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    model = _KINDS[kind].model
    query = select(model).where(model.id.in_(ids))
    if kind is SearchKind.COMMENTS:
        # Inner joins, as in ``moderation.targets``: an outer one costs SQLite every post.
        query = query.options(
            joinedload(Comment.post, innerjoin=True), joinedload(Comment.author, innerjoin=True)
        )
    elif kind is SearchKind.EVENTS:
        query = query.options(selectinload(Event.tags))
    return {item.id: item for item in db.session.scalars(query).unique()}


def _hit(kind: SearchKind, item: Any, terms: tuple[str, ...]) -> Hit:
    if kind is SearchKind.POSTS:
        title, body = item.title, plain_text(item.body_html)
    elif kind is SearchKind.COMMENTS:
        title, body = item.post.shown_title, plain_text(item.body_html)
    elif kind is SearchKind.EVENTS:
        title, body = item.title, plain_text(item.description_html)
    else:
        title = f"{item.user.name} (@{item.user.username})"
        body = f"{item.headline}. {plain_text(item.bio_html)}"
    return Hit(kind, item, highlight(title, terms, None), highlight(body, terms))


def search_page(kind: SearchKind, text: SearchText, page: int, per_page: int) -> ResultPage:
    """One page of ranked results of one kind: a query for the matches, one for the page."""
    ids = ranked_ids(kind, text) if text else []
    more = len(ids) > CANDIDATES
    ids = ids[:CANDIDATES]
    wanted = ids[(page - 1) * per_page : page * per_page]
    loaded = _load(kind, wanted)
    hits = [_hit(kind, loaded[i], text.terms) for i in wanted if i in loaded]
    return ResultPage(kind, hits, page, per_page, total=len(ids), more=more)


def overview(text: SearchText, per_kind: int) -> list[ResultPage]:
    """The first few results of every kind, with each kind's count (the page without a type)."""
    return [search_page(kind, text, 1, per_kind) for kind in SearchKind]
