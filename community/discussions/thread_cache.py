"""Rendered threads, cached per post version, with per-viewer controls filled in per request.

A thread is rendered once per (post, ``thread_version``, sort, page, step filter,
viewer time zone, locked) and kept in this process. ``thread_version`` lives on the
post row and is bumped in the same transaction as every change to the thread, so
each worker sees a change on its next read of the post: no cross-process messages.

What differs between viewers (vote and "worked for me too" buttons, edit/delete
for one's own comments, revision links for moderators, the CSRF token) is not in
the cached HTML: the template leaves a slot per comment, and each request fills
the slots from small fragments rendered once per (comment, viewer state) and
memoised on the cached entry.
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

from flask import current_app, get_template_attribute
from markupsafe import Markup

from community import permissions

#: Unforgeable by member text: a fresh secret per process.
_SECRET = secrets.token_hex(8)
_SLOT = re.compile(rf"<!--slot-{_SECRET}-(\d+)-->")
CSRF_PLACEHOLDER = f"csrf-{_SECRET}"


def slot(comment_id: int) -> Markup:
    """Where a comment's per-viewer controls go in the cached HTML."""
    return Markup(f"<!--slot-{_SECRET}-{comment_id}-->")


class SlotComment(NamedTuple):
    """What the controls of one comment depend on, captured when the thread was rendered.

    It answers the permission predicates like a ``Comment`` does.
    """

    id: int
    author_id: int
    is_experience: bool
    deleted_at: datetime | None
    edited_at: datetime | None

    @classmethod
    def of(cls, comment) -> SlotComment:
        return cls(
            comment.id,
            comment.author_id,
            comment.is_experience,
            comment.deleted_at,
            comment.edited_at,
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
        )


@dataclass
class RenderedThread:
    #: Alternating HTML strings and comment ids (slots).
    segments: list[str | int]
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
        parts = _SLOT.split(html)
        segments: list[str | int] = [
            int(part) if index % 2 else part for index, part in enumerate(parts)
        ]
        return cls(segments=segments, comments=comments, meta=meta or {}, size=len(html))

    def for_visitor(self) -> Markup:
        """The thread with every slot empty (no buttons: a visitor can't act)."""
        if self._visitor_html is None:
            self._visitor_html = "".join(s for s in self.segments if isinstance(s, str))
        return Markup(self._visitor_html)

    def for_member(self, user, voted: set[int], endorsed: set[int], csrf_token: str) -> Markup:
        """The thread with each comment's controls as this member should see them.

        The permission predicates depend on a handful of facts about a comment, so
        they run once per distinct combination, not once per comment.
        """
        controls = get_template_attribute("discussions/_controls.html", "controls")
        states: dict[tuple, ViewerState] = {}
        parts = []
        for segment in self.segments:
            if isinstance(segment, str):
                parts.append(segment)
                continue
            comment = self.comments[segment]
            facts = (
                comment.author_id == user.id,
                comment.is_experience,
                comment.deleted_at is None,
                comment.edited_at is None,
                segment in voted,
                segment in endorsed,
            )
            state = states.get(facts)
            if state is None:
                state = states[facts] = ViewerState.of(user, comment, facts[4], facts[5])
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
    entries also expire after ``THREAD_CACHE_SECONDS`` so that what is not part of
    the thread's version (a member's new display name) shows within minutes.
    """

    def __init__(self, max_entries: int = 256, max_chars: int = 32_000_000) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._chars = 0
        self._entries: OrderedDict[tuple, RenderedThread] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_render(self, key: tuple, render: Callable[[], RenderedThread]) -> RenderedThread:
        ttl = current_app.config["THREAD_CACHE_SECONDS"]
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and time.monotonic() - entry.created < ttl:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry
        self.misses += 1
        entry = render()
        if ttl > 0 and entry.size <= self.max_chars:
            with self._lock:
                previous = self._entries.pop(key, None)
                self._chars += entry.size - (previous.size if previous else 0)
                self._entries[key] = entry
                while len(self._entries) > self.max_entries or self._chars > self.max_chars:
                    _, evicted = self._entries.popitem(last=False)
                    self._chars -= evicted.size
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._chars = 0


def cache_for(app) -> ThreadCache:
    """The app's thread cache (one per app, so test apps never share entries)."""
    cache = app.extensions.get("thread_cache")
    if cache is None:
        cache = app.extensions["thread_cache"] = ThreadCache(
            app.config["THREAD_CACHE_ENTRIES"], app.config["THREAD_CACHE_CHARS"]
        )
    return cache
