"""The home page's sections, built at most once every ``HOME_CACHE_SECONDS`` per worker.

The guide card, the experiences, events, mentors and discussions are the same for every
viewer in a time zone; building them takes a dozen statements and most of the page's
template time. The front page is the one most visitors open, so each worker keeps the
built sections for a few seconds, per time zone and kind of viewer, as Discourse does for
its anonymous visitors. What is personal (the greeting, the header, the unread badge) is
drawn on every request, outside the cached part. A change shows on the home page within
``HOME_CACHE_SECONDS``; 0 builds the sections on every request.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from flask import current_app, render_template
from markupsafe import Markup

from community.cache import app_cache
from community.discussions.models import Post
from community.discussions.queries import (
    experience_stats,
    experiences_that_worked,
    get_guide,
    recent_posts,
)
from community.events.queries import upcoming_for_home
from community.mentorship.queries import mentor_figures, mentors_with_room

RECENT_POSTS_ON_HOME = 8
MENTORS_ON_HOME = 3
EVENTS_ON_HOME = 4
EXPERIENCES_ON_HOME = 4
SUMMARY_CHARACTERS = 320
GUIDE_SUMMARY_FALLBACK = (
    "Four steps members took to move into a new role: courses, people, a plan and a portfolio."
)
_PARAGRAPH = re.compile(r"<p(?:\s[^>]*)?>(.*?)</p>", re.IGNORECASE | re.DOTALL)


def guide_summary(post: Post) -> str:
    """The guide's first paragraph as plain text, so the home page can introduce the guide
    without carrying its whole body (a phone would scroll through all of it)."""
    match = _PARAGRAPH.search(post.body_html or "")
    summary = Markup(match.group(1)).striptags() if match else ""
    if not summary:
        return GUIDE_SUMMARY_FALLBACK
    if len(summary) <= SUMMARY_CHARACTERS:
        return summary
    return summary[:SUMMARY_CHARACTERS].rsplit(" ", 1)[0].rstrip(",;:") + "…"


class Viewer(NamedTuple):
    """What the sections show differently to different viewers: part of the cache key."""

    time_zone: str
    signed_in: bool
    may_submit_event: bool


def home_sections(viewer: Viewer) -> Markup:
    """The home page below its greeting, from the cache while it is fresh."""
    seconds = current_app.config["HOME_CACHE_SECONDS"]
    return app_cache("home_sections").get_or_build(viewer, seconds, lambda: _build(viewer))


def _build(viewer: Viewer) -> Markup:
    guide = get_guide()
    mentors = mentors_with_room(MENTORS_ON_HOME)
    html = render_template(
        "main/_sections.html",
        viewer=viewer,
        guide=guide,
        guide_summary=guide_summary(guide) if guide else None,
        step_stats=experience_stats(guide) if guide else [],
        recent_posts=recent_posts(RECENT_POSTS_ON_HOME),
        experiences=experiences_that_worked(EXPERIENCES_ON_HOME),
        mentors=mentors,
        figures=mentor_figures([profile.user_id for profile, _ in mentors]),
        events=upcoming_for_home(EVENTS_ON_HOME),
    )
    # Our own template's output, every value escaped as it was drawn.
    return Markup(html)
