"""Roles that paths are drawn between: a curated list, and free text mapped onto it.

Members type their roles freely when they share an experience ("school teacher", "Teacher.",
"data analyst"). A text counts as a curated role when, normalised (``normalise``), it is
that role's name or slug, or when a moderator mapped it (a ``RoleAlias``). Text nobody has
mapped yet still draws a path of its own, under its normalised spelling, and waits on the
moderators' page (``/paths/roles``) for a mapping.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import and_, func, select, union_all
from sqlalchemy import text as sql_text

from community.accounts.models import User
from community.db import Refused, insert_once
from community.discussions.comment_models import ROLE_MAX, Comment
from community.discussions.models import Post
from community.extensions import db
from community.moderation import log
from community.moderation.models import Action, TargetType
from community.plans.models import CareerRole, RoleAlias
from community.timeutil import utcnow
from community.urls import PageNumbers

#: (slug, name) of the roles seeded by ``flask seed``; moderators map free text onto them.
CURATED_ROLES: tuple[tuple[str, str], ...] = (
    ("teacher", "Teacher"),
    ("student", "Student"),
    ("researcher", "Researcher"),
    ("software-engineer", "Software engineer"),
    ("data-analyst", "Data analyst"),
    ("data-scientist", "Data scientist"),
    ("data-engineer", "Data engineer"),
    ("machine-learning-engineer", "Machine learning engineer"),
    ("automation-engineer", "Automation engineer"),
    ("engineering-manager", "Engineering manager"),
    ("product-manager", "Product manager"),
    ("project-manager", "Project manager"),
    ("ux-designer", "Designer (UX)"),
    ("marketing", "Marketing"),
    ("sales", "Sales"),
    ("customer-support", "Customer support"),
    ("operations", "Operations"),
    ("finance", "Finance / accounting"),
    ("human-resources", "Human resources"),
    ("lawyer", "Lawyer"),
    ("healthcare", "Nurse / healthcare"),
    ("journalist", "Journalist / writer"),
    ("consultant", "Consultant"),
    ("administration", "Administration"),
    ("retail", "Retail / hospitality"),
    ("founder", "Founder"),
)

#: Common spellings that need no moderator: normalised text → a curated role's slug.
SYNONYMS: dict[str, str] = {
    "developer": "software-engineer",
    "software developer": "software-engineer",
    "programmer": "software-engineer",
    "ml engineer": "machine-learning-engineer",
    "ai engineer": "machine-learning-engineer",
    "pm": "product-manager",
    "ux designer": "ux-designer",
    "designer": "ux-designer",
    "accountant": "finance",
    "nurse": "healthcare",
    "writer": "journalist",
    "hr": "human-resources",
    "data analysis": "data-analyst",
}

#: How many distinct spellings the moderators' page reads, the most frequent first.
UNMAPPED_READ_MAX = 2_000
UNMAPPED_PER_PAGE = 25

_SPACES = re.compile(r"\s+")


def _is_edge_junk(char: str) -> bool:
    """Punctuation, symbols and invisible characters that end a role without meaning."""
    return unicodedata.category(char)[0] in "PSCZ"


def tidy(text: str | None) -> str:
    """``text`` with single spaces, no control characters and no punctuation at either
    end, at most ``ROLE_MAX`` characters; its case kept (for showing a spelling)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text[: ROLE_MAX * 4])
    text = "".join(char if char.isprintable() else " " for char in text)
    text = _SPACES.sub(" ", text).strip()
    start, end = 0, len(text)
    while start < end and _is_edge_junk(text[start]):
        start += 1
    while end > start and _is_edge_junk(text[end - 1]):
        end -= 1
    return text[start:end][:ROLE_MAX].strip()


def normalise(text: str | None) -> str:
    """The form a role is compared and stored in: ``tidy`` and in lower case."""
    return tidy(tidy(text).lower())


@dataclass(frozen=True)
class RoleNode:
    """One end of a path: a curated role (``key`` its slug) or free text nobody mapped
    (``key`` the normalised text, ``curated`` False)."""

    key: str
    name: str
    curated: bool


class RoleResolver:
    """Normalised text → curated role, from the roles and the moderators' aliases.

    Loaded once (two statements) and then asked as often as needed, without queries.
    """

    def __init__(self, roles: list[CareerRole], aliases: list[tuple[str, int | None]]) -> None:
        self.roles = {role.slug: RoleNode(role.slug, role.name, True) for role in roles}
        by_id = {role.id: self.roles[role.slug] for role in roles}
        self._known: dict[str, RoleNode] = {
            text: self.roles[slug] for text, slug in SYNONYMS.items() if slug in self.roles
        }
        # What a moderator mapped (or unmapped) wins over the built-in spellings.
        for text, role_id in aliases:
            if role_id in by_id:
                self._known[text] = by_id[role_id]
            else:
                self._known.pop(text, None)
        # A role's own name and slug win over any alias of the same spelling.
        for role in roles:
            node = self.roles[role.slug]
            self._known[normalise(role.slug)] = node
            self._known[normalise(role.slug.replace("-", " "))] = node
            self._known[normalise(role.name)] = node

    @classmethod
    def load(cls) -> RoleResolver:
        roles = list(db.session.scalars(select(CareerRole).order_by(CareerRole.name)))
        aliases = db.session.execute(select(RoleAlias.text, RoleAlias.role_id)).all()
        return cls(roles, [(text, role_id) for text, role_id in aliases])

    def curated(self, text: str | None) -> RoleNode | None:
        """The curated role ``text`` stands for, if any."""
        return self._known.get(normalise(text))

    def is_role_name(self, text: str) -> bool:
        """Whether normalised ``text`` is a curated role's own name or slug."""
        return any(
            normalise(text) in (normalise(node.name), node.key, normalise(node.key))
            for node in self.roles.values()
        )

    def node(self, text: str | None, shown: str | None = None) -> RoleNode | None:
        """The end of a path ``text`` stands for; None for an empty role. Free text is
        named after ``shown`` (a spelling members used, "UX researcher") when it is one."""
        found = self.curated(text)
        if found is not None:
            return found
        key = normalise(text)
        if not key:
            return None
        name = tidy(shown) if shown and normalise(shown) == key else key
        return RoleNode(key, name[:1].upper() + name[1:], False)


def seed_roles() -> int:
    """Add the curated roles that are missing (by slug); safe to run again. Returns how many
    were added."""
    present = set(db.session.scalars(select(CareerRole.slug)))
    names = set(db.session.scalars(select(CareerRole.name)))
    added = 0
    for slug, name in CURATED_ROLES:
        if slug in present or name in names:
            continue
        db.session.add(CareerRole(slug=slug, name=name))
        added += 1
    db.session.flush()
    return added


def visible_experiences():
    """The experiences every page may count: shown (neither deleted nor hidden) comments
    on listed posts. Joins ``posts``; used as a WHERE clause beside ``join_posts``."""
    return and_(
        # Spelled as the partial indexes on experiences say it, so SQLite sees they apply.
        sql_text("comments.is_experience IS TRUE"),
        Comment.deleted_at.is_(None),
        Comment.hidden_at.is_(None),
        Post.listed(),
    )


@dataclass(frozen=True)
class UnmappedRole:
    text: str
    experiences: int


@dataclass
class UnmappedPage(PageNumbers):
    """A page of free-text roles no curated role covers yet, most frequent first."""

    items: list[UnmappedRole]
    page: int
    pages: int
    total: int


def unmapped_roles(page: int, per_page: int | None = None) -> UnmappedPage:
    """Free-text roles seen in shared experiences that map to no curated role.

    One grouped statement reads at most ``UNMAPPED_READ_MAX`` spellings (the most used
    first); spellings that normalise alike are merged here.
    """
    per_page = per_page or UNMAPPED_PER_PAGE
    resolver = RoleResolver.load()
    texts = union_all(
        select(func.lower(func.trim(Comment.from_role)).label("text"))
        .join(Post, Post.id == Comment.post_id)
        .where(visible_experiences(), Comment.from_role.is_not(None)),
        select(func.lower(func.trim(Comment.to_role)).label("text"))
        .join(Post, Post.id == Comment.post_id)
        .where(visible_experiences(), Comment.to_role.is_not(None)),
    ).subquery()
    uses = func.count()
    rows = db.session.execute(
        select(texts.c.text, uses)
        .group_by(texts.c.text)
        .order_by(uses.desc(), texts.c.text)
        .limit(UNMAPPED_READ_MAX)
    ).all()
    counts: dict[str, int] = {}
    for text, count in rows:
        key = normalise(text)
        if key and resolver.curated(key) is None:
            counts[key] = counts.get(key, 0) + count
    ordered = [UnmappedRole(text, count) for text, count in counts.items()]
    ordered.sort(key=lambda row: (-row.experiences, row.text))
    pages = max(1, math.ceil(len(ordered) / per_page))
    page = min(max(page, 1), pages)
    start = (page - 1) * per_page
    return UnmappedPage(ordered[start : start + per_page], page, pages, len(ordered))


def recent_mappings(limit: int = 50) -> list[RoleAlias]:
    """The latest spellings moderators mapped, with their roles."""
    return list(
        db.session.scalars(
            select(RoleAlias)
            .where(RoleAlias.role_id.is_not(None))
            .options(db.joinedload(RoleAlias.role))
            .order_by(RoleAlias.mapped_at.desc(), RoleAlias.id.desc())
            .limit(limit)
        )
    )


def curated_roles() -> list[CareerRole]:
    return list(db.session.scalars(select(CareerRole).order_by(CareerRole.name)))


#: The public log's reason when the moderator gave none: mapping a spelling explains itself.
MAPPING_REASON = "Keeping the paths map's roles tidy"


def map_role(
    text: str | None, role_slug: str | None, moderator: User, reason: str = ""
) -> RoleAlias:
    """Record that free text ``text`` means the curated role ``role_slug`` (empty: that it
    means none of them any more), in the moderation log too. Paths show it within
    ``PATHS_CACHE_SECONDS``."""
    key = normalise(text)
    if not key:
        raise Refused("Say which text to map.", field="text")
    resolver = RoleResolver.load()
    if resolver.is_role_name(key):
        raise Refused("That is a curated role's own name: it needs no mapping.", field="text")
    role = None
    if role_slug:
        role = db.session.scalar(select(CareerRole).where(CareerRole.slug == role_slug))
        if role is None:
            raise Refused("Choose a role from the list.", field="role")
    # Two moderators mapping the same spelling at once both land on the one row.
    insert_once(RoleAlias, text=key)
    alias = db.session.scalar(select(RoleAlias).where(RoleAlias.text == key))
    alias.role = role
    alias.mapped_by_id = moderator.id
    alias.mapped_at = utcnow()
    db.session.flush()
    log.record(moderator, Action.MAP_ROLE, TargetType.ROLE, alias.id, reason or MAPPING_REASON)
    return alias
