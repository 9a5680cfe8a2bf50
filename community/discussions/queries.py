"""Named reads for the discussion pages: the post list, and threads loaded in a constant
number of queries with their tree built in one pass.

A post page shows one page of top-level comments with their replies down to the display
depth cap, bounded whatever the thread's shape: at most ``REPLIES_SHOWN`` replies under
any comment and ``PAGE_REPLIES_MAX`` in all; where replies were left out, the comment
links to its permalink page, which pages through its direct replies
(``REPLIES_PER_PAGE`` a page) bounded the same way below them. The queries are: count
the top-level comments, pick this page's top-level ids, load the bounded replies with
authors (one statement with a window function and a recursive CTE, ``_load_replies``),
and, under the guide, the experience steps of those comments (one ``selectin``).
Every page's query count is capped by a test (``tests/test_discussions_queries.py``,
``tests/test_discussions_big_threads.py``).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import aliased, joinedload, selectinload

from community.accounts.models import User
from community.discussions.comment_models import (
    Comment,
    CommentRevision,
    ExperienceStep,
    Outcome,
    Step,
)
from community.discussions.models import Post, PostFollow, Tag
from community.extensions import db
from community.keyset import Keyset, KeysetPage, Seek
from community.urls import PageNumbers

#: Nesting shown on one page; deeper replies continue on the permalink page.
DEPTH_CAP = 6


class PostSort(enum.StrEnum):
    ACTIVE = "active"
    NEW = "new"
    TOP = "top"


#: Each sort of the post list as a keyset: pinned first, then the sort's columns, then
#: the id, all descending (the indexes ``ix_posts_pinned_*`` hold these orders).
POST_ORDERS: dict[PostSort, Keyset] = {
    PostSort.ACTIVE: Keyset(Post.is_pinned, Post.last_activity_at, Post.id),
    PostSort.NEW: Keyset(Post.is_pinned, Post.created_at, Post.id),
    PostSort.TOP: Keyset(Post.is_pinned, Post.comment_count, Post.last_activity_at, Post.id),
}
#: The post list counts this many posts at most ("1,000+ discussions").
POSTS_COUNT_CAP = 1000
#: Old ``?page=N`` links are served up to this page (``OFFSET`` stays under the count cap).
POSTS_OLD_PAGES = 50


def _public_posts(tag: str | None) -> Select:
    """Public posts; one its author deleted stays (marked) while its thread has comments."""
    query = select(Post).where(
        Post.public(), or_(Post.deleted_at.is_(None), Post.comment_count > 0)
    )
    if tag:
        query = query.where(Post.tags.any(Tag.name == tag))
    return query


def posts_query(sort: PostSort = PostSort.ACTIVE, tag: str | None = None) -> Select:
    """The discussion list of public posts: pinned first, then the chosen order (authors
    and tags come with the post: joined and ``selectin``). Pages read it through
    ``posts_page``."""
    return _public_posts(tag).order_by(*POST_ORDERS[sort].order())


def posts_seek(sort: PostSort, args: Mapping[str, str]) -> Seek:
    """The page of the list a query string asks for (``Keyset.seek_from``): a cursor
    from the pager's links, or an old ``?page=N`` link up to ``POSTS_OLD_PAGES``."""
    return POST_ORDERS[sort].seek_from(args, POSTS_OLD_PAGES)


def posts_page(
    sort: PostSort = PostSort.ACTIVE,
    tag: str | None = None,
    seek: Seek | None = None,
    per_page: int = 20,
) -> KeysetPage[Post]:
    """One page of the discussion list, read from a cursor (``keyset``): the same few
    statements and rows however many posts there are (a capped count, the page with
    authors joined, its tags). ``Seek.last()`` is the last page."""
    return POST_ORDERS[sort].read(
        db.session, _public_posts(tag), seek or Seek.first(), per_page, POSTS_COUNT_CAP
    )


def recent_posts(limit: int) -> list[Post]:
    """Public discussions for the home page: featured ones first (latest featured first),
    then the most recently active; the guide is left out (the home page shows it apart).

    Ordering every post by ``featured_at IS NULL`` would sort them all, so the candidates
    come from two bounded reads merged in one statement: the latest featured posts
    (``ix_posts_featured_at``) and the most recently active (``ix_posts_last_activity_at``),
    ``limit`` of each; the top ``limit`` of the full order is always among them.
    """
    # ``IS NOT TRUE``, not ``IS FALSE``: SQLite without statistics would read every
    # post through ``ix_posts_is_guide`` instead of walking the ordering index.
    listed = and_(Post.is_guide.is_not(True), Post.listed())
    order = (
        Post.featured_at.is_(None),
        Post.featured_at.desc(),
        Post.last_activity_at.desc(),
        Post.id.desc(),
    )
    featured = (
        select(Post.id)
        .where(listed, Post.featured_at.is_not(None))
        .order_by(Post.featured_at.desc(), Post.last_activity_at.desc(), Post.id.desc())
        .limit(limit)
    )
    active = (
        select(Post.id)
        .where(listed)
        .order_by(Post.last_activity_at.desc(), Post.id.desc())
        .limit(limit)
    )
    return list(
        db.session.scalars(
            select(Post).where(Post.id.in_(_either(featured, active))).order_by(*order).limit(limit)
        )
    )


def _either(*bounded: Select) -> Select:
    """The ids of several ordered, limited selects, as one ``IN`` list (SQLite wants
    each one wrapped to keep its ``ORDER BY ... LIMIT`` inside a ``UNION``)."""
    parts = [select(query.subquery().c[0]) for query in bounded]
    return union_all(*parts)


@dataclass
class WorkedExperience:
    comment: Comment
    post_title: str
    post_is_guide: bool


def experiences_that_worked(limit: int) -> list[WorkedExperience]:
    """The home page's "Experiences that worked": comments moderators featured (latest
    first), then the guide's experiences most members said worked for them too.

    Only visible comments on listed posts (not deleted by their author). One statement,
    authors and steps joined; its candidates come from two bounded reads, ``limit`` of
    each: the latest featured comments (``ix_comments_featured_at``) and the guide's most
    endorsed experiences (``ix_comments_experiences_endorsed``), so no other comment is
    read.
    """
    shown = and_(Comment.deleted_at.is_(None), Comment.hidden_at.is_(None), Post.listed())
    featured = (
        select(Comment.id)
        .join(Post, Post.id == Comment.post_id)
        .where(shown, Comment.featured_at.is_not(None))
        .order_by(
            Comment.featured_at.desc(),
            Comment.endorsement_count.desc(),
            Comment.created_at.desc(),
            Comment.id.desc(),
        )
        .limit(limit)
    )
    guide_id = select(Post.id).where(Post.is_guide.is_(True)).order_by(Post.id).limit(1)
    endorsed = (
        select(Comment.id)
        .join(Post, Post.id == Comment.post_id)
        .where(
            shown,
            Comment.post_id == guide_id.scalar_subquery(),
            # Spelled as the partial index says it, so SQLite sees that the index applies;
            # the (always true) bound makes its planner prefer that index to any other
            # on ``post_id``, which would read every comment under the guide.
            text("comments.is_experience IS TRUE"),
            Comment.endorsement_count >= 0,
        )
        .order_by(Comment.endorsement_count.desc(), Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    )
    rows = db.session.execute(
        select(Comment, Post.title, Post.is_guide)
        .join(Post, Post.id == Comment.post_id)
        .where(Comment.id.in_(_either(featured, endorsed)))
        .options(joinedload(Comment.author), joinedload(Comment.steps))
        .order_by(
            Comment.featured_at.is_(None),
            Comment.featured_at.desc(),
            Comment.endorsement_count.desc(),
            Comment.created_at.desc(),
            Comment.id.desc(),
        )
        .limit(limit)
    ).unique()
    return [WorkedExperience(comment, title, is_guide) for comment, title, is_guide in rows]


def get_guide() -> Post | None:
    return db.session.scalar(select(Post).where(Post.is_guide.is_(True)).order_by(Post.id))


def is_following(post: Post, user: User) -> bool:
    return db.session.get(PostFollow, (post.id, user.id)) is not None


def revisions_of(comment: Comment) -> list[CommentRevision]:
    """Earlier versions of a comment, newest first."""
    return list(
        db.session.scalars(
            select(CommentRevision)
            .where(CommentRevision.comment_id == comment.id)
            .order_by(CommentRevision.replaced_at.desc(), CommentRevision.id.desc())
        )
    )


class CommentSort(enum.StrEnum):
    BEST = "best"
    NEWEST = "newest"
    OLDEST = "oldest"


#: Replies shown under one comment on a page; its permalink page lists them all.
REPLIES_SHOWN = 10
#: Replies one page loads besides its top-level comments (on a permalink page: besides
#: its page of the comment's direct replies), whatever the shape of the thread.
PAGE_REPLIES_MAX = 400
#: Direct replies per permalink page (``/comments/<id>?page=N``).
REPLIES_PER_PAGE = 100


@dataclass
class ThreadNode:
    comment: Comment
    children: list[ThreadNode] = field(default_factory=list)
    #: Replies that exist below the depth cap and are shown on the permalink page.
    continues: bool = False
    #: Replies to this comment in the database, as far as the loader counted them.
    replies: int = 0

    @property
    def more_replies(self) -> int:
        """Replies left out of this page (its permalink page shows them)."""
        return 0 if self.continues else max(0, self.replies - len(self.children))


@dataclass
class ThreadPage(PageNumbers):
    roots: list[ThreadNode]
    page: int
    pages: int
    #: Comments shown on this page (placeholders included).
    shown: int


@dataclass(frozen=True)
class ReplyPages(PageNumbers):
    """Where a permalink page is in its comment's direct replies (fits ``macros/pagination``)."""

    page: int
    pages: int
    total: int
    per_page: int

    @classmethod
    def of(cls, total: int, page: int, per_page: int = REPLIES_PER_PAGE) -> ReplyPages:
        """Page ``page`` of ``total`` replies; a page past the last is the last."""
        pages = max(1, math.ceil(total / per_page))
        return cls(min(max(page, 1), pages), pages, total, per_page)

    @property
    def first(self) -> int:
        return min(self.total, (self.page - 1) * self.per_page + 1)

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)


def _sibling_key(sort: CommentSort) -> Callable[[ThreadNode], tuple]:
    if sort is CommentSort.BEST:
        return lambda node: (-node.comment.score, node.comment.created_at, node.comment.id)
    if sort is CommentSort.NEWEST:
        return lambda node: (-node.comment.created_at.timestamp(), -node.comment.id)
    return lambda node: (node.comment.created_at, node.comment.id)


def _sibling_order(sort: CommentSort) -> tuple:
    """``_sibling_key`` in SQL."""
    if sort is CommentSort.BEST:
        return (Comment.score.desc(), Comment.created_at.asc(), Comment.id.asc())
    if sort is CommentSort.NEWEST:
        return (Comment.created_at.desc(), Comment.id.desc())
    return (Comment.created_at.asc(), Comment.id.asc())


def build_tree(
    comments: Iterable[Comment],
    sort: CommentSort,
    depth_limit: int | None = None,
    replies: Mapping[int, int] | None = None,
) -> list[ThreadNode]:
    """Nest ``comments`` under their parents and order siblings by ``sort``.

    One pass to index and attach, one to sort and prune. Comments whose parent
    is not among ``comments`` are roots. Deleted comments stay only as
    placeholders for replies that are still there. Comments deeper than
    ``depth_limit`` are not shown; their parent is marked ``continues``, as is a
    comment at the limit that ``replies`` (replies per comment id, when the loader
    left some out) says has replies.
    """
    replies = replies or {}
    nodes = {c.id: ThreadNode(c, replies=replies.get(c.id, 0)) for c in comments}
    roots: list[ThreadNode] = []
    for node in nodes.values():
        parent = nodes.get(node.comment.parent_id) if node.comment.parent_id else None
        if parent is None:
            roots.append(node)
        elif depth_limit is not None and node.comment.depth > depth_limit:
            parent.continues = True
        else:
            parent.children.append(node)
        if node.replies and node.comment.depth == depth_limit:
            node.continues = True
    key = _sibling_key(sort)
    return _prune_and_sort(roots, key)


def _prune_and_sort(nodes: list[ThreadNode], key) -> list[ThreadNode]:
    kept = []
    for node in nodes:
        node.children = _prune_and_sort(node.children, key)
        if node.comment.is_deleted and not (node.children or node.continues or node.replies):
            continue
        kept.append(node)
    kept.sort(key=key)
    return kept


def count_nodes(nodes: Iterable[ThreadNode]) -> int:
    return sum(1 + count_nodes(node.children) for node in nodes)


def _shown_in_thread() -> ColumnElement[bool]:
    """Not deleted, or deleted with replies (then it stays as a "[deleted]" placeholder)."""
    child = aliased(Comment)
    return or_(Comment.deleted_at.is_(None), exists().where(child.parent_id == Comment.id))


def _visible_top_level(post: Post, step: Step | None) -> Select:
    query = select(Comment.id).where(
        Comment.post_id == post.id, Comment.parent_id.is_(None), _shown_in_thread()
    )
    if step is not None:
        query = query.where(
            Comment.is_experience.is_(True),
            exists().where(ExperienceStep.comment_id == Comment.id, ExperienceStep.step == step),
        )
    return query


def load_thread_page(
    post: Post,
    sort: CommentSort = CommentSort.BEST,
    page: int = 1,
    per_page: int = 100,
    step: Step | None = None,
) -> ThreadPage:
    """One page of ``post``'s thread: top-level comments with their replies, nested and
    bounded (``_load_replies``): however many replies one comment gathers, a page loads
    at most ``per_page + PAGE_REPLIES_MAX`` comments."""
    top_level = _visible_top_level(post, step)
    total = db.session.scalar(select(func.count()).select_from(top_level.subquery()))
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    root_ids = list(
        db.session.scalars(
            top_level.order_by(*_sibling_order(sort)).limit(per_page).offset((page - 1) * per_page)
        )
    )
    replies_below = and_(Comment.root_id.in_(root_ids), Comment.depth >= 1)
    comments, replies = _load_replies(post, root_ids, replies_below, sort, DEPTH_CAP)
    roots = build_tree(comments, sort, depth_limit=DEPTH_CAP, replies=replies)
    return ThreadPage(roots=roots, page=page, pages=pages, shown=count_nodes(roots))


def _with_details(query: Select, post: Post) -> Select:
    query = query.options(joinedload(Comment.author))
    if post.is_guide:
        query = query.options(selectinload(Comment.steps))
    return query


def _load_replies(
    post: Post,
    root_ids: list[int],
    candidates: ColumnElement[bool],
    sort: CommentSort,
    depth_limit: int,
) -> tuple[list[Comment], dict[int, int]]:
    """The comments ``root_ids`` (in display order) with a bounded part of their replies
    down to ``depth_limit``, authors joined; and how many replies each of them has.

    Under any comment at most ``REPLIES_SHOWN`` replies, the first in ``sort`` order; in
    all at most ``PAGE_REPLIES_MAX``, taken level by level (every comment's first reply
    before any comment's second, earlier roots first), so a comment is never loaded
    without its parent. ``candidates`` narrows the replies the database ranks: it must
    hold every reply below the roots (say, ``root_id IN``), down to ``depth_limit + 1``
    (the level below is only counted, to mark "continue this thread").

    One statement (plus steps under the guide): ``ranked`` numbers each comment's
    replies with ``row_number() over (partition by parent_id ...)``, the recursive
    ``shown`` walks down from the roots through replies ranked within the cap, and the
    reply counts come from ``ranked`` grouped by parent. The database reads the roots'
    replies through an index; only the bounded rows reach Python.
    """
    if not root_ids:
        return [], {}
    ranked = (
        select(
            Comment.id,
            Comment.parent_id,
            Comment.depth,
            cast(
                func.row_number().over(
                    partition_by=Comment.parent_id, order_by=_sibling_order(sort)
                ),
                Integer,
            ).label("rank"),
        )
        .where(
            Comment.post_id == post.id,
            candidates,
            Comment.depth <= depth_limit + 1,
            _shown_in_thread(),
        )
        .cte("ranked")
    )
    position = case({root_id: index for index, root_id in enumerate(root_ids)}, value=Comment.id)
    shown = (
        select(
            Comment.id,
            Comment.depth,
            cast(literal(0), Integer).label("rank"),
            cast(position, Integer).label("position"),
        )
        .where(Comment.id.in_(root_ids))
        .cte("shown", recursive=True)
    )
    shown = shown.union_all(
        select(ranked.c.id, ranked.c.depth, ranked.c.rank, shown.c.position)
        .select_from(ranked)
        .join(shown, shown.c.id == ranked.c.parent_id)
        .where(ranked.c.rank <= REPLIES_SHOWN, ranked.c.depth <= depth_limit)
    )
    counts = (
        select(ranked.c.parent_id, func.count().label("replies"))
        .group_by(ranked.c.parent_id)
        .subquery()
    )
    rows = db.session.execute(
        _with_details(select(Comment, func.coalesce(counts.c.replies, 0)), post)
        .join(shown, shown.c.id == Comment.id)
        .outerjoin(counts, counts.c.parent_id == Comment.id)
        .order_by(shown.c.depth, shown.c.rank, shown.c.position, Comment.path)
        .limit(len(root_ids) + PAGE_REPLIES_MAX)
    ).all()
    return [comment for comment, _ in rows], {comment.id: count for comment, count in rows}


def _reply_ids(comment: Comment, sort: CommentSort, pages: ReplyPages) -> list[int]:
    return list(
        db.session.scalars(
            _direct_replies(comment)
            .order_by(*_sibling_order(sort))
            .limit(pages.per_page)
            .offset((pages.page - 1) * pages.per_page)
        )
    )


def _direct_replies(comment: Comment) -> Select:
    return select(Comment.id).where(
        Comment.post_id == comment.post_id, Comment.parent_id == comment.id, _shown_in_thread()
    )


def load_comment_context(
    comment: Comment,
    sort: CommentSort = CommentSort.OLDEST,
    page: int = 1,
    per_page: int = REPLIES_PER_PAGE,
) -> tuple[list[Comment], ThreadNode]:
    """A comment with its ancestors (outermost first) and one page of its direct replies
    with theirs, nested and bounded like a post page (``_load_replies``).

    The node's ``replies`` is the number of direct replies, for ``ReplyPages.of``; a page
    past the last is the last. Three statements: the ancestors and the comment by the
    ids in ``path``; the page of reply ids with their total (a window count); the
    replies below them, from a ``path`` prefix range.
    """
    post = comment.post
    lineage_ids = [int(segment) for segment in comment.path.split("/")[:-1]] + [comment.id]
    lineage = list(
        db.session.scalars(
            _with_details(select(Comment), post)
            .where(Comment.id.in_(lineage_ids))
            .order_by(Comment.depth)
        ).unique()
    )
    ancestors = [c for c in lineage if c.id != comment.id]
    page = max(page, 1)
    rows = db.session.execute(
        _direct_replies(comment)
        .add_columns(func.count().over())
        .order_by(*_sibling_order(sort))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    if rows:
        total, reply_ids = rows[0][1], [reply_id for reply_id, _ in rows]
    else:  # no replies, or a page past the last
        total = db.session.scalar(
            select(func.count()).select_from(_direct_replies(comment).subquery())
        )
        pages = ReplyPages.of(total, page, per_page)
        reply_ids = _reply_ids(comment, sort, pages) if total else []
    below = and_(
        Comment.path > comment.path + "/",
        Comment.path < comment.path + "0",
        Comment.depth >= comment.depth + 2,
    )
    depth_limit = comment.depth + DEPTH_CAP
    replies_below, replies = _load_replies(post, reply_ids, below, sort, depth_limit)
    replies[comment.id] = total
    nodes = build_tree([comment, *replies_below], sort, depth_limit=depth_limit, replies=replies)
    if not nodes:  # a deleted comment without replies still shows its placeholder
        nodes = [ThreadNode(comment)]
    return ancestors, nodes[0]


def reply_page_of(comment: Comment, per_page: int = REPLIES_PER_PAGE) -> int:
    """The page of its parent's permalink (oldest first, the default) that shows ``comment``."""
    if comment.parent_id is None:
        return 1
    earlier = db.session.scalar(
        select(func.count()).where(
            Comment.post_id == comment.post_id,
            Comment.parent_id == comment.parent_id,
            or_(
                Comment.created_at < comment.created_at,
                and_(Comment.created_at == comment.created_at, Comment.id < comment.id),
            ),
            _shown_in_thread(),
        )
    )
    return earlier // per_page + 1


@dataclass
class StepStats:
    step: Step
    members: int
    changed_role: int


def experience_stats(post: Post) -> list[StepStats]:
    """Per guide step: members who shared an experience with it, and how many changed role
    (experiences a moderator hid don't count)."""
    changed = case((Comment.outcome == Outcome.CHANGED_ROLE, Comment.author_id))
    rows = db.session.execute(
        select(
            ExperienceStep.step,
            func.count(func.distinct(Comment.author_id)),
            func.count(func.distinct(changed)),
        )
        .join(Comment, Comment.id == ExperienceStep.comment_id)
        .where(
            Comment.post_id == post.id,
            Comment.is_experience.is_(True),
            Comment.deleted_at.is_(None),
            Comment.hidden_at.is_(None),
        )
        .group_by(ExperienceStep.step)
    ).all()
    counts = {step: (members, changed_role) for step, members, changed_role in rows}
    return [StepStats(step, *counts.get(step, (0, 0))) for step in Step]
