"""Named reads for the discussion pages: the post list, and threads loaded in a constant
number of queries with their tree built in one pass.

A post page shows one page of top-level comments with their whole subtrees (down to
the display depth cap). The queries are: count the top-level comments, pick this
page's top-level ids, load their subtrees with authors (one joined query), and,
under the guide, the experience steps of those comments (one ``selectin``).
Every page's query count is capped by a test (``tests/test_discussions_queries.py``).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, case, exists, func, or_, select
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

#: Nesting shown on one page; deeper replies continue on the permalink page.
DEPTH_CAP = 6


class PostSort(enum.StrEnum):
    ACTIVE = "active"
    NEW = "new"
    TOP = "top"


def posts_query(sort: PostSort = PostSort.ACTIVE, tag: str | None = None) -> Select:
    """The discussion list of public posts: pinned first, then the chosen order (authors
    and tags come with the post: joined and ``selectin``)."""
    order = {
        PostSort.ACTIVE: (Post.last_activity_at.desc(),),
        PostSort.NEW: (Post.created_at.desc(),),
        PostSort.TOP: (Post.comment_count.desc(), Post.last_activity_at.desc()),
    }[sort]
    query = (
        select(Post).where(Post.public()).order_by(Post.is_pinned.desc(), *order, Post.id.desc())
    )
    if tag:
        query = query.where(Post.tags.any(Tag.name == tag))
    return query


def recent_posts(limit: int) -> list[Post]:
    """Public discussions for the home page: featured ones first (latest featured first),
    then the most recently active; the guide is left out (the home page shows it apart)."""
    return list(
        db.session.scalars(
            select(Post)
            .where(Post.is_guide.is_(False), Post.public())
            .order_by(
                Post.featured_at.is_(None),
                Post.featured_at.desc(),
                Post.last_activity_at.desc(),
                Post.id.desc(),
            )
            .limit(limit)
        )
    )


@dataclass
class WorkedExperience:
    comment: Comment
    post_title: str
    post_is_guide: bool


def experiences_that_worked(limit: int) -> list[WorkedExperience]:
    """The home page's "Experiences that worked": comments moderators featured (latest
    first), then the guide's experiences most members said worked for them too.

    Only visible comments on public posts. One query: authors and steps are joined.
    """
    featured = Comment.featured_at.is_not(None)
    rows = db.session.execute(
        select(Comment, Post.title, Post.is_guide)
        .join(Post, Post.id == Comment.post_id)
        .where(
            Comment.deleted_at.is_(None),
            Comment.hidden_at.is_(None),
            Post.public(),
            or_(featured, and_(Comment.is_experience.is_(True), Post.is_guide.is_(True))),
        )
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


@dataclass
class ThreadNode:
    comment: Comment
    children: list[ThreadNode] = field(default_factory=list)
    #: Replies that exist below the depth cap and are shown on the permalink page.
    continues: bool = False


@dataclass
class ThreadPage:
    roots: list[ThreadNode]
    page: int
    pages: int
    #: Comments shown on this page (placeholders included).
    shown: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _sibling_key(sort: CommentSort) -> Callable[[ThreadNode], tuple]:
    if sort is CommentSort.BEST:
        return lambda node: (-node.comment.score, node.comment.created_at, node.comment.id)
    if sort is CommentSort.NEWEST:
        return lambda node: (-node.comment.created_at.timestamp(), -node.comment.id)
    return lambda node: (node.comment.created_at, node.comment.id)


def _top_level_order(sort: CommentSort) -> tuple:
    if sort is CommentSort.BEST:
        return (Comment.score.desc(), Comment.created_at.asc(), Comment.id.asc())
    if sort is CommentSort.NEWEST:
        return (Comment.created_at.desc(), Comment.id.desc())
    return (Comment.created_at.asc(), Comment.id.asc())


def build_tree(
    comments: Iterable[Comment], sort: CommentSort, depth_limit: int | None = None
) -> list[ThreadNode]:
    """Nest ``comments`` under their parents and order siblings by ``sort``.

    One pass to index and attach, one to sort and prune. Comments whose parent
    is not among ``comments`` are roots. Deleted comments stay only as
    placeholders for replies that are still there. Comments deeper than
    ``depth_limit`` are not shown; their parent is marked ``continues``.
    """
    nodes = {comment.id: ThreadNode(comment) for comment in comments}
    roots: list[ThreadNode] = []
    for node in nodes.values():
        parent = nodes.get(node.comment.parent_id) if node.comment.parent_id else None
        if parent is None:
            roots.append(node)
        elif depth_limit is not None and node.comment.depth > depth_limit:
            parent.continues = True
        else:
            parent.children.append(node)
    key = _sibling_key(sort)
    return _prune_and_sort(roots, key)


def _prune_and_sort(nodes: list[ThreadNode], key) -> list[ThreadNode]:
    kept = []
    for node in nodes:
        node.children = _prune_and_sort(node.children, key)
        if node.comment.is_deleted and not node.children and not node.continues:
            continue
        kept.append(node)
    kept.sort(key=key)
    return kept


def count_nodes(nodes: Iterable[ThreadNode]) -> int:
    return sum(1 + count_nodes(node.children) for node in nodes)


def _visible_top_level(post: Post, step: Step | None) -> Select:
    child = aliased(Comment)
    query = select(Comment.id).where(
        Comment.post_id == post.id,
        Comment.parent_id.is_(None),
        or_(Comment.deleted_at.is_(None), exists().where(child.parent_id == Comment.id)),
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
    """One page of ``post``'s thread: top-level comments with their subtrees, nested."""
    top_level = _visible_top_level(post, step)
    total = db.session.scalar(select(func.count()).select_from(top_level.subquery()))
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    root_ids = list(
        db.session.scalars(
            top_level.order_by(*_top_level_order(sort))
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    comments: list[Comment] = []
    if root_ids:
        comments = list(
            db.session.scalars(
                _with_details(select(Comment), post).where(
                    Comment.post_id == post.id,
                    Comment.root_id.in_(root_ids),
                    Comment.depth <= DEPTH_CAP + 1,
                )
            ).unique()
        )
    roots = build_tree(comments, sort, depth_limit=DEPTH_CAP)
    return ThreadPage(roots=roots, page=page, pages=pages, shown=count_nodes(roots))


def _with_details(query: Select, post: Post) -> Select:
    query = query.options(joinedload(Comment.author))
    if post.is_guide:
        query = query.options(selectinload(Comment.steps))
    return query


def load_comment_context(comment: Comment, sort: CommentSort = CommentSort.OLDEST):
    """A comment with its ancestors (outermost first) and its replies, nested.

    Three queries: ancestors by the ids in ``path``, the subtree by a ``path``
    prefix range, each with authors joined (plus steps under the guide).
    """
    post = comment.post
    ancestor_ids = [int(segment) for segment in comment.path.split("/")[:-1]]
    ancestors = []
    if ancestor_ids:
        ancestors = list(
            db.session.scalars(
                _with_details(select(Comment), post)
                .where(Comment.id.in_(ancestor_ids))
                .order_by(Comment.depth)
            ).unique()
        )
    subtree = list(
        db.session.scalars(
            _with_details(select(Comment), post).where(
                Comment.post_id == comment.post_id,
                or_(
                    Comment.id == comment.id,
                    and_(Comment.path > comment.path + "/", Comment.path < comment.path + "0"),
                ),
                Comment.depth <= comment.depth + DEPTH_CAP + 1,
            )
        ).unique()
    )
    nodes = build_tree(subtree, sort, depth_limit=comment.depth + DEPTH_CAP)
    if not nodes:  # a deleted comment without replies still shows its placeholder
        nodes = [ThreadNode(comment)]
    return ancestors, nodes[0]


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
