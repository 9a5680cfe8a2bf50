"""Thread rendering: threads rendered once per post version and cached, with each
viewer's own controls filled in per request.

A thread is rendered once per (post, ``thread_version``, sort, page, step filter,
viewer time zone, locked) and kept in this process. ``thread_version`` lives on the
post row and is bumped in the same transaction as every change to the thread, so
each worker sees a change on its next read of the post: no cross-process messages.

What differs between viewers (vote and "worked for me too" buttons, edit/delete
for one's own comments, revision links for moderators, the CSRF token) is not in
the cached HTML: the template leaves a slot per comment, and each request fills
the slots from small fragments rendered once per (comment, viewer state) and
memoised on the cached entry. The permalink page (a comment with one page of its
replies, bounded like a post page) is rendered each time through the same templates
and slots, so both pages show the same controls.

Members' names are in the cached HTML too. A new display name or a deleted account
bumps ``thread_version`` of every post the member commented in (``refresh_threads_of``,
registered with the account services), so every worker shows the change on its next
view, not after ``THREAD_CACHE_SECONDS``. That is one UPDATE on a rare write, through
the index on the comments' author (for a member who wrote in thousands of discussions,
thousands of post rows, once), and only the threads that show the name render again.
The other way, a site-wide "people version" in every cache key, would cost a read on
every page view and a new column or table, and each rename anywhere would re-render
every cached thread.

A comment a moderator hid is the other thing that differs: its author and moderators
read it (with the reason), everyone else reads "[removed by a moderator]". The
template renders both versions into a second kind of slot (``hidden_slot``), the
cached entry keeps them apart, and each viewer is given one: the hidden words never
reach a visitor or another member, and the thread is still rendered once.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from flask import current_app, get_template_attribute, render_template
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select, update

from community import permissions
from community.accounts.models import User
from community.accounts.services import on_delete, on_name_change
from community.discussions.comment_models import Comment, ExperienceEndorsement, Step, Vote
from community.discussions.models import Post
from community.discussions.queries import (
    CommentSort,
    ReplyPages,
    ThreadNode,
    experience_stats,
    load_comment_context,
    load_thread_page,
)
from community.extensions import db
from community.templating import viewer_timezone

#: Unforgeable by member text: a fresh secret per process.
_SECRET = secrets.token_hex(8)
_SLOT = re.compile(rf"<!--slot-{_SECRET}-(\d+)-->")
_HIDDEN = re.compile(
    rf"<!--hidden-{_SECRET}-(\d+)-->(.*?)<!--or-{_SECRET}-\1-->(.*?)<!--end-{_SECRET}-\1-->",
    re.DOTALL,
)
CSRF_PLACEHOLDER = f"csrf-{_SECRET}"


def slot(comment_id: int) -> Markup:
    """Where a comment's per-viewer controls go in the cached HTML."""
    return Markup(f"<!--slot-{_SECRET}-{comment_id}-->")


def hidden_slot(comment_id: int, revealed: str, placeholder: str) -> Markup:
    """A hidden comment's two versions in the cached HTML; each viewer gets one of them."""
    return Markup(
        f"<!--hidden-{_SECRET}-{comment_id}-->{revealed}"
        f"<!--or-{_SECRET}-{comment_id}-->{placeholder}<!--end-{_SECRET}-{comment_id}-->"
    )


Segment = str | int


class SlotComment(NamedTuple):
    """What the controls of one comment depend on, captured when the thread was rendered.

    It answers the permission predicates like a ``Comment`` does.
    """

    id: int
    author_id: int
    is_experience: bool
    deleted_at: datetime | None
    edited_at: datetime | None
    hidden_at: datetime | None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @classmethod
    def of(cls, comment) -> SlotComment:
        return cls(
            comment.id,
            comment.author_id,
            comment.is_experience,
            comment.deleted_at,
            comment.edited_at,
            comment.hidden_at,
        )


class ViewerState(NamedTuple):
    """Which controls one viewer gets on one comment."""

    can_vote: bool
    voted: bool
    can_endorse: bool
    endorsed: bool
    can_flag: bool
    can_edit: bool
    can_view_revisions: bool
    can_moderate: bool

    @classmethod
    def of(cls, user, comment: SlotComment, voted: bool, endorsed: bool) -> ViewerState:
        return cls(
            can_vote=permissions.can_vote(user, comment),
            voted=voted,
            can_endorse=permissions.can_endorse(user, comment),
            endorsed=endorsed,
            can_flag=permissions.can_flag(user, comment),
            can_edit=permissions.can_edit_comment(user, comment),
            can_view_revisions=comment.edited_at is not None
            and permissions.can_view_revisions(user, comment),
            can_moderate=permissions.can_moderate(user),
        )


class HiddenSlot(NamedTuple):
    """A hidden comment's place in the thread: what its author and moderators see
    (with its controls' slot), and the placeholder everyone else sees."""

    comment_id: int
    revealed: tuple[Segment, ...]
    placeholder: tuple[Segment, ...]


def _split_slots(html: str) -> list[Segment]:
    parts = _SLOT.split(html)
    return [int(part) if index % 2 else part for index, part in enumerate(parts)]


@dataclass
class RenderedThread:
    #: HTML strings, comment ids (controls' slots) and hidden comments' two versions.
    segments: list[Segment | HiddenSlot]
    comments: dict[int, SlotComment]
    #: Whatever else the page needs from the rendering (pagination, counts).
    meta: dict = field(default_factory=dict)
    #: Characters of HTML held, for the cache's memory budget.
    size: int = 0
    created: float = field(default_factory=time.monotonic)
    _fragments: dict[tuple[int, ViewerState], str] = field(default_factory=dict)
    _visitor_html: str | None = None

    @classmethod
    def from_html(
        cls, html: str, comments: dict[int, SlotComment], meta: dict | None = None
    ) -> RenderedThread:
        parts = _HIDDEN.split(html)
        segments: list[Segment | HiddenSlot] = []
        for index in range(0, len(parts), 4):
            segments.extend(_split_slots(parts[index]))
            if index + 3 < len(parts):
                revealed, placeholder = _split_slots(parts[index + 2]), parts[index + 3]
                hidden = HiddenSlot(
                    int(parts[index + 1]), tuple(revealed), tuple(_split_slots(placeholder))
                )
                segments.append(hidden)
        return cls(segments=segments, comments=comments, meta=meta or {}, size=len(html))

    def for_visitor(self) -> Markup:
        """The thread with every slot empty (no buttons: a visitor can't act) and
        every hidden comment as its placeholder."""
        if self._visitor_html is None:
            self._visitor_html = "".join(
                s for s in self._flatten(lambda hidden: False) if isinstance(s, str)
            )
        return Markup(self._visitor_html)

    def _flatten(self, reveals: Callable[[HiddenSlot], bool]):
        """The segments with each hidden comment's version chosen by ``reveals``."""
        for segment in self.segments:
            if isinstance(segment, HiddenSlot):
                yield from segment.revealed if reveals(segment) else segment.placeholder
            else:
                yield segment

    def for_member(self, user, voted: set[int], endorsed: set[int], csrf_token: str) -> Markup:
        """The thread with each comment's controls as this member should see them.

        The permission predicates depend on a handful of facts about a comment, so
        they run once per distinct combination, not once per comment.
        """
        controls = get_template_attribute("discussions/_controls.html", "controls")
        states: dict[tuple, ViewerState] = {}
        parts = []
        moderator = permissions.can_moderate(user)

        def reveals(hidden: HiddenSlot) -> bool:
            return moderator or permissions.can_read_hidden_comment(
                user, self.comments[hidden.comment_id]
            )

        for segment in self._flatten(reveals):
            if isinstance(segment, str):
                parts.append(segment)
                continue
            comment = self.comments[segment]
            facts = (
                comment.author_id == user.id,
                comment.is_experience,
                comment.deleted_at is None,
                comment.edited_at is None,
                comment.hidden_at is None,
                segment in voted,
                segment in endorsed,
            )
            state = states.get(facts)
            if state is None:
                state = states[facts] = ViewerState.of(user, comment, facts[5], facts[6])
            key = (segment, state)
            fragment = self._fragments.get(key)
            if fragment is None:
                fragment = str(controls(comment, state, CSRF_PLACEHOLDER))
                self._fragments[key] = fragment
            parts.append(fragment)
        return Markup("".join(parts).replace(CSRF_PLACEHOLDER, csrf_token))


class ThreadCache:
    """A small LRU of rendered threads, safe to share between threads of one process.

    Bounded by entry count and by characters held (a 1,000-comment page is ~0.5 MB);
    entries also expire after ``THREAD_CACHE_SECONDS``, a backstop for anything outside
    the thread's version (names are in it: ``refresh_threads_of``). It also
    remembers how many pages each thread version has, so a page number past the last
    is served from the last page's entry instead of adding one of its own.
    """

    def __init__(self, max_entries: int = 256, max_chars: int = 32_000_000) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._chars = 0
        self._entries: OrderedDict[tuple, RenderedThread] = OrderedDict()
        self._pages: OrderedDict[tuple, int] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple) -> RenderedThread | None:
        """The live entry for ``key``, counted as a hit; None (a miss) otherwise."""
        ttl = current_app.config["THREAD_CACHE_SECONDS"]
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and time.monotonic() - entry.created < ttl:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry
            self.misses += 1
        return None

    def put(self, key: tuple, entry: RenderedThread) -> None:
        """Keep ``entry`` unless caching is off or it alone is over the memory budget."""
        if current_app.config["THREAD_CACHE_SECONDS"] <= 0 or entry.size > self.max_chars:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            self._chars += entry.size - (previous.size if previous else 0)
            self._entries[key] = entry
            while len(self._entries) > self.max_entries or self._chars > self.max_chars:
                _, evicted = self._entries.popitem(last=False)
                self._chars -= evicted.size

    def get_or_render(self, key: tuple, render: Callable[[], RenderedThread]) -> RenderedThread:
        entry = self.get(key)
        if entry is None:
            entry = render()
            self.put(key, entry)
        return entry

    def known_pages(self, thread: tuple) -> int | None:
        """How many pages ``thread`` (everything in a key but the page) has, if known."""
        with self._lock:
            return self._pages.get(thread)

    def remember_pages(self, thread: tuple, pages: int) -> None:
        with self._lock:
            self._pages[thread] = pages
            self._pages.move_to_end(thread)
            while len(self._pages) > self.max_entries:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._pages.clear()
            self._chars = 0


def cache_for(app) -> ThreadCache:
    """The app's thread cache (one per app, so test apps never share entries)."""
    cache = app.extensions.get("thread_cache")
    if cache is None:
        cache = app.extensions["thread_cache"] = ThreadCache(
            app.config["THREAD_CACHE_ENTRIES"], app.config["THREAD_CACHE_CHARS"]
        )
    return cache


# Rendering a page's thread, and filling in what belongs to the viewer


def _slot_comments(nodes: list[ThreadNode], into: dict[int, SlotComment]) -> dict:
    for node in nodes:
        into[node.comment.id] = SlotComment.of(node.comment)
        _slot_comments(node.children, into)
    return into


def _marks_of_viewer(post: Post, comment_ids: list[int] | None = None) -> tuple[set, set]:
    """The viewer's votes and "worked for me too" marks in this thread: one or two queries."""
    votes = select(Vote.comment_id).join(Comment, Comment.id == Vote.comment_id)
    votes = votes.where(Vote.user_id == current_user.id, Comment.post_id == post.id)
    if comment_ids is not None:
        votes = votes.where(Vote.comment_id.in_(comment_ids))
    voted = set(db.session.scalars(votes))
    endorsed: set[int] = set()
    if post.is_guide:
        marks = select(ExperienceEndorsement.comment_id).join(
            Comment, Comment.id == ExperienceEndorsement.comment_id
        )
        marks = marks.where(
            ExperienceEndorsement.user_id == current_user.id, Comment.post_id == post.id
        )
        endorsed = set(db.session.scalars(marks))
    return voted, endorsed


def personalise(rendered: RenderedThread, post: Post, ids: list[int] | None = None) -> Markup:
    """The thread with the viewer's own controls; a visitor's needs no query."""
    if not current_user.is_authenticated:
        return rendered.for_visitor()
    voted, endorsed = _marks_of_viewer(post, ids)
    viewer = current_user._get_current_object()  # not the proxy: it is asked per comment
    return rendered.for_member(viewer, voted, endorsed, generate_csrf())


def post_thread(
    post: Post,
    sort: CommentSort,
    page: int,
    step: Step | None = None,
    *,
    cached: bool = True,
) -> tuple[Markup, dict]:
    """(thread HTML, meta) for one page of ``post``'s comments as the viewer sees them.

    A page past the last shows the last page, from the last page's cache entry.
    ``cached=False`` renders without reading or filling the cache: for a page shown
    inside a unit of work that is about to be rolled back (a refused comment).
    """
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    thread = (
        post.id,
        post.thread_version,
        post.is_locked,
        post.is_public,
        sort.value,
        step.value if step else None,
        per_page,
        viewer_timezone(),
    )
    cache = cache_for(current_app)
    known = cache.known_pages(thread)
    if known is not None:
        page = min(page, known)
    rendered = cache.get((*thread, page)) if cached else None
    if rendered is None:
        loaded = load_thread_page(post, sort, page, per_page, step)
        stats = experience_stats(post) if post.is_guide else []
        html = render_template(
            "discussions/_thread.html",
            post=post,
            nodes=loaded.roots,
            focus_id=None,
            reply_sort=_link_sort(sort),
        )
        meta = {"page": loaded.page, "pages": loaded.pages, "shown": loaded.shown, "stats": stats}
        rendered = RenderedThread.from_html(html, _slot_comments(loaded.roots, {}), meta)
        if cached:
            cache.put((*thread, loaded.page), rendered)
            cache.remember_pages(thread, loaded.pages)
    return personalise(rendered, post), rendered.meta


def comment_context(
    comment: Comment, sort: CommentSort = CommentSort.OLDEST, page: int = 1
) -> tuple[Markup, ReplyPages]:
    """The comment nested inside its ancestors, with one page of its replies below it,
    as HTML; and where that page is among its replies."""
    ancestors, node = load_comment_context(comment, sort, page)
    pages = ReplyPages.of(node.replies, page)
    for ancestor in reversed(ancestors):
        node = ThreadNode(ancestor, [node])
    html = render_template(
        "discussions/_thread.html",
        post=comment.post,
        nodes=[node],
        focus_id=comment.id,
        reply_sort=_link_sort(sort),
    )
    slots = _slot_comments([node], {})
    rendered = RenderedThread.from_html(html, slots)
    return personalise(rendered, comment.post, list(slots)), pages


def _link_sort(sort: CommentSort) -> str | None:
    """The ``sort`` a "more replies" link carries (none for the permalink's own default)."""
    return None if sort is CommentSort.OLDEST else sort.value


@on_delete("discussion threads")
@on_name_change("discussion threads")
def refresh_threads_of(user: User) -> None:
    """Threads the member commented in render again on their next view, in every process:
    their name (or "deleted member") is part of the cached HTML. One UPDATE, through the
    index on the comments' author."""
    db.session.execute(
        update(Post)
        .where(Post.id.in_(select(Comment.post_id).where(Comment.author_id == user.id)))
        .values(thread_version=Post.thread_version + 1)
        .execution_options(synchronize_session=False)
    )
