"""Paths: the from-role → to-role transitions members shared in their experiences.

A path is a pair of roles (``roles.RoleNode``: curated, or free text nobody mapped yet)
with what the members who took it said: how many (each member once per pair, through
their latest experience), the median months, the share who changed role, and the guide
steps that worked. Only pairs at least ``PAIR_MIN_MEMBERS`` members took are shown, so
nobody is singled out.

The map is built in a bounded number of statements whatever the size of the community:
the spellings are grouped in SQL (``lower(trim(role))``, the ``PAIRS_READ_MAX`` most
frequent pairs), mapped to roles here, and the mapping is handed back to SQL as a CASE so
that counting each member once, the months' distribution, the steps and the newest
experiences are each one grouped statement. Each worker keeps the map for
``PATHS_CACHE_SECONDS`` (0 builds it on every request).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from flask import current_app
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, selectinload

from community.cache import app_cache
from community.db import CappedPagination, paginate
from community.discussions.comment_models import Comment, ExperienceStep, Outcome, Step
from community.discussions.models import Post
from community.extensions import db
from community.plans.models import Plan
from community.plans.roles import RoleNode, RoleResolver, visible_experiences

#: A pair is shown once this many distinct members took it.
PAIR_MIN_MEMBERS = 3
#: How many distinct spelled pairs are read, the most frequent first.
PAIRS_READ_MAX = 500
#: Newest experiences linked from each pair on the map.
NEWEST_PER_PAIR = 3
EXPERIENCES_PER_PAGE = 20
#: How a step reads in a sentence ("courses and side projects worked most often").
STEP_WORDS = {
    Step.CERTIFICATIONS: "courses",
    Step.NETWORKING: "networking",
    Step.PLAN: "a plan",
    Step.PROJECTS: "side projects",
}

T = TypeVar("T")


def cached(key: str, build: Callable[[], T]) -> T:
    """``build()``, kept for ``PATHS_CACHE_SECONDS`` in this app (tests set 0)."""
    seconds = current_app.config["PATHS_CACHE_SECONDS"]
    return app_cache("paths").get_or_build(key, seconds, build)


def median(histogram: dict[int, int]) -> float | None:
    """The median of values given as value → how many times it occurs."""
    total = sum(histogram.values())
    if total == 0:
        return None
    values = sorted(histogram)
    low_rank, high_rank = (total - 1) // 2, total // 2
    seen = 0
    low = high = None
    for value in values:
        seen += histogram[value]
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            high = value
            break
    return (low + high) / 2


def months_text(months: float | None) -> str:
    """14 → "14", 14.5 → "14.5"."""
    if months is None:
        return ""
    return str(int(months)) if months == int(months) else f"{months:.1f}"


@dataclass
class Path:
    """One from-role → to-role pair and what its members said."""

    source: RoleNode
    target: RoleNode
    members: int = 0
    changed: int = 0
    months: dict[int, int] = field(default_factory=dict)
    steps: dict[Step, int] = field(default_factory=dict)
    #: The ids of the newest experiences, newest first.
    newest: list[int] = field(default_factory=list)
    #: The spellings (``lower(trim(...))``) that make up each end, to find its experiences.
    source_texts: set[str] = field(default_factory=set)
    target_texts: set[str] = field(default_factory=set)

    @property
    def median_months(self) -> float | None:
        return median(self.months)

    @property
    def median_text(self) -> str:
        return months_text(self.median_months)

    @property
    def changed_share(self) -> float:
        return self.changed / self.members if self.members else 0.0

    @property
    def changed_percent(self) -> int:
        return round(self.changed_share * 100)

    @property
    def top_steps(self) -> list[tuple[Step, int]]:
        """Steps that worked, most often first (the guide's order breaks ties)."""
        order = list(Step)
        ranked = [(step, count) for step, count in self.steps.items() if count > 0]
        return sorted(ranked, key=lambda item: (-item[1], order.index(item[0])))


@dataclass
class PathMap:
    """Every shown pair (most members first) and the resolver that drew them."""

    paths: list[Path]
    resolver: RoleResolver

    def find(self, source: str | None, target: str | None) -> Path | None:
        """The shown pair whose ends ``source`` and ``target`` (free text or a slug) name."""
        source_node, target_node = self.resolver.node(source), self.resolver.node(target)
        if source_node is None or target_node is None:
            return None
        for path in self.paths:
            if path.source.key == source_node.key and path.target.key == target_node.key:
                return path
        return None


def _spelled(column):
    return func.lower(func.trim(column))


def _build_map() -> PathMap:
    resolver = RoleResolver.load()
    source_text, target_text = _spelled(Comment.from_role), _spelled(Comment.to_role)
    # A spelling of each free text to show it by: the first in code point order, which
    # prefers capitals ("UX researcher" to "ux researcher").
    rows = db.session.execute(
        select(
            source_text,
            target_text,
            func.min(func.trim(Comment.from_role)),
            func.min(func.trim(Comment.to_role)),
        )
        .join(Post, Post.id == Comment.post_id)
        .where(visible_experiences(), Comment.from_role.is_not(None), Comment.to_role.is_not(None))
        .group_by(source_text, target_text)
        .order_by(func.count().desc(), source_text, target_text)
        .limit(PAIRS_READ_MAX)
    ).all()
    spelled = [(a, b) for a, b, _, _ in rows]
    nodes: dict[str, RoleNode] = {}
    for a, b, shown_a, shown_b in rows:
        for text, shown in ((a, shown_a), (b, shown_b)):
            if text not in nodes:
                node = resolver.node(text, shown)
                if node is not None:
                    nodes[text] = node
    keys = {text: node.key for text, node in nodes.items()}
    pairs = {(keys[a], keys[b]) for a, b in spelled if a in keys and b in keys}
    if not pairs:
        return PathMap([], resolver)
    by_key: dict[str, RoleNode] = {}
    for node in nodes.values():  # the most travelled spelling names its role
        by_key.setdefault(node.key, node)
    paths = {pair: Path(by_key[pair[0]], by_key[pair[1]]) for pair in pairs}
    for a, b in spelled:
        if a in keys and b in keys:
            paths[(keys[a], keys[b])].source_texts.add(a)
            paths[(keys[a], keys[b])].target_texts.add(b)

    source_key = case(keys, value=source_text, else_=None).label("source_key")
    target_key = case(keys, value=target_text, else_=None).label("target_key")
    ranked = (
        select(
            Comment.id.label("id"),
            Comment.created_at.label("created_at"),
            Comment.months.label("months"),
            Comment.outcome.label("outcome"),
            source_key,
            target_key,
            func.row_number()
            .over(
                partition_by=(Comment.author_id, source_key, target_key),
                order_by=(Comment.created_at.desc(), Comment.id.desc()),
            )
            .label("rank"),
        )
        .join(Post, Post.id == Comment.post_id)
        .where(
            visible_experiences(),
            source_text.in_(list(keys)),
            target_text.in_(list(keys)),
        )
    ).subquery()
    latest = select(ranked).where(ranked.c.rank == 1).subquery()
    changed = case((latest.c.outcome == Outcome.CHANGED_ROLE, 1), else_=0)
    for source, target, months, was_changed, count in db.session.execute(
        select(
            latest.c.source_key, latest.c.target_key, latest.c.months, changed, func.count()
        ).group_by(latest.c.source_key, latest.c.target_key, latest.c.months, changed)
    ):
        path = paths.get((source, target))
        if path is None:
            continue
        path.members += count
        path.changed += count if was_changed else 0
        if months is not None:
            path.months[months] = path.months.get(months, 0) + count
    for source, target, step, count in db.session.execute(
        select(latest.c.source_key, latest.c.target_key, ExperienceStep.step, func.count())
        .join(ExperienceStep, ExperienceStep.comment_id == latest.c.id)
        .group_by(latest.c.source_key, latest.c.target_key, ExperienceStep.step)
    ):
        path = paths.get((source, target))
        if path is not None:
            path.steps[Step(step)] = count
    newest = select(
        latest.c.id,
        latest.c.source_key,
        latest.c.target_key,
        func.row_number()
        .over(
            partition_by=(latest.c.source_key, latest.c.target_key),
            order_by=(latest.c.created_at.desc(), latest.c.id.desc()),
        )
        .label("place"),
    ).subquery()
    for comment_id, source, target, _ in db.session.execute(
        select(newest)
        .where(newest.c.place <= NEWEST_PER_PAIR)
        .order_by(newest.c.source_key, newest.c.target_key, newest.c.place)
    ):
        path = paths.get((source, target))
        if path is not None:
            path.newest.append(comment_id)
    shown = [path for path in paths.values() if path.members >= PAIR_MIN_MEMBERS]
    shown.sort(key=lambda path: (-path.members, path.source.name, path.target.name))
    return PathMap(shown, resolver)


def path_map() -> PathMap:
    """The paths members shared, from the cache while it is fresh."""
    return cached("map", _build_map)


def path_experiences(path: Path, page: int) -> CappedPagination:
    """One page (newest first) of the experiences behind ``path``, each member's latest,
    with their authors and steps."""
    ranked = (
        select(
            Comment.id.label("id"),
            func.row_number()
            .over(
                partition_by=Comment.author_id,
                order_by=(Comment.created_at.desc(), Comment.id.desc()),
            )
            .label("rank"),
        )
        .join(Post, Post.id == Comment.post_id)
        .where(
            visible_experiences(),
            _spelled(Comment.from_role).in_(sorted(path.source_texts)),
            _spelled(Comment.to_role).in_(sorted(path.target_texts)),
        )
    ).subquery()
    latest = select(ranked.c.id).where(ranked.c.rank == 1)
    query = (
        select(Comment)
        .where(Comment.id.in_(latest))
        .options(joinedload(Comment.author), selectinload(Comment.steps))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    )
    return paginate(query, page, EXPERIENCES_PER_PAGE)


@dataclass(frozen=True)
class PathSuggestion:
    """What the plan page says about the path closest to the member's roles."""

    source: str
    target: str
    source_key: str
    target_key: str
    members: int
    median_months: str
    changed_percent: int
    steps: list[str]

    @property
    def steps_text(self) -> str:
        """ "courses and side projects" (the two that worked most often)."""
        return " and ".join(self.steps)


def _closest(paths: list[Path], sources: set[str], targets: set[str]) -> Path | None:
    """The exact pair first, then one into a target role, then one out of the current
    role; the most travelled of each kind (``paths`` comes most members first)."""
    for wanted in (
        lambda path: path.source.key in sources and path.target.key in targets,
        lambda path: path.target.key in targets,
        lambda path: path.source.key in sources,
    ):
        for path in paths:
            if wanted(path):
                return path
    return None


def suggestion_for(plan: Plan) -> PathSuggestion | None:
    """The shared path closest to the plan's current and target roles, if any."""
    found = path_map()
    source = found.resolver.node(plan.current_role)
    sources = {source.key} if source else set()
    targets = {node.key for node in map(found.resolver.node, plan.target_roles) if node}
    if not sources and not targets:
        return None
    path = _closest(found.paths, sources, targets)
    if path is None:
        return None
    return PathSuggestion(
        source=path.source.name,
        target=path.target.name,
        source_key=path.source.key,
        target_key=path.target.key,
        members=path.members,
        median_months=path.median_text,
        changed_percent=path.changed_percent,
        steps=[STEP_WORDS[step] for step, _ in path.top_steps[:2]],
    )
